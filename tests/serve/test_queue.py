"""A full generation queue answers 503 with Retry-After and stores nothing."""

from __future__ import annotations

import threading

from cxrgen.serve.settings import Settings

from .conftest import FAST_HASH, USERS, start_service
from .fixtures import png_bytes


class GatedDrafter:
    """The real drafter behind a gate, so the test decides when the worker may finish."""

    def __init__(self, inner):
        self.inner, self.gate, self.entered = inner, threading.Event(), threading.Event()
        self.max_images = inner.max_images

    def draft(self, image_paths):
        self.entered.set()
        assert self.gate.wait(60), "gate never opened"
        return self.inner.draft(image_paths)


def test_full_queue_is_503_with_retry_after(tmp_path, drafter):
    gated = GatedDrafter(drafter)
    settings = Settings(data_dir=tmp_path, bootstrap_users=USERS, workers=1, queue_size=2,
                        retry_after_s=7, **FAST_HASH)
    svc = start_service(settings, gated)
    try:
        first = svc.upload([("a.png", png_bytes(seed=1))])
        assert first.status_code == 202
        assert gated.entered.wait(30)  # job 1 is running, blocked at the gate
        second = svc.upload([("b.png", png_bytes(seed=2))])
        assert second.status_code == 202  # queued: 2 of 2 slots taken
        third = svc.upload([("c.png", png_bytes(seed=3))])
        assert third.status_code == 503
        assert third.headers["Retry-After"] == "7"
        assert "queue is full (2 of 2" in third.json()["detail"]
        assert svc.client.get("/healthz").json()["queue"] == {"pending": 2, "capacity": 2}
        listed = svc.client.get("/api/studies", headers=svc.h("rad")).json()
        assert listed["total"] == 2  # the refused upload left no study behind
        gated.gate.set()
        for r in (first, second):
            assert svc.wait_job(r.json()["job_id"])["status"] == "done"
        again = svc.upload([("c.png", png_bytes(seed=3))])
        assert again.status_code == 202
        assert svc.wait_job(again.json()["job_id"])["status"] == "done"
        assert 'cxrgen_uploads_rejected_total{reason="queue_full"} 1.0' in svc.client.get("/metrics").text
    finally:
        gated.gate.set()
        svc.client.__exit__(None, None, None)
        svc.app.state.engine.dispose()
