"""Review hardening (issue 13): signatures bind a version, accounts lock out, sessions time out.

* ``studies.current_version``: the newest report version, so that an edit and a sign-off are
  each one conditional ``UPDATE ... WHERE current_version = :seen`` on the same row (the
  database serialises them; exactly one of N concurrent writers wins, the rest get 409);
* ``studies.signed_version`` / ``signed_sha256``: what was signed, and the SHA-256 of its text;
* ``users.failed_logins`` / ``locked_until``: per-account lockout after repeated failures;
* ``auth_tokens.last_seen_at``: idle timeout;
* a unique index on ``lower(username)``: ``Admin`` and ``admin`` cannot both exist;
* ``service_probe``: one row that readiness checks rewrite (a write, not just ``SELECT 1``, so
  a read-only database is reported as not ready).

Revision ID: 0002_review_hardening
Revises: 0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_review_hardening"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("studies") as b:
        b.add_column(sa.Column("current_version", sa.Integer, nullable=True))
        b.add_column(sa.Column("signed_version", sa.Integer, nullable=True))
        b.add_column(sa.Column("signed_sha256", sa.String(64), nullable=True))
    op.execute("UPDATE studies SET current_version = (SELECT max(version) FROM report_versions "
               "WHERE report_versions.study_id = studies.id)")
    with op.batch_alter_table("users") as b:
        b.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        b.add_column(sa.Column("locked_until", TS, nullable=True))
    with op.batch_alter_table("auth_tokens") as b:
        b.add_column(sa.Column("last_seen_at", TS, nullable=True))
    op.create_index("ux_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_table("service_probe", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("at", TS, nullable=True))
    op.execute("INSERT INTO service_probe (id, at) VALUES (1, NULL)")


def downgrade() -> None:
    op.drop_table("service_probe")
    op.drop_index("ux_users_username_lower", table_name="users")
    with op.batch_alter_table("auth_tokens") as b:
        b.drop_column("last_seen_at")
    with op.batch_alter_table("users") as b:
        b.drop_column("locked_until")
        b.drop_column("failed_logins")
    with op.batch_alter_table("studies") as b:
        b.drop_column("signed_sha256")
        b.drop_column("signed_version")
        b.drop_column("current_version")
