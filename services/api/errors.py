"""How the HTTP edge answers what goes wrong: problem+json (RFC 9457) with the wrong fields under
`issues`, bodies too large refused before they are read whole, and 503 with Retry-After
while the database or the broker is away (services.common.outages), a page for the web
pages' requests."""

import logging
from http import HTTPStatus

import psycopg
from eventsourcing import persistence
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.api.access import Unauthorized
from services.api.metrics import Metrics
from services.api.web import pages
from services.common.outages import BROKER_AWAY, away, reason
from services.intake.application import IdempotencyConflict
from services.intake.domain import BadFile, Forbidden
from services.projections.application import BadFlexiQuery, BadQuery

log = logging.getLogger("dimona.intake.http")
# The routes that take input, by channel: their problems are counted (GET /metrics).
INPUT_ROUTES = {"/declarations": "rest", "/multi-dimona": "rest", "/flexi-wages": "rest",
                "/batches": "batch"}
HTTP_REASONS = {400: "not_json", 401: "unauthorized", 413: "too_large"}
RETRY_AFTER_S = 2
"""What a 503 asks the client to wait before it sends the request again: an embedded
PostgreSQL restarts in about that long."""


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"the body is larger than {limit} bytes")


class BodyLimit:
    """ASGI middleware: a body larger than its path's limit is refused (413) as soon as the
    limit is passed, never read whole."""

    def __init__(self, app, default_bytes: int, limits: dict[str, int]):
        self.app, self.default_bytes, self.limits = app, default_bytes, limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limits.get(scope["path"], self.default_bytes)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


def problem(status: int, detail: str, issues: list | None = None,
            headers: dict | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": detail}
    if issues:
        body["issues"] = issues
    return JSONResponse(body, status_code=status, media_type="application/problem+json",
                        headers=headers)


def validation_issues(exc: RequestValidationError) -> list[dict]:
    """Each wrong field of the body, named by its path in the declaration."""
    issues = []
    for err in exc.errors():
        where, *path = err["loc"] or ("body",)
        name = "body" if err["type"] == "json_invalid" else ".".join(map(str, path)) or where
        detail = "not valid JSON" if err["type"] == "json_invalid" else err["msg"]
        issues.append({"in": where, "name": name, "detail": detail})
    return issues


def refused(metrics: Metrics, request: Request, reason: str) -> None:
    """Count a problem answered to an input (a POST of a declaration, a Multi-Dimona, a
    batch file)."""
    channel = INPUT_ROUTES.get(request.url.path) if request.method == "POST" else None
    if channel is not None:
        metrics.refused(channel, reason)


def unavailable(request: Request, what: str) -> Response:
    """503 with Retry-After: problem+json, or the error page for the web pages."""
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if request.url.path == "/" or request.url.path.startswith("/web/"):
        page = pages.render(request, "error.html", None, 503, problem="unavailable")
        page.headers.update(headers)
        return page
    return problem(503, f"{what} is away for a moment: send the request again after "
                        "Retry-After seconds (with the same Idempotency-Key, a POST is "
                        "recorded once)", headers=headers)


def invalid_reason(exc: RequestValidationError) -> str:
    return "not_json" if any(e["type"] == "json_invalid" for e in exc.errors()) else "invalid"


def install_error_handlers(app: FastAPI, metrics: Metrics) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        refused(metrics, request, invalid_reason(exc))
        return problem(400, "the request is not what this endpoint takes",
                       validation_issues(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        refused(metrics, request, HTTP_REASONS.get(exc.status_code, str(exc.status_code)))
        if exc.status_code == 400:  # FastAPI could not decode the body (not UTF-8 JSON)
            return problem(400, "the body is not UTF-8 JSON",
                           [{"in": "body", "name": "body", "detail": "not UTF-8 JSON"}])
        return problem(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized):
        refused(metrics, request, "unauthorized")
        return problem(401, str(exc), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        refused(metrics, request, "forbidden")
        return problem(403, str(exc))

    @app.exception_handler(BadFile)
    @app.exception_handler(BadQuery)
    @app.exception_handler(BadFlexiQuery)
    async def bad_input(request: Request, exc: BadFile | BadQuery | BadFlexiQuery):
        refused(metrics, request, "bad_file")
        return problem(400, str(exc))

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception):
        if (what := away(exc)) is not None:
            log.warning("%s %s: %s is away (%s); answered 503", request.method,
                        request.url.path, what, reason(exc))
            return unavailable(request, what)
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return problem(500, "intake failed to answer; the request may be sent again")

    # The errors an outage raises, handled before Starlette's last resort (which logs a
    # traceback); the same answer comes from `failed` for an error raised from them.
    for outage in (psycopg.OperationalError, persistence.OperationalError, *BROKER_AWAY):
        app.add_exception_handler(outage, failed)

    @app.exception_handler(IdempotencyConflict)
    async def conflict(request: Request, exc: IdempotencyConflict):
        refused(metrics, request, "idempotency_conflict")
        return problem(422, str(exc))
