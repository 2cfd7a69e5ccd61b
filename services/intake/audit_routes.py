"""The audit log's HTTP endpoints (docs/interface.md §7, mirroring `dimona audit`): for auditor
tokens only; any other token gets 403."""

from itertools import chain
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse

from services.audit.application import AuditTrail, NoSelection, Selection, VerifyLogs
from services.intake.domain import Forbidden, Principal
from services.intake.files import chunked, json_lines

NDJSON = "application/x-ndjson"


def build_audit_router(trail: AuditTrail, verify: VerifyLogs, reader) -> APIRouter:
    """`reader` is the dependency that gives an authenticated principal."""
    router = APIRouter(prefix="/audit", tags=["audit"])

    def auditor(who: Annotated[Principal, Depends(reader)]) -> Principal:
        if who.kind != "auditor":
            raise Forbidden("the audit log is read with an auditor token")
        return who

    Auditor = Annotated[Principal, Depends(auditor)]

    @router.get("/log", response_class=StreamingResponse)
    def audit_log(_: Auditor, employer: str | None = None, ssin: str | None = None,
                  period: int | None = None, declaration: int | None = None):
        """The recorded events of the declarations of an employer, a worker, a period or of
        one declaration, oldest first, as JSON Lines (as `dimona audit log --json`)."""
        try:
            entries = trail.entries(Selection(employer, ssin, period, declaration))
        except NoSelection as exc:
            raise HTTPException(400, str(exc)) from None
        first = next(entries, None)
        if first is None:
            raise HTTPException(404, "nothing recorded for this selection")
        return StreamingResponse(chunked(json_lines(e.to_json() for e in chain([first], entries))),
                                 media_type=NDJSON)

    @router.get("/verify")
    def audit_verify(_: Auditor) -> dict:
        """Recompute the hash chain of every recorded log: `ok`, and per log the first
        record altered, removed or re-ordered (as `dimona audit verify --json`)."""
        return verify()

    @router.get("/checkpoints", response_class=StreamingResponse)
    def audit_checkpoints(_: Auditor):
        """The checkpoints of the chain, as JSON Lines: keep them outside the database."""
        return StreamingResponse(chunked(json_lines(verify.checkpoints())), media_type=NDJSON)

    return router
