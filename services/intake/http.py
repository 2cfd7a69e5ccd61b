"""The HTTP API (INTERFACE.md §7): thin routes over intake's use cases and the register.

Errors are problem+json (RFC 9457) with the wrong fields listed under `issues`."""


import base64
import contextlib
import hashlib
import itertools
import logging
import tempfile
from http import HTTPStatus
from typing import Annotated
from urllib.parse import parse_qs

import psycopg
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.declaration import Declaration, MultiDimona
from services.intake.access import Access, Unauthorized
from services.intake.adapter import Idempotency
from services.intake.application import Intake
from services.intake.domain import BadFile, Forbidden, Principal
from services.intake.files import BatchViews
from services.projections.adapter import RegisterReader

log = logging.getLogger("dimona.intake.http")


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


class IdempotencyConflict(ValueError):
    """An Idempotency-Key used again for another request (HTTP 422)."""


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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError):
        return problem(400, "the request is not what this endpoint takes",
                       validation_issues(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI could not decode the body (not UTF-8 JSON)
            return problem(400, "the body is not UTF-8 JSON",
                           [{"in": "body", "name": "body", "detail": "not UTF-8 JSON"}])
        return problem(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Unauthorized)
    async def unauthorized(_: Request, exc: Unauthorized):
        return problem(401, str(exc), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden):
        return problem(403, str(exc))

    @app.exception_handler(BadFile)
    async def bad_file(_: Request, exc: BadFile):
        return problem(400, str(exc))

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception):
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return problem(500, "intake failed to answer; the request may be sent again")

    @app.exception_handler(IdempotencyConflict)
    async def conflict(_: Request, exc: IdempotencyConflict):
        return problem(422, str(exc))


def build_router(intake: Intake, access: Access, register: RegisterReader, views: BatchViews
                 ) -> APIRouter:
    router = APIRouter()

    def caller(authorization: Annotated[str | None, Header()] = None) -> Principal:
        return access.principal(authorization)

    def reader(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if who.kind == "anonymous":
            raise Unauthorized("reading needs a bearer token")
        return who

    def declare(who: Principal, declarations: list[Declaration], key: str | None
                ) -> tuple[list[int], bool]:
        """Declaration numbers, and whether they are the first answer to this key."""
        idem = None
        if key:
            digest = hashlib.sha256(b"\n".join(
                d.model_dump_json().encode() for d in declarations)).hexdigest()
            idem = Idempotency(who.name or "-", key, digest)
            if (first := first_answer(idem)) is not None:
                return first, True
        access.check_may_declare(who, declarations)
        try:
            return intake.submit(declarations, who, idem), False
        except psycopg.errors.UniqueViolation:  # the same key, sent twice at once
            return first_answer(idem), True

    def first_answer(idem: Idempotency) -> list[int] | None:
        found = intake.store.idempotent_answer(idem.principal, idem.key)
        if found is not None and found[0] != idem.request_sha256:
            raise IdempotencyConflict("this Idempotency-Key was used for another request")
        return found[1] if found else None

    @router.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @router.post("/oauth/token")
    async def oauth_token(request: Request,
                          authorization: Annotated[str | None, Header()] = None):
        """OAuth2 client credentials (RFC 6749 §4.4): client_id = the declarant's enterprise
        number, client_secret = its directory token, in the form or as HTTP Basic."""
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode(
            "utf-8", "replace")).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(
                    authorization[6:]).decode().partition(":")
            except ValueError:
                return oauth_error(400, "invalid_request")
        if form.get("grant_type") != "client_credentials":
            return oauth_error(400, "unsupported_grant_type")
        if not client_id or not client_secret:
            return oauth_error(400, "invalid_request")
        try:
            token, expires_in = await run_in_threadpool(access.issue_token, client_id,
                                                        client_secret)
        except Unauthorized:
            return oauth_error(401, "invalid_client")
        return JSONResponse({"access_token": token, "token_type": "Bearer",
                             "expires_in": expires_in}, headers={"Cache-Control": "no-store"})

    @router.post("/declarations", status_code=201)
    def post_declaration(declaration: Declaration, who: Annotated[Principal, Depends(caller)],
                         idempotency_key: Annotated[str | None, Header(max_length=255)] = None):
        """Record one declaration (Bearer token: the secured channel; none: the
        non-secured one). Its number is in the Location header, assigned at once."""
        [number], replayed = declare(who, [declaration], idempotency_key)
        return JSONResponse({"declarationId": number}, status_code=201, headers={
            "Location": f"/declarations/{number}", **replayed_header(replayed)})

    @router.post("/multi-dimona", status_code=201)
    def post_multi_dimona(multi: MultiDimona, who: Annotated[Principal, Depends(caller)],
                          idempotency_key: Annotated[str | None, Header(max_length=255)] = None):
        """Multi-Dimona: one DIMONA_IN per worker and day, each with its own number."""
        declarations = multi.declarations()
        numbers, replayed = declare(who, declarations, idempotency_key)
        return JSONResponse({"declarations": [
            {"declarationId": n, "href": f"/declarations/{n}",
             "worker": d.worker.to_json_dict(),
             **d.dimona_in.model_dump(mode="json", by_alias=True, exclude_none=True,
                                      include={"start_date", "start_hour", "end_date",
                                               "end_hour"})}
            for d, n in zip(declarations, numbers, strict=True)]},
            status_code=201, headers=replayed_header(replayed))

    @router.get("/declarations/{declaration_id}")
    def get_declaration(declaration_id: int, who: Annotated[Principal, Depends(reader)]):
        """404 until the declaration is decided, then the declaration and its status."""
        found = register.result(declaration_id)
        if found is None or not access.may_read(who, found["declarant"],
                                                found["employerKey"]):
            raise HTTPException(404, "no result for this declaration (yet)")
        result = found["result"]
        status = {"declarationId": declaration_id, "result": result["result"],
                  "anomalies": result["anomalies"]}
        if "periodId" in result:
            status["period"] = {"id": result["periodId"]}
        return {**found["declaration"], "declarationStatus": status}

    @router.post("/batches", status_code=202, openapi_extra=BATCH_BODY)
    async def post_batch(request: Request, who: Annotated[Principal, Depends(caller)],
                         x_file_name: Annotated[str, Header(min_length=1, max_length=255)]):
        """A JSON Lines file through the batch channel, streamed to disk; answers its
        acknowledgement (INTERFACE.md §5)."""
        if who.declarant is None:
            raise Unauthorized("a batch needs a declarant's bearer token")
        with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
            digest = hashlib.sha256()
            async for chunk in request.stream():  # BodyLimit stops what is too large
                digest.update(chunk)
                spool.write(chunk)
            spool.seek(0)
            summary = await run_in_threadpool(intake.accept_batch, x_file_name, spool,
                                              digest.hexdigest(), who.declarant)
        return StreamingResponse(views.acknowledgement(summary), status_code=202,
                                 media_type="application/json")

    @router.get("/batches/{batch_ref}")
    def get_batch(batch_ref: str, who: Annotated[Principal, Depends(reader)],
                  after_line: Annotated[int, Query(alias="afterLine", ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000):
        """Progress (how many lines have a result) and the results of the lines after
        `afterLine`, `limit` at most, in line order; rejected lines with their reason."""
        summary = intake.store.batch(batch_ref)
        if summary is None or not who.may_read(summary["declarant"], None):
            raise HTTPException(404, "unknown batch")
        decided = register.decided_counts([batch_ref])[batch_ref]
        with contextlib.closing(views.results(batch_ref, after_line)) as rows:
            results = list(itertools.islice(rows, limit))
        return {**summary, "decided": decided, "complete": decided >= summary["accepted"],
                "results": results,
                "nextAfterLine": results[-1]["line"] if len(results) == limit else None}

    return router


BATCH_BODY = {"requestBody": {"required": True, "content": {"application/x-ndjson": {
    "schema": {"type": "string", "description": "JSON Lines: one declaration per line"}}}}}


def oauth_error(status: int, error: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Basic"} if status == 401 else {}
    return JSONResponse({"error": error}, status_code=status,
                        headers={"Cache-Control": "no-store", **headers})


def replayed_header(replayed: bool) -> dict:
    return {"Idempotent-Replayed": "true"} if replayed else {}
