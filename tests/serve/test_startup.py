"""Start-up and readiness (issue 13): a database that refuses writes (an immutable SQLite file), a
database in a missing folder and an unwritable data folder are one-line errors naming the path
and the fix, at start-up and from the CLI; /healthz is 503 when the database stops taking
writes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine

from cxrgen.errors import ConfigError
from cxrgen.serve.app import create_app
from cxrgen.serve.settings import Settings

from .conftest import FAST_HASH, USERS, start_service


def _settings(tmp_path, **kw):
    return Settings(data_dir=tmp_path / "serve", bootstrap_users=USERS, **FAST_HASH, **kw)


def test_immutable_sqlite_is_refused_at_start_up(tmp_path, drafter):
    db = tmp_path / "ro.db"
    svc = start_service(_settings(tmp_path, db_url=f"sqlite:///{db}"), drafter)
    svc.client.__exit__(None, None, None)
    svc.app.state.engine.dispose()
    with pytest.raises(ConfigError) as err:
        create_app(_settings(tmp_path, db_url=f"sqlite:///file:{db}?immutable=1&uri=true"), drafter)
    msg = str(err.value)
    assert "\n" not in msg and str(db) in msg and "writable" in msg and "readonly" in msg


def test_missing_folder_and_unwritable_data_dir_name_the_path(tmp_path, drafter):
    missing = tmp_path / "nowhere" / "x.db"
    with pytest.raises(ConfigError, match="folder .*nowhere does not exist"):
        create_app(_settings(tmp_path, db_url=f"sqlite:///{missing}"), drafter)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError) as err:
        create_app(Settings(data_dir=blocker / "serve", **FAST_HASH), drafter)
    assert str(blocker / "serve") in str(err.value) and "--data-dir" in str(err.value)


def test_cli_start_up_error_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "cxrgen", "serve", "--ckpt", "none.pt", "--db",
                        f"sqlite:///{tmp_path}/missing/x.db", "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "missing" in lines[0] and "Traceback" not in r.stderr, r.stderr


def test_health_is_503_when_the_database_stops_taking_writes(tmp_path, drafter):
    db = tmp_path / "h.db"
    svc = start_service(_settings(tmp_path, db_url=f"sqlite:///{db}"), drafter)
    try:
        assert svc.client.get("/healthz").json()["database"] is True
        good = svc.app.state.engine
        svc.app.state.engine = create_engine(f"sqlite:///file:{db}?immutable=1&uri=true")
        r = svc.client.get("/healthz")
        assert r.status_code == 503 and r.json()["database"] is False
        svc.app.state.engine.dispose()
        svc.app.state.engine = good
    finally:
        svc.client.__exit__(None, None, None)
        svc.app.state.engine.dispose()
