"""Pre-applications keep the farmer's village (both languages) so the console can search by it.

Revision ID: 0009_wtreliability_village
Revises: 0008_wtreliability
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_wtreliability_village"
down_revision = "0008_wtreliability"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the village columns (empty for applications stored before)."""
    with op.batch_alter_table("pre_applications") as batch:
        batch.add_column(sa.Column("village_zh", sa.String(64), nullable=True))
        batch.add_column(sa.Column("village_en", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop the village columns."""
    with op.batch_alter_table("pre_applications") as batch:
        batch.drop_column("village_en")
        batch.drop_column("village_zh")
