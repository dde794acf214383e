"""Personal-number drafts behind handles, and pending erasures of Rasa conversations.

Revision ID: 0006_wtprivacy
Revises: 0005_staff
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_wtprivacy"
down_revision = "0005_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `number_drafts` and `tracker_purges`."""
    op.create_table(
        "number_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation", sa.String(160), nullable=False),
        sa.Column("handle", sa.String(40), nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value_enc", sa.LargeBinary(), nullable=False),
        sa.Column("masked", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_number_drafts_conversation", "number_drafts", ["conversation"])
    op.create_index("ix_number_drafts_created_at", "number_drafts", ["created_at"])
    op.create_table(
        "tracker_purges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation", sa.String(160), nullable=False, unique=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("tracker_purges")
    op.drop_index("ix_number_drafts_created_at", table_name="number_drafts")
    op.drop_index("ix_number_drafts_conversation", table_name="number_drafts")
    op.drop_table("number_drafts")
