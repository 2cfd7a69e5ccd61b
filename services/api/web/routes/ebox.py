"""The e-Box (docs/interface.md §11): the employer's messages, unread first, each shown as
the confirmation of seed 002 in the page's language, marked read when opened."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import pages
from services.api.web.deps import EmployerSession, Found, PageNotFound

router = APIRouter(include_in_schema=False)
PAGE = 20


@router.get("/web/ebox")
def messages(request: Request, session: EmployerSession, found: Found,
             offset: int = 0, unread_offset: int = 0) -> Response:
    """The unread messages first, then every message, newest first, each list a page at
    a time (an employer may hold 100,000 messages)."""
    ebox = found.readers.ebox
    unread = ebox.of_employer(session.employer, unread=True, limit=PAGE,
                              offset=max(unread_offset, 0), newest_first=True)
    every = ebox.of_employer(session.employer, limit=PAGE, offset=max(offset, 0),
                             newest_first=True)
    return pages.render(request, "ebox.html", session, unread=unread, every=every,
                        page=PAGE)


@router.get("/web/ebox/{message_id}")
def message(request: Request, message_id: str, session: EmployerSession,
            found: Found) -> Response:
    ebox = found.readers.ebox
    stored = ebox.find(message_id)
    if stored is None or stored["employerKey"] not in found.readers.employer_keys(
            session.employer):
        raise PageNotFound()
    if not session.auditor:  # an auditor reads without marking anything
        ebox.mark_read(message_id)
    shown = ebox.message(message_id, pages.language(request))
    return pages.render(request, "ebox_message.html", session, message=shown)
