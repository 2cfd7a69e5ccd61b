"""The HTTP API (INTERFACE.md §7): thin routes over intake's use cases and the register."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from schemas.declaration import Declaration
from services.directory import adapter as directory
from services.intake.application import BadFile, Intake
from services.intake.domain import problems
from services.projections.adapter import RegisterReader


@dataclass(frozen=True)
class Principal:
    declarant: str | None  # None: the non-secured channel


def problem(status: int, title: str, detail: str, issues: list | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if issues:
        body["issues"] = issues
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def build_router(intake: Intake, register: RegisterReader, max_body_bytes: int) -> APIRouter:
    router = APIRouter()

    def principal(authorization: str | None) -> Principal:
        if not authorization:
            return Principal(None)
        scheme, _, token = authorization.partition(" ")
        found = directory.declarant_by_token(intake.store.pool, token.strip()) if (
            scheme.lower() == "bearer") else None
        if found is None:
            raise HTTPException(401, "unknown or malformed bearer token")
        return Principal(found.enterprise_number)

    async def read_body(request: Request) -> bytes:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body_bytes:
                raise HTTPException(413, f"body larger than {max_body_bytes} bytes")
        return bytes(body)

    @router.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @router.post("/declarations", status_code=201)
    async def post_declaration(request: Request,
                               authorization: str | None = Header(default=None)):
        """Record one declaration; its number is in the Location header."""
        who = await run_in_threadpool(principal, authorization)
        try:
            declaration = Declaration.model_validate_json(await read_body(request))
        except ValidationError as exc:
            return problem(400, "Not a declaration", "the body is not a Dimona declaration",
                           problems(exc))
        channel = "webservice" if who.declarant else "web-unsecured"
        [number] = await run_in_threadpool(intake.submit, [(None, declaration)], channel,
                                           who.declarant)
        return JSONResponse({"declarationId": number}, status_code=201,
                            headers={"Location": f"/declarations/{number}"})

    @router.get("/declarations/{declaration_id}")
    def get_declaration(declaration_id: int):
        """404 until the declaration is decided, then the declaration and its status."""
        found = register.result(declaration_id)
        if found is None:
            raise HTTPException(404, "no result for this declaration (yet)")
        result = found["result"]
        status = {"declarationId": declaration_id, "result": result["result"],
                  "anomalies": result["anomalies"]}
        if "periodId" in result:
            status["period"] = {"id": result["periodId"],
                                "href": f"/register/periods/{result['periodId']}"}
        return {**found["declaration"], "declarationStatus": status}

    @router.post("/batches", status_code=202)
    async def post_batch(request: Request, authorization: str | None = Header(default=None),
                         x_file_name: str | None = Header(default=None)):
        """A JSON Lines file through the batch channel; answers its acknowledgement."""
        who = await run_in_threadpool(principal, authorization)
        if who.declarant is None:
            raise HTTPException(401, "a batch needs a bearer token")
        if not x_file_name:
            return problem(400, "No file name", "the X-File-Name header is required")
        data = await read_body(request)
        try:
            ack = await run_in_threadpool(intake.accept_batch, x_file_name, data,
                                          who.declarant)
        except BadFile as exc:
            return problem(400, "Unreadable file", str(exc))
        return JSONResponse(ack, status_code=202)

    @router.get("/batches/{batch_ref}")
    def get_batch(batch_ref: str):
        """The acknowledgement, how many lines have a result, and the results so far."""
        ack = intake.store.batch(batch_ref)
        if ack is None:
            raise HTTPException(404, "unknown batch")
        results = register.batch_results(batch_ref)
        return {**ack, "decided": len(results),
                "results": [{**results[line]["result"], "line": line}
                            for line in sorted(results)]}

    return router
