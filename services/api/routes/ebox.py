"""The e-Box's HTTP endpoints (docs/interface.md §7, mirroring `dimona ebox`): a declarant
reads the messages it received, an employer the messages about it, an auditor every
message (read-only). Anything else answers 404, as if it did not exist."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, PlainTextResponse

from services.api.access import Access
from services.api.deps import AccessDep, Reader, ReadersDep
from services.intake.domain import Forbidden, Principal
from services.notifier.ebox import ReadEbox, shown

router = APIRouter(prefix="/ebox", tags=["e-Box"])
Language = Literal["nl", "fr", "de", "en"]


def readable(ebox: ReadEbox, access: Access, who: Principal, message_id: str) -> dict:
    """The message as stored, if this principal may read it; else 404."""
    found = ebox.find(message_id)
    if found is None or not access.may_read(who, found["recipient"], found["employerKey"]):
        raise HTTPException(404, "no such message")
    return found


@router.get("/messages")
def messages(who: Reader, access: AccessDep, readers: ReadersDep,
             employer: str | None = None, declarant: str | None = None,
             unread: bool = False, limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
             offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    """The messages a declarant received (`declarant`), or those about an employer
    (`employer`: its NSSO or enterprise number), oldest first; `unread` only:
    `{total, offset, limit, items}`."""
    if (employer is None) == (declarant is None):
        raise HTTPException(400, "give exactly one of employer and declarant")
    if declarant is not None:
        if not who.may_read(declarant.zfill(10), None):
            raise HTTPException(404, f"no e-Box of declarant {declarant} for this token")
        return readers.ebox.of_declarant(declarant, unread, limit, offset)
    if not access.may_read(who, None, employer):
        raise HTTPException(404, f"no e-Box of employer {employer} for this token")
    return readers.ebox.of_employer(employer, unread, limit, offset)


@router.get("/messages/{message_id}")
def message(message_id: str, who: Reader, access: AccessDep, readers: ReadersDep,
            lang: Language | None = None,
            format: Annotated[Literal["json", "text", "html"], Query()] = "json"):
    """One message, in `lang` (default: the employer's language): JSON with its
    content, text and HTML, or the text or the HTML alone."""
    found = shown(readable(readers.ebox, access, who, message_id), lang)
    if format == "text":
        return PlainTextResponse(found["text"])
    if format == "html":
        return HTMLResponse(found["html"])
    return found


@router.post("/messages/{message_id}/read")
def mark_read(message_id: str, who: Reader, access: AccessDep, readers: ReadersDep) -> dict:
    """Marks a message read (the time of the first reading is kept)."""
    readable(readers.ebox, access, who, message_id)
    if who.kind == "auditor":
        raise Forbidden("an auditor token reads; it cannot mark messages read")
    return readers.ebox.mark_read(message_id)
