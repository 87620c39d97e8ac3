"""Nothing is lost when the service is killed mid-job: a restarted service resumes unfinished
jobs, and marks failed (visibly) a job that was interrupted too often."""

from __future__ import annotations

import signal
import time

import httpx
from sqlalchemy import select

from cxrgen.serve.db.models import Job, Study
from cxrgen.serve.db.session import make_engine, make_sessionmaker

from .cli_server import RAD_PASSWORD, add_radiologist, free_port, login, start
from .conftest import FAST_HASH, USERS, start_service
from .fixtures import png_bytes

def test_killed_service_resumes_unfinished_jobs(tmp_path):
    data_dir, port = tmp_path / "serve", free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(data_dir, port)
    try:
        hdr = add_radiologist(base)
        n = 6
        job_ids = []
        for i in range(n):
            files = [("files", ("a.png", png_bytes(size=96, seed=i), "image/png"))]
            r = httpx.post(f"{base}/api/studies", files=files, data={"reference": f"K{i}"},
                           headers=hdr, timeout=30)
            assert r.status_code == 202, r.text
            job_ids.append(r.json()["job_id"])
    finally:
        proc.send_signal(signal.SIGKILL)  # no shutdown hook runs: as a crash or an OOM kill
        proc.wait(10)
    engine = make_engine(f"sqlite:///{data_dir / 'cxrgen-serve.db'}")
    with make_sessionmaker(engine)() as db:
        unfinished = db.scalars(select(Job).where(Job.status.in_(("queued", "running")))).all()
        assert len(db.scalars(select(Study)).all()) == n
    assert unfinished, "every job finished before the kill: the test interrupted nothing"
    # restart on the same data: the unfinished jobs are resumed and all studies get their draft
    proc = start(data_dir, port)
    try:
        health = httpx.get(f"{base}/healthz").json()
        assert health["recovered_on_start"] == {"resumed": len(unfinished), "failed": 0}
        hdr = login(base, "rad", RAD_PASSWORD)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = [httpx.get(f"{base}/api/jobs/{j}", headers=hdr).json() for j in job_ids]
            if all(j["status"] in ("done", "failed") for j in jobs):
                break
            time.sleep(0.3)
        assert [j["status"] for j in jobs] == ["done"] * n
        resumed = {j.id for j in unfinished}
        for j in jobs:
            if j["id"] in resumed:
                assert j["error"] is None and j["attempts"] >= 1
        studies = httpx.get(f"{base}/api/studies", headers=hdr).json()
        assert studies["total"] == n and {s["status"] for s in studies["items"]} == {"draft_ready"}
        assert all(s["version"] == 1 for s in studies["items"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    engine.dispose()


def test_job_interrupted_too_often_is_marked_failed(tmp_path, drafter):
    from cxrgen.serve.settings import Settings

    settings = Settings(data_dir=tmp_path / "serve", bootstrap_users=USERS, max_attempts=2,
                        **FAST_HASH)
    svc = start_service(settings, drafter)
    sid = svc.drafted_study()
    svc.client.__exit__(None, None, None)
    # as if the process had died twice while this study's new job ran
    with svc.app.state.sessionmaker() as db:
        db.add(Job(study_id=sid, status="running", attempts=2))
        db.add(Job(study_id=sid, status="running", attempts=1))
        db.commit()
    svc.app.state.engine.dispose()
    svc2 = start_service(settings, drafter)
    try:
        health = svc2.client.get("/healthz").json()
        assert health["recovered_on_start"] == {"resumed": 1, "failed": 1}
        with svc2.app.state.sessionmaker() as db:
            failed = db.scalar(select(Job).where(Job.study_id == sid, Job.attempts == 2))
            assert failed.status == "failed" and "interrupted 2 times" in failed.error
        events = svc2.client.get(f"/api/studies/{sid}/audit", headers=svc2.h("rev")).json()
        assert "job_failed_on_restart" in [e["action"] for e in events]
    finally:
        svc2.client.__exit__(None, None, None)
        svc2.app.state.engine.dispose()
