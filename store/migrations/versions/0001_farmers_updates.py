"""Farmers, start events (deep-link payloads) and processed updates.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the foundation tables."""
    op.create_table(
        "farmers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("lang", sa.String(8)),
        sa.Column("first_start_payload", sa.String(64)),
        sa.Column("last_start_payload", sa.String(64)),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_farmers_channel_external"),
    )
    op.create_table(
        "start_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("farmer_id", sa.Integer(), sa.ForeignKey("farmers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("payload", sa.String(64)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_start_events_farmer_id", "start_events", ["farmer_id"])
    op.create_table(
        "processed_updates",
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the foundation tables."""
    op.drop_table("processed_updates")
    op.drop_index("ix_start_events_farmer_id", "start_events")
    op.drop_table("start_events")
    op.drop_table("farmers")
