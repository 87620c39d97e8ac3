"""The review service: ``create_app(settings)`` builds the FastAPI application.

Start-up order: data folder and database checked (one-line errors naming the path and the fix),
migrations (Alembic, programmatic), bootstrap users, drafter (the model), job runner (which
resumes or fails jobs left unfinished by a previous process). The page (``/``) and the
human-evaluation page (``/eval``) are plain HTML/JS/CSS served from ``static/``. The interactive
API docs (``/docs``) are off: Swagger UI would load from a CDN, which the page's CSP (and an
offline hospital network) refuses; ``/openapi.json`` describes the API.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select

from cxrgen import __version__
from cxrgen.errors import ConfigError, InputError
from cxrgen.serve import accounts, admin_api, api, changes, eval_api, health, pacs_api
from cxrgen.serve.auth import Passwords, create_user
from cxrgen.serve.db.models import User
from cxrgen.serve.db.session import check_data_dir, open_database
from cxrgen.serve.dicom_safety import install_log_redaction
from cxrgen.serve.drafter import CheckpointDrafter, Drafter
from cxrgen.serve.jobs import JobRunner, QueueFull
from cxrgen.serve.metrics import ServiceMetrics
from cxrgen.serve.middleware import BodyLimit, install_request_middleware
from cxrgen.serve.settings import Settings
from cxrgen.serve.storage import ContentStore

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("cxrgen.serve")


def create_app(settings: Settings, drafter: Drafter | None = None) -> FastAPI:
    """Build the service. ``drafter`` defaults to ``CheckpointDrafter(settings.ckpt)``."""
    check_data_dir(settings.data_dir)
    install_log_redaction()
    engine, sessionmaker = open_database(settings.resolved_db_url)
    if drafter is None:
        drafter = _checkpoint_drafter(settings)
    passwords = Passwords(settings.password_time_cost, settings.password_memory_kib,
                          max_concurrent=settings.max_concurrent_hashes)
    _bootstrap_users(sessionmaker, settings, passwords)
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
                  docs_url=None, redoc_url=None,
                  description="Draft chest X-ray reports, edit and sign them; human evaluation.")
    app.state.settings, app.state.engine, app.state.sessionmaker = settings, engine, sessionmaker
    app.state.store, app.state.runner, app.state.metrics = store, runner, metrics
    app.state.passwords = passwords
    app.state.pacs = pacs
    #: called with the study id after each sign-off (the PACS link writes the report back)
    app.state.signoff_hooks = [pacs.on_signed] if pacs is not None else []
    app.state.throttle = accounts.Throttle(settings)
    # each decode may take a few hundred MB at the pixel limit: a bound on how many run at once
    # is what keeps concurrent uploads, not just one, under the memory bound
    app.state.decode_slots = threading.BoundedSemaphore(settings.max_concurrent_decodes)
    install_request_middleware(app, metrics)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes,
                       anonymous_limit=settings.max_anonymous_request_bytes)
    _install_error_handlers(app, metrics)
    for router in (health.router, api.router, admin_api.router, eval_api.router, changes.router,
                   pacs_api.router):
        app.include_router(router)
    _mount_pages(app)
    return app


def _checkpoint_drafter(settings: Settings) -> Drafter:
    if not settings.ckpt:
        raise ConfigError("serve needs a checkpoint: pass --ckpt PATH (a file written by "
                          "`cxrgen train`)")
    return CheckpointDrafter(settings.ckpt, beam_size=settings.beam_size)


def _bootstrap_users(sessionmaker, settings: Settings, passwords: Passwords) -> None:
    with sessionmaker() as db:
        for username, password, role in settings.bootstrap_users:
            if not db.scalar(select(User).where(func.lower(User.username) == username.lower())):
                create_user(db, username, password, role, passwords)
        db.commit()


def _install_error_handlers(app: FastAPI, metrics: ServiceMetrics) -> None:
    @app.exception_handler(InputError)
    async def _input_error(_request, exc: InputError):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(QueueFull)
    async def _queue_full(_request, exc: QueueFull):
        metrics.rejected.labels("queue_full").inc()
        return JSONResponse({"detail": str(exc)}, status_code=503,
                            headers={"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(accounts.TooManyAttempts)
    async def _throttled(_request, exc: accounts.TooManyAttempts):
        return JSONResponse({"detail": str(exc)}, status_code=exc.status,
                            headers={"Retry-After": str(exc.retry_after_s)})


def _mount_pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/eval", include_in_schema=False)
    def eval_page():
        return FileResponse(STATIC / "eval.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
