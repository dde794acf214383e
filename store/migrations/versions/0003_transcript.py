"""Conversation transcript: every farmer turn and every reply, with intent, topic and answered flag.

Revision ID: 0003_transcript
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_transcript"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the conversation_turns table."""
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("farmer_id", sa.Integer(), sa.ForeignKey("farmers.id", ondelete="CASCADE")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("confidence", sa.Float()),
        sa.Column("topic", sa.String(16)),
        sa.Column("answered", sa.Boolean()),
        sa.Column("sources", sa.Text()),
        sa.Column("scam_level", sa.String(8)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_conversation_turns_farmer_id", "conversation_turns", ["farmer_id"])
    op.create_index("ix_conversation_turns_created_at", "conversation_turns", ["created_at"])
    op.create_index("ix_conversation_turns_sender", "conversation_turns", ["channel", "external_id"])


def downgrade() -> None:
    """Drop the conversation_turns table."""
    op.drop_table("conversation_turns")
