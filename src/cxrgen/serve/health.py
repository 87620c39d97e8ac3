"""``/healthz`` (liveness and readiness) and ``/metrics`` (Prometheus) of the review service.

Ready means: the database accepts a write (``service_probe``; ``SELECT 1`` answers on a read-only
or immutable file too), the data folder accepts a file, and every worker thread is alive.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from cxrgen import __version__
from cxrgen.errors import ConfigError
from cxrgen.serve.db.session import check_data_dir, probe_write

router = APIRouter(tags=["service"])
log = logging.getLogger("cxrgen.serve.health")


@router.get("/healthz")
def healthz(request: Request):
    """Liveness and readiness: 200 when ready, 503 (with what failed) when not."""
    state = request.app.state
    try:
        probe_write(state.engine)
        db_ok = True
    except Exception as exc:  # report, do not raise: this endpoint must answer
        log.error("health check: database not writable", extra={"exception": type(exc).__name__})
        db_ok = False
    try:
        check_data_dir(state.settings.data_dir)
        dir_ok = True
    except ConfigError:
        log.error("health check: data folder not writable")
        dir_ok = False
    runner = state.runner
    alive = runner.alive_workers()
    ok = db_ok and dir_ok and alive == runner.workers
    body = {"status": "ok" if ok else "degraded", "database": db_ok, "data_dir": dir_ok,
            "version": __version__, "workers_alive": alive,
            "queue": {"pending": runner.pending, "capacity": runner.capacity},
            "recovered_on_start": runner.recovered}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response)
def prometheus_metrics(request: Request):
    """Prometheus text exposition format."""
    metrics = request.app.state.metrics
    return Response(metrics.render(), media_type=metrics.content_type)
