"""Structured logs of the review service: one JSON object per line, never PHI.

Every line carries ``ts`` (ISO 8601 UTC), ``level``, ``logger``, ``msg`` and, inside a request,
``request_id`` (the client's ``X-Request-ID`` when it is a plain token, else a fresh one; echoed
in the response). Access lines (``event: "request"``) add ``route`` (the template, e.g.
``/api/studies/{study_id}``, never the query string), ``status``, ``duration_ms`` and
``user_id`` (an id, not a name). An exception is logged by class only: messages of database,
image and parser errors may quote values (report text, header fields).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import datetime, timezone

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("cxrgen_request_id",
                                                                         default=None)
#: fields a log call may pass with ``extra=`` that become JSON keys; anything else is dropped
FIELDS = ("event", "route", "method", "status", "duration_ms", "user_id", "study_id", "job_id",
          "version", "sha256", "images", "exception", "frames", "attempts", "outcome", "reason")
_TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def accept_request_id(header: str | None) -> str:
    """The client's request id when it is a short plain token (it is echoed and logged, so
    nothing else is accepted), else a new random one."""
    if header and _TOKEN.match(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                   timespec="milliseconds"),
               "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        rid = request_id.get()
        if rid:
            out["request_id"] = rid
        for key in FIELDS:
            if key in record.__dict__:
                out[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            out.setdefault("exception", record.exc_info[0].__name__)  # class only, no message
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: str = "info") -> None:
    """JSON lines on stderr for the service, uvicorn's own loggers included (its access log is
    replaced by the service's, which has no query strings)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # alembic's INFO lines list its plugins at every start; warnings and errors still show
    logging.getLogger("alembic").setLevel(logging.WARNING)
