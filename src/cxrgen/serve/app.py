"""The review service: ``create_app(settings)`` builds the FastAPI application.

Start-up order: database migrations (Alembic, programmatic), bootstrap users, drafter (the
model), job runner (which resumes or fails jobs left unfinished by a previous process). The page
(``/``) and the human-evaluation page (``/eval``) are plain HTML/JS/CSS served from ``static/``.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select, text

from cxrgen import __version__
from cxrgen.errors import ConfigError, InputError
from cxrgen.serve import api, eval_api, pacs_api
from cxrgen.serve.auth import Passwords, create_user
from cxrgen.serve.db.models import User
from cxrgen.serve.db.session import make_engine, make_sessionmaker
from cxrgen.serve.dicom_safety import install_log_redaction
from cxrgen.serve.drafter import CheckpointDrafter, Drafter
from cxrgen.serve.jobs import JobRunner, QueueFull
from cxrgen.serve.metrics import ServiceMetrics
from cxrgen.serve.migrations import upgrade
from cxrgen.serve.settings import Settings
from cxrgen.serve.storage import ContentStore

STATIC = Path(__file__).resolve().parent / "static"
PAGE_CSP = ("default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
log = logging.getLogger("cxrgen.serve")


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with 413, whether or not the
    client sent Content-Length (a chunked body is counted as it arrives)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen = 0
        too_large = False
        refused = False

        async def counted_receive():
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_large = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message):
            # FastAPI turns any error while parsing a form into its own 400; once the limit was
            # crossed, the client gets the 413 that says why instead
            nonlocal refused
            if too_large:
                if not refused and message["type"] == "http.response.start":
                    refused = True
                    await self._refuse(send)
                return
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _BodyTooLarge:
            pass
        if too_large and not refused:
            await self._refuse(send)

    async def _refuse(self, send):
        body = (b'{"detail":"request body exceeds the limit of %d bytes; upload fewer or smaller '
                b'files"}' % self.limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings, drafter: Drafter | None = None) -> FastAPI:
    """Build the service. ``drafter`` defaults to ``CheckpointDrafter(settings.ckpt)``."""
    if drafter is None:
        if not settings.ckpt:
            raise ConfigError("serve needs a checkpoint: pass --ckpt PATH (a file written by "
                              "`cxrgen train`)")
        drafter = CheckpointDrafter(settings.ckpt, beam_size=settings.beam_size)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    install_log_redaction()
    engine = make_engine(settings.resolved_db_url)
    upgrade(engine)
    sessionmaker = make_sessionmaker(engine)
    passwords = Passwords(settings.password_time_cost, settings.password_memory_kib)
    with sessionmaker() as db:
        for username, password, role in settings.bootstrap_users:
            if not db.scalar(select(User).where(User.username == username)):
                create_user(db, username, password, role, passwords)
        db.commit()
    metrics = ServiceMetrics()
    store = ContentStore(settings.storage_dir)
    runner = JobRunner(sessionmaker, store, drafter, workers=settings.workers,
                       queue_size=settings.queue_size, max_attempts=settings.max_attempts,
                       retry_after_s=settings.retry_after_s, metrics=metrics)

    pacs = None
    if settings.pacs is not None:
        from cxrgen.serve.pacs_worker import PacsLink

        pacs = PacsLink(settings.pacs, settings, sessionmaker, store, runner, passwords)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner.start()
        if pacs is not None:
            pacs.start()
        yield
        if pacs is not None:
            pacs.stop()
        runner.stop()
        engine.dispose()

    app = FastAPI(title="cxrgen review service", version=__version__, lifespan=lifespan,
                  description="Draft chest X-ray reports, edit and sign them; human evaluation.")
    app.state.settings, app.state.engine, app.state.sessionmaker = settings, engine, sessionmaker
    app.state.store, app.state.runner, app.state.metrics = store, runner, metrics
    app.state.passwords = passwords
    app.state.pacs = pacs
    #: called with the study id after each sign-off (the PACS link writes the report back)
    app.state.signoff_hooks = [pacs.on_signed] if pacs is not None else []

    @app.middleware("http")
    async def measure(request: Request, call_next):
        t0 = time.perf_counter()
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.url.path in ("/", "/eval") or request.url.path.startswith("/static/"):
            # the pages load only their own scripts; images come from the API as blobs
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.requests.labels(request.method, path, str(response.status_code)).inc()
        metrics.latency.labels(request.method, path).observe(time.perf_counter() - t0)
        return response

    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)

    @app.exception_handler(InputError)
    async def _input_error(_request, exc: InputError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(QueueFull)
    async def _queue_full(_request, exc: QueueFull):
        metrics.rejected.labels("queue_full").inc()
        return JSONResponse({"detail": str(exc)}, status_code=503,
                            headers={"Retry-After": str(exc.retry_after_s)})

    @app.get("/healthz", tags=["service"])
    def healthz():
        """Liveness and readiness: the database answers and the workers are alive."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            db_ok = True
        except Exception as exc:  # report, do not raise: this endpoint must answer
            log.error("health check: database unreachable (%s)", type(exc).__name__)
            db_ok = False
        alive = sum(t.is_alive() for t in runner._threads)
        ok = db_ok and alive == runner.workers
        body = {"status": "ok" if ok else "degraded", "database": db_ok, "version": __version__,
                "workers_alive": alive, "queue": {"pending": runner.pending,
                                                  "capacity": runner.capacity},
                "recovered_on_start": runner.recovered}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["service"], response_class=Response)
    def prometheus_metrics():
        """Prometheus text exposition format."""
        return Response(metrics.render(), media_type=metrics.content_type)

    app.include_router(api.router)
    app.include_router(eval_api.router)
    app.include_router(pacs_api.router)

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/eval", include_in_schema=False)
    def eval_page():
        return FileResponse(STATIC / "eval.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
