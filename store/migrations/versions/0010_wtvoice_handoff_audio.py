"""Voice recordings of the web chat kept for staff during a hand-off (sealed), erased with the hand-off's messages.

Revision ID: 0010_wtvoice
Revises: 0009_wtreliability_village
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_wtvoice"
down_revision = "0009_wtreliability_village"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the handoff_audio table."""
    op.create_table(
        "handoff_audio",
        sa.Column("ref", sa.String(40), primary_key=True),
        sa.Column("handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("audio_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handoff_audio_handoff_id", "handoff_audio", ["handoff_id"])


def downgrade() -> None:
    """Drop the handoff_audio table."""
    op.drop_index("ix_handoff_audio_handoff_id", table_name="handoff_audio")
    op.drop_table("handoff_audio")
