"""Publicity campaigns: campaigns, their placements, campaign arrivals and pre-application attribution.

Revision ID: 0004_campaigns
Revises: 0003_transcript
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_campaigns"
down_revision = "0003_transcript"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the campaign tables."""
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organiser", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("region", sa.String(128)),
        sa.Column("station_code", sa.String(32)),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaign_placements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("note", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_campaign_placements_campaign_id", "campaign_placements", ["campaign_id"])
    op.create_table(
        "campaign_arrivals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("farmer_id", sa.Integer(), sa.ForeignKey("farmers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("placement_id", sa.Integer(), sa.ForeignKey("campaign_placements.id", ondelete="SET NULL")),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_campaign_arrivals_farmer_id", "campaign_arrivals", ["farmer_id"])
    op.create_index("ix_campaign_arrivals_placement_id", "campaign_arrivals", ["placement_id"])
    op.create_index("ix_campaign_arrivals_at", "campaign_arrivals", ["at"])
    op.create_table(
        "application_attributions",
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("pre_applications.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("first_placement_id", sa.Integer(), sa.ForeignKey("campaign_placements.id", ondelete="SET NULL")),
        sa.Column("last_placement_id", sa.Integer(), sa.ForeignKey("campaign_placements.id", ondelete="SET NULL")),
    )
    op.create_index(
        "ix_application_attributions_first_placement_id", "application_attributions", ["first_placement_id"]
    )
    op.create_index("ix_application_attributions_last_placement_id", "application_attributions", ["last_placement_id"])


def downgrade() -> None:
    """Drop the campaign tables."""
    op.drop_index("ix_application_attributions_last_placement_id", "application_attributions")
    op.drop_index("ix_application_attributions_first_placement_id", "application_attributions")
    op.drop_table("application_attributions")
    op.drop_index("ix_campaign_arrivals_at", "campaign_arrivals")
    op.drop_index("ix_campaign_arrivals_placement_id", "campaign_arrivals")
    op.drop_index("ix_campaign_arrivals_farmer_id", "campaign_arrivals")
    op.drop_table("campaign_arrivals")
    op.drop_index("ix_campaign_placements_campaign_id", "campaign_placements")
    op.drop_table("campaign_placements")
    op.drop_table("campaigns")
