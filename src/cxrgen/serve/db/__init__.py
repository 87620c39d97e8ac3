"""Persistence of the review service: SQLAlchemy models (``models``) and engine/session set-up
(``session``). The schema is created by the Alembic migrations in ``cxrgen.serve.migrations``,
never by ``create_all``, so that SQLite and PostgreSQL databases evolve the same way."""
