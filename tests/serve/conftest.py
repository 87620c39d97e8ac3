"""Fixtures of the review-service tests: a running app per database backend, logged-in users,
and the drafter.

Backends: SQLite always; PostgreSQL when a server is found — ``CXRGEN_TEST_PG_URL``, else the URL
that ``.ci/setup.d/postgres.sh`` wrote to ``.ci/pg_url``. Each test module gets its own freshly
created PostgreSQL database, dropped afterwards.
"""

from __future__ import annotations

import os
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PASSWORDS = {"rad": "rad-password", "rad2": "rad2-password", "rev": "rev-password",
             "adm": "adm-password"}
#: Argon2 at its lowest cost in tests: the defaults (64 MiB, 3 passes) take ~0.1-0.8 s a hash
FAST_HASH = {"password_time_cost": 1, "password_memory_kib": 1024}
USERS = [("rad", PASSWORDS["rad"], "radiologist"), ("rad2", PASSWORDS["rad2"], "radiologist"),
         ("rev", PASSWORDS["rev"], "reviewer"), ("adm", PASSWORDS["adm"], "admin")]


def pg_server_url() -> tuple[str | None, str]:
    """(URL, reason): where to find the test PostgreSQL server, or why there is none."""
    url = os.environ.get("CXRGEN_TEST_PG_URL")
    if not url and (REPO / ".ci" / "pg_url").is_file():
        url = (REPO / ".ci" / "pg_url").read_text().strip()
    if not url:
        return None, ("no PostgreSQL server: set CXRGEN_TEST_PG_URL or run "
                      ".ci/setup.d/postgres.sh (writes .ci/pg_url)")
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             connect_timeout=3):
            pass
    except Exception as exc:  # any failure means: no usable server, skip with the reason
        return None, f"PostgreSQL at {url.split('@')[-1]} unreachable: {type(exc).__name__}: {exc}"
    return url, ""


@pytest.fixture(scope="module")
def pg_database():
    """A fresh PostgreSQL database for one test module; skips when no server is available."""
    url, reason = pg_server_url()
    if url is None:
        pytest.skip(reason)
    import psycopg

    name = f"cxrgen_t_{uuid.uuid4().hex[:12]}"
    admin = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _db = url.rpartition("/")
    yield f"{base}/{name}"
    for attempt in range(20):  # the app's pool may take a moment to close its connections
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            break
        except psycopg.errors.ObjectInUse:
            time.sleep(0.25)
    else:
        warnings.warn(f"test database {name} still in use; left behind")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'serve.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture(scope="session")
def drafter():
    from .drafting import make_drafter

    return make_drafter()


@dataclass
class Service:
    client: object
    app: object
    tokens: dict

    def h(self, user: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def upload(self, files, user: str = "rad", **form):
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        return self.client.post("/api/studies", files=parts, data=form, headers=self.h(user))

    def wait_job(self, job_id: int, timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/jobs/{job_id}", headers=self.h("rad")).json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} not finished after {timeout} s: {job}")

    def drafted_study(self, files=None, **form) -> int:
        from .fixtures import png_bytes

        r = self.upload(files or [("a.png", png_bytes())], **form)
        assert r.status_code == 202, r.text
        job = self.wait_job(r.json()["job_id"])
        assert job["status"] == "done", job
        return r.json()["study_id"]


def start_service(settings, drafter):
    from fastapi.testclient import TestClient

    from cxrgen.serve.app import create_app

    app = create_app(settings, drafter=drafter)
    client = TestClient(app)
    client.__enter__()
    tokens = {}
    for user, password in PASSWORDS.items():
        r = client.post("/api/auth/login", json={"username": user, "password": password})
        assert r.status_code == 200, r.text
        tokens[user] = r.json()["token"]
    return Service(client, app, tokens)


@pytest.fixture(scope="module")
def service(db_url, drafter, tmp_path_factory):
    from cxrgen.serve.settings import Settings

    settings = Settings(db_url=db_url, data_dir=tmp_path_factory.mktemp("serve"),
                        bootstrap_users=USERS, max_file_bytes=200_000, max_request_bytes=1_000_000,
                        max_files=3, max_pixels=1_000_000, queue_size=8, **FAST_HASH)
    svc = start_service(settings, drafter)
    yield svc
    svc.client.__exit__(None, None, None)
    svc.app.state.engine.dispose()
