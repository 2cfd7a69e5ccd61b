"""The audit log's HTTP endpoints (docs/interface.md §7, mirroring `dimona audit`): for auditor
tokens only; any other token gets 403."""

from itertools import chain

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from services.api.batch_views import chunked, json_lines
from services.api.deps import Auditor, ReadersDep
from services.audit.application import NoSelection, Selection

router = APIRouter(prefix="/audit", tags=["audit"])
NDJSON = "application/x-ndjson"


@router.get("/log", response_class=StreamingResponse)
def audit_log(_: Auditor, readers: ReadersDep, employer: str | None = None,
              ssin: str | None = None, period: int | None = None,
              declaration: int | None = None):
    """The recorded events of the declarations of an employer, a worker, a period or of
    one declaration, oldest first, as JSON Lines (as `dimona audit log --json`)."""
    try:
        entries = readers.audit.entries(Selection(employer, ssin, period, declaration))
    except NoSelection as exc:
        raise HTTPException(400, str(exc)) from None
    first = next(entries, None)
    if first is None:
        raise HTTPException(404, "nothing recorded for this selection")
    return StreamingResponse(chunked(json_lines(e.to_json() for e in chain([first], entries))),
                             media_type=NDJSON)


@router.get("/verify")
def audit_verify(_: Auditor, readers: ReadersDep) -> dict:
    """Recompute the hash chain of every recorded log: `ok`, and per log the first
    record altered, removed or re-ordered (as `dimona audit verify --json`)."""
    return readers.verify()


@router.get("/checkpoints", response_class=StreamingResponse)
def audit_checkpoints(_: Auditor, readers: ReadersDep):
    """The checkpoints of the chain, as JSON Lines: keep them outside the database."""
    return StreamingResponse(chunked(json_lines(readers.verify.checkpoints())),
                             media_type=NDJSON)
