"""The auditor's pages (docs/interface.md §11): the audit log of the employer chosen (or of
a worker, a period, a declaration), oldest first and paged, and the verification of the
whole log's hash chain. Auditors only: anyone else gets the 404 page."""

from __future__ import annotations

from itertools import islice

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import pages
from services.api.web.deps import EmployerSession, Found, PageNotFound, Session
from services.api.web.session import WebSession
from services.audit.application import Selection

router = APIRouter(include_in_schema=False)
PAGE = 50


def auditor(session: WebSession) -> WebSession:
    if not session.auditor:
        raise PageNotFound()
    return session


@router.get("/web/audit")
def audit_log(request: Request, session: EmployerSession, found: Found,
              ssin: str | None = None, period: int | None = None,
              declaration: int | None = None, offset: int = 0) -> Response:
    """The entries of the employer's declarations (narrowed to a worker, a period or a
    declaration), `PAGE` at a time."""
    auditor(session)
    offset = max(offset, 0)
    if declaration:  # the narrowest given
        selection = Selection(declaration=declaration)
    elif period:
        selection = Selection(period=period)
    else:
        selection = Selection(ssin=ssin) if ssin else Selection(employer=session.employer)
    entries = list(islice(found.readers.audit.entries(selection), offset, offset + PAGE + 1))
    return pages.render(request, "audit.html", session, entries=entries[:PAGE],
                        more=len(entries) > PAGE, offset=offset, page=PAGE,
                        ssin=ssin or "", period=period or "", declaration=declaration or "")


@router.get("/web/audit/verify")
def verify(request: Request, session: Session, found: Found) -> Response:
    """Recomputes the chain of every log (may take a while on a large log)."""
    auditor(session)
    return pages.render(request, "audit_verify.html", session, report=found.readers.verify())
