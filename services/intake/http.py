"""The HTTP API (docs/interface.md §7): thin routes over intake's use cases and the register.
How errors are answered is in `errors.py`."""

import base64
import contextlib
import hashlib
import itertools
import tempfile
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from schemas.declaration import Declaration, MultiDimona
from services.audit.application import AuditTrail, VerifyLogs
from services.intake.access import Access, Unauthorized
from services.intake.application import Declare, Intake
from services.intake.audit_routes import build_audit_router
from services.intake.domain import Principal
from services.intake.ebox_routes import build_ebox_router
from services.intake.files import BatchViews, chunked
from services.intake.register_routes import build_register_router
from services.notifier.application import ReadEbox
from services.projections.adapter import RegisterReader
from services.projections.application import Register


def build_router(intake: Intake, access: Access, register: RegisterReader, views: BatchViews,
                 register_views: Register, ebox: ReadEbox, audit: tuple[AuditTrail, VerifyLogs]
                 ) -> APIRouter:
    router = APIRouter()
    declare = Declare(intake, access.check_may_declare)

    def caller(authorization: Annotated[str | None, Header()] = None) -> Principal:
        return access.principal(authorization)

    async def body_text(request: Request) -> str:
        """The request body as received (FastAPI has read it already), for the audit log."""
        return (await request.body()).decode("utf-8", "replace")

    def reader(who: Annotated[Principal, Depends(caller)]) -> Principal:
        if who.kind == "anonymous":
            raise Unauthorized("reading needs a bearer token")
        return who

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
                         body: Annotated[str, Depends(body_text)],
                         idempotency_key: Annotated[str | None, Header(max_length=255)] = None):
        """Record one declaration (Bearer token: the secured channel; none: the
        non-secured one). Its number is in the Location header, assigned at once."""
        [number], replayed = declare(who, [declaration], idempotency_key,
                                     "POST /declarations", body)
        return JSONResponse({"declarationId": number}, status_code=201, headers={
            "Location": f"/declarations/{number}", **replayed_header(replayed)})

    @router.post("/multi-dimona", status_code=201)
    def post_multi_dimona(multi: MultiDimona, who: Annotated[Principal, Depends(caller)],
                          body: Annotated[str, Depends(body_text)],
                          idempotency_key: Annotated[str | None, Header(max_length=255)] = None):
        """Multi-Dimona: one DIMONA_IN per worker and day, each with its own number."""
        declarations = multi.declarations()
        numbers, replayed = declare(who, declarations, idempotency_key, "POST /multi-dimona",
                                    body)
        return JSONResponse({"declarations": [
            {"declarationId": n, "href": f"/declarations/{n}",
             "worker": d.worker.to_json_dict(),
             **d.dimona_in.model_dump(mode="json", by_alias=True, exclude_none=True,
                                      include={"start_date", "start_hour", "end_date",
                                               "end_hour"})}
            for d, n in zip(declarations, numbers, strict=True)]},
            status_code=201, headers=replayed_header(replayed))

    @router.get("/declarations/{declaration_id}")
    def get_declaration(declaration_id: Annotated[int, Path(ge=0, le=2**63 - 1)],
                        who: Annotated[Principal, Depends(reader)]):
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
        acknowledgement (docs/interface.md §5)."""
        if who.declarant is None:
            raise Unauthorized("a batch needs a declarant's bearer token")
        with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
            digest = hashlib.sha256()
            async for chunk in request.stream():  # BodyLimit stops what is too large
                digest.update(chunk)
                spool.write(chunk)
            spool.seek(0)
            summary = await run_in_threadpool(intake.accept_batch, x_file_name, spool,
                                              digest.hexdigest(), who.declarant,
                                              "POST /batches", who.token)
        return StreamingResponse(chunked(views.acknowledgement(summary)), status_code=202,
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

    router.include_router(build_register_router(register_views, access, reader))
    router.include_router(build_ebox_router(ebox, access, reader))
    router.include_router(build_audit_router(*audit, reader))
    return router


BATCH_BODY = {"requestBody": {"required": True, "content": {"application/x-ndjson": {
    "schema": {"type": "string", "description": "JSON Lines: one declaration per line"}}}}}


def oauth_error(status: int, error: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Basic"} if status == 401 else {}
    return JSONResponse({"error": error}, status_code=status,
                        headers={"Cache-Control": "no-store", **headers})


def replayed_header(replayed: bool) -> dict:
    return {"Idempotent-Replayed": "true"} if replayed else {}
