"""Service stations, loan pre-applications, status history, station tickets, consent records.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the pre-application tables."""
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("county_code", sa.String(8), nullable=False),
        sa.Column("name_zh", sa.String(128), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("township_zh", sa.String(64), nullable=False),
        sa.Column("township_en", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("hours_zh", sa.String(128), nullable=False),
        sa.Column("hours_en", sa.String(128), nullable=False),
        sa.Column("rules_region", sa.String(64), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reference_counters",
        sa.Column("county_code", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "pre_applications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("form_token", sa.String(64), nullable=False, unique=True),
        sa.Column("farmer_id", sa.Integer(), sa.ForeignKey("farmers.id", ondelete="SET NULL")),
        sa.Column("station_id", sa.Integer(), sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("applicant_name", sa.String(64)),
        sa.Column("phone_enc", sa.LargeBinary()),
        sa.Column("phone_masked", sa.String(16)),
        sa.Column("resident_id_enc", sa.LargeBinary()),
        sa.Column("resident_id_hash", sa.String(64)),
        sa.Column("resident_id_masked", sa.String(24)),
        sa.Column("age_at_submission", sa.Integer()),
        sa.Column("household_status", sa.String(16), nullable=False),
        sa.Column("amount_yuan", sa.Integer(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("purpose_note", sa.String(200)),
        sa.Column("rules_id", sa.String(64)),
        sa.Column("rules_version", sa.String(32)),
        sa.Column("precheck_outcome", sa.String(16)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anonymised_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_pre_applications_farmer_id", "pre_applications", ["farmer_id"])
    op.create_index("ix_pre_applications_station_id", "pre_applications", ["station_id"])
    op.create_index("ix_pre_applications_resident_id_hash", "pre_applications", ["resident_id_hash"])
    op.create_index("ix_pre_applications_status", "pre_applications", ["status"])
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id", sa.Integer(), sa.ForeignKey("pre_applications.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("from_status", sa.String(24)),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500)),
    )
    op.create_index("ix_status_changes_application_id", "status_changes", ["application_id"])
    op.create_table(
        "station_tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("pre_applications.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("station_id", sa.Integer(), sa.ForeignKey("stations.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_station_tickets_station_id", "station_tickets", ["station_id"])
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id", sa.Integer(), sa.ForeignKey("pre_applications.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("farmer_id", sa.Integer(), sa.ForeignKey("farmers.id", ondelete="SET NULL")),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wording_version", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_consent_records_application_id", "consent_records", ["application_id"])
    op.create_index("ix_consent_records_farmer_id", "consent_records", ["farmer_id"])


def downgrade() -> None:
    """Drop the pre-application tables."""
    op.drop_table("consent_records")
    op.drop_table("station_tickets")
    op.drop_table("status_changes")
    op.drop_table("pre_applications")
    op.drop_table("reference_counters")
    op.drop_table("stations")
