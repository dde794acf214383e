"""Form guard: buttons offered per conversation, the form step seen, open confirmations, answered client messages.

Revision ID: 0008_wtreliability
Revises: 0007_wtwechat
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_wtreliability"
down_revision = "0007_wtwechat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four form-guard tables."""
    op.create_table(
        "offered_buttons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(160), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sender_id", "payload_hash", name="uq_offered_buttons_sender_payload"),
    )
    op.create_index("ix_offered_buttons_sender_id", "offered_buttons", ["sender_id"])
    op.create_table(
        "form_views",
        sa.Column("sender_id", sa.String(160), primary_key=True),
        sa.Column("form_token", sa.String(64)),
        sa.Column("step", sa.String(32)),
        sa.Column("prompt_json", sa.Text()),
        sa.Column("last_text_hash", sa.String(64)),
        sa.Column("last_text_step", sa.String(32)),
        sa.Column("last_text_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "form_receipts",
        sa.Column("form_token", sa.String(64), primary_key=True),
        sa.Column("sender_id", sa.String(160), nullable=False),
        sa.Column("confirm_payload", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_form_receipts_sender_id", "form_receipts", ["sender_id"])
    op.create_table(
        "client_messages",
        sa.Column("sender_id", sa.String(160), primary_key=True),
        sa.Column("message_key", sa.String(128), primary_key=True),
        sa.Column("result_json", sa.Text()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the form-guard tables."""
    op.drop_table("client_messages")
    op.drop_index("ix_form_receipts_sender_id", table_name="form_receipts")
    op.drop_table("form_receipts")
    op.drop_table("form_views")
    op.drop_index("ix_offered_buttons_sender_id", table_name="offered_buttons")
    op.drop_table("offered_buttons")
