"""PACS link: pacs_studies (studies seen on a PACS, skipped or pulled, and their write-back state).

Revision ID: 0003_pacs
Revises: 0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_pacs"
down_revision = "0002_review_hardening"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pacs_studies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("study_uid", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("study_id", sa.Integer, sa.ForeignKey("studies.id"), nullable=True, unique=True),
        sa.Column("instances", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("push_status", sa.String(16), nullable=False),
        sa.Column("push_error", sa.Text, nullable=True),
        sa.Column("push_attempts", sa.Integer, nullable=False),
        sa.Column("push_retry_at", TS, nullable=True),
        sa.Column("pushed_sr_uid", sa.String(64), nullable=True),
        sa.Column("pushed_version", sa.Integer, nullable=True),
        sa.Column("pushed_verified", sa.Boolean, nullable=True),
        sa.Column("pushed_at", TS, nullable=True),
        sa.Column("fhir_status", sa.String(16), nullable=False),
        sa.Column("fhir_error", sa.Text, nullable=True),
        sa.Column("fhir_location", sa.String(512), nullable=True),
        sa.UniqueConstraint("source", "study_uid"),
    )
    op.create_index("ix_pacs_studies_status", "pacs_studies", ["status"])
    op.create_index("ix_pacs_studies_push_status", "pacs_studies", ["push_status"])


def downgrade() -> None:
    op.drop_table("pacs_studies")
