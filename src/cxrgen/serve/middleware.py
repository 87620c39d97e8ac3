"""ASGI middleware of the review service: request ids and access logs, error containment,
metrics, security headers, and request-body limits.

Error containment: an unhandled exception becomes a 500 whose body names the request id; the log
line names the request id, the route and the exception class, never the message (database and
parser errors quote values). It is counted in ``/metrics`` like every other response.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cxrgen.serve.logs import accept_request_id, request_id
from cxrgen.serve.metrics import ServiceMetrics

PAGE_CSP = ("default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
access_log = logging.getLogger("cxrgen.serve.access")
error_log = logging.getLogger("cxrgen.serve.errors")


def install_request_middleware(app: FastAPI, metrics: ServiceMetrics) -> None:
    @app.middleware("http")
    async def observe(request: Request, call_next):
        t0 = time.perf_counter()
        rid = accept_request_id(request.headers.get("x-request-id"))
        token = request_id.set(rid)
        try:
            try:
                response = await call_next(request)
            except _BodyTooLarge:  # BodyLimit (outside) answers 413 itself
                raise
            except Exception as exc:  # the one place an unexpected error is turned into a 500
                error_log.error("unhandled error", extra={
                    "event": "error", "route": _route(request), "method": request.method,
                    "exception": type(exc).__name__})
                response = JSONResponse({"detail": f"internal error (request id {rid}); the "
                                                   f"administrator can find it in the log"},
                                        status_code=500)
            response.headers["X-Request-ID"] = rid
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            path = request.url.path
            if path in ("/", "/eval") or path.startswith("/static/"):
                # the pages load only their own scripts; images come from the API as blobs
                response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
                response.headers.setdefault("X-Frame-Options", "DENY")
            route, elapsed = _route(request), time.perf_counter() - t0
            metrics.requests.labels(request.method, route, str(response.status_code)).inc()
            metrics.latency.labels(request.method, route).observe(elapsed)
            access_log.info("request", extra={
                "event": "request", "method": request.method, "route": route,
                "status": response.status_code, "duration_ms": round(elapsed * 1000, 1),
                "user_id": getattr(request.state, "user_id", None)})
            return response
        finally:
            request_id.reset(token)


def _route(request: Request) -> str:
    """The matched route's template; never the raw path or query (they may carry PHI)."""
    return getattr(request.scope.get("route"), "path", "unmatched")


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies over the limit with 413, whether or not the
    client sent Content-Length (a chunked body is counted as it arrives).

    A request without credentials gets the small ``anonymous_limit`` (a login is a few hundred
    bytes): an unauthenticated client cannot make the server read megabytes before its 401.
    """

    def __init__(self, app, limit: int, anonymous_limit: int):
        self.app, self.limit, self.anonymous_limit = app, limit, anonymous_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        limit = self.limit if b"authorization" in headers else self.anonymous_limit
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await self._refuse(send, limit)
        seen = 0
        too_large = False
        refused = False

        async def counted_receive():
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
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
                    await self._refuse(send, limit)
                return
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _BodyTooLarge:
            pass
        if too_large and not refused:
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send, limit: int):
        body = (b'{"detail":"request body exceeds the limit of %d bytes; upload fewer or smaller '
                b'files (log in first: anonymous requests get a small limit)"}' % limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
