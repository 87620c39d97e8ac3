"""Engine and session factory for SQLite (embedded default) or PostgreSQL (by URL), and the one
way the service and the ``humaneval`` command open their database (:func:`open_database`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, event, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from cxrgen.errors import ConfigError


def make_engine(url: str) -> Engine:
    """An engine suited to a threaded server.

    SQLite: the connection is shared across the worker threads (``check_same_thread=False``),
    WAL journaling lets readers proceed while a worker writes, ``busy_timeout`` waits for a lock
    instead of failing, and foreign keys are enforced (SQLite leaves them off by default).
    ``hide_parameters``: a failed statement's error never quotes its values (report text, user
    names, search terms), so no PHI reaches a log through an exception message.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            try:
                cur.execute("PRAGMA journal_mode=WAL")
            except Exception:  # a read-only database cannot switch journal; probe_write says so
                pass
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         hide_parameters=True)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def check_data_dir(folder: Path) -> None:
    """Create ``folder`` and prove it is writable; a one-line :class:`ConfigError` otherwise."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise ConfigError(f"data folder {folder} is not writable ({type(exc).__name__}: "
                          f"{exc.strerror or exc}): fix its permissions or choose another with "
                          f"--data-dir") from None


def _sqlite_file(url: str) -> Path | None:
    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    name = u.database
    if name.startswith("file:"):  # URI form: file:/path?mode=ro
        name = name[5:].split("?", 1)[0]
    return Path(name)


def probe_write(engine: Engine) -> None:
    """Rewrite the one row of ``service_probe``: raises when the database refuses writes."""
    from cxrgen.serve.db.models import ServiceProbe, utcnow

    with engine.begin() as conn:
        conn.execute(update(ServiceProbe).where(ServiceProbe.id == 1).values(at=utcnow()))


def open_database(url: str) -> tuple[Engine, sessionmaker]:
    """Engine and sessions on ``url``, migrated to the newest schema and proven writable.

    Every start-up failure is one line naming the database and the fix: a SQLite file in a missing
    folder, an unreachable server, a read-only (or immutable) database.
    """
    from cxrgen.serve.migrations import upgrade

    path = _sqlite_file(url)
    where = str(path) if path else make_url(url).render_as_string(hide_password=True)
    if path is not None and not path.parent.is_dir():
        raise ConfigError(f"database {path}: folder {path.parent} does not exist; create it or "
                          f"pass --db with a path in an existing folder")
    engine = make_engine(url)
    try:
        upgrade(engine)
        probe_write(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
        fix = ("make the file and its folder writable by this user (and not immutable)"
               if "readonly" in reason.replace("-", "").replace(" ", "").lower()
               else "check the URL, that the server runs, and this user's rights")
        raise ConfigError(f"database {where} cannot be used ({type(exc).__name__}: {reason}): "
                          f"{fix}") from None
    return engine, make_sessionmaker(engine)
