"""Channel state shared by bot workers: small expiring values per channel (access token, reply state, buttons).

Revision ID: 0007_wtwechat
Revises: 0005_staff
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_wtwechat"
down_revision = "0006_wtprivacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the channel_state table."""
    op.create_table(
        "channel_state",
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_channel_state_expires_at", "channel_state", ["expires_at"])


def downgrade() -> None:
    """Drop the channel_state table."""
    op.drop_index("ix_channel_state_expires_at", table_name="channel_state")
    op.drop_table("channel_state")
