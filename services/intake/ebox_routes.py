"""The e-Box's HTTP endpoints (docs/interface.md §7, mirroring `dimona ebox`): a declarant
reads the messages it received, an employer the messages about it, an auditor every
message (read-only). Anything else answers 404, as if it did not exist."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, PlainTextResponse

from services.intake.access import Access
from services.intake.domain import Forbidden, Principal
from services.notifier.application import ReadEbox, shown

Language = Literal["nl", "fr", "de", "en"]


def build_ebox_router(ebox: ReadEbox, access: Access, reader) -> APIRouter:
    """`reader` is the dependency that gives an authenticated principal."""
    router = APIRouter(prefix="/ebox", tags=["e-Box"])
    Reader = Annotated[Principal, Depends(reader)]

    def readable(who: Principal, message_id: str) -> dict:
        found = ebox.find(message_id)
        if found is None or not access.may_read(who, found["recipient"], found["employerKey"]):
            raise HTTPException(404, "no such message")
        return found

    @router.get("/messages")
    def messages(who: Reader, employer: str | None = None, declarant: str | None = None,
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
            return ebox.of_declarant(declarant, unread, limit, offset)
        if not access.may_read(who, None, employer):
            raise HTTPException(404, f"no e-Box of employer {employer} for this token")
        return ebox.of_employer(employer, unread, limit, offset)

    @router.get("/messages/{message_id}")
    def message(message_id: str, who: Reader, lang: Language | None = None,
                format: Annotated[Literal["json", "text", "html"], Query()] = "json"):
        """One message, in `lang` (default: the employer's language): JSON with its
        content, text and HTML, or the text or the HTML alone."""
        found = shown(readable(who, message_id), lang)
        if format == "text":
            return PlainTextResponse(found["text"])
        if format == "html":
            return HTMLResponse(found["html"])
        return found

    @router.post("/messages/{message_id}/read")
    def mark_read(message_id: str, who: Reader) -> dict:
        """Marks a message read (the time of the first reading is kept)."""
        readable(who, message_id)
        if who.kind == "auditor":
            raise Forbidden("an auditor token reads; it cannot mark messages read")
        return ebox.mark_read(message_id)

    return router
