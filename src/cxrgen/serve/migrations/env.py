"""Alembic environment: uses the connection handed over by ``cxrgen.serve.migrations.upgrade``
(or opens one from ``sqlalchemy.url`` when run by the ``alembic`` command)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from cxrgen.serve.db import pacs as _pacs_tables  # noqa: F401 (declares pacs_studies)
from cxrgen.serve.db.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}),
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
