"""POST /declarations, POST /multi-dimona and GET /declarations/{id} (docs/interface.md
§2-§3): thin routes over intake's use case and the register's queries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path
from fastapi.responses import JSONResponse

from schemas.declaration import Declaration, MultiDimona
from services.api.deps import AccessDep, Body, Caller, DeclareDep, Reader, ReadersDep

router = APIRouter()
IdempotencyKey = Annotated[str | None, Header(max_length=255)]


@router.post("/declarations", status_code=201)
def post_declaration(declaration: Declaration, who: Caller, body: Body, declare: DeclareDep,
                     idempotency_key: IdempotencyKey = None):
    """Record one declaration (Bearer token: the secured channel; none: the
    non-secured one). Its number is in the Location header, assigned at once."""
    [number], replayed = declare(who, [declaration], idempotency_key,
                                 "POST /declarations", body)
    return JSONResponse({"declarationId": number}, status_code=201, headers={
        "Location": f"/declarations/{number}", **replayed_header(replayed)})


@router.post("/multi-dimona", status_code=201)
def post_multi_dimona(multi: MultiDimona, who: Caller, body: Body, declare: DeclareDep,
                      idempotency_key: IdempotencyKey = None):
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
def get_declaration(declaration_id: Annotated[int, Path(ge=0, le=2**63 - 1)], who: Reader,
                    access: AccessDep, readers: ReadersDep):
    """404 until the declaration is decided (its decision recorded), then the declaration
    and its status."""
    found = readers.result(declaration_id)
    if found is None or not access.may_read(who, found["declarant"], found["employerKey"]):
        raise HTTPException(404, "no result for this declaration (yet)")
    return {**found["declaration"],
            "declarationStatus": declaration_status(declaration_id, found["result"])}


def declaration_status(declaration_id: int, result: dict) -> dict:
    """The `declarationStatus` of GET /declarations/{id} from the register's result
    (docs/interface.md §3): its result, anomalies and period; a daily registration's number
    and period instead (§8)."""
    status = {"declarationId": declaration_id, "result": result["result"],
              "anomalies": result["anomalies"]}
    if "dailyRegistration" in result:
        status["dailyRegistration"] = result["dailyRegistration"]
    elif "periodId" in result:
        status["period"] = {"id": result["periodId"]}
    return status


def replayed_header(replayed: bool) -> dict:
    return {"Idempotent-Replayed": "true"} if replayed else {}
