"""The Declarations tab: the employer's decided declarations, newest first, paged; and a
declaration's detail in the six parts of seed 002 ("Détails de la déclaration"): selection
criteria, worker, period, technical data (channel, reception, declarant), content, and the
list of notifications. Another employer's declaration is not there (404)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import pages
from services.api.web.deps import EmployerSession, Found, PageNotFound
from services.api.web.routes.search import PAGE_SIZES, check_reader
from services.projections.application import Page

router = APIRouter(include_in_schema=False)


@router.get("/web/declarations")
def declarations(request: Request, session: EmployerSession, found: Found,
                 offset: int = 0, size: int = PAGE_SIZES[1]) -> Response:
    check_reader(found, session)
    size = size if size in PAGE_SIZES else PAGE_SIZES[1]
    result = found.readers.register.declarations(session.employer, Page(size, max(offset, 0)))
    return pages.render(request, "declarations.html", session, result=result, size=size,
                        sizes=PAGE_SIZES)


@router.get("/web/declarations/{declaration_id:int}")
def declaration(request: Request, declaration_id: int, session: EmployerSession,
                found: Found) -> Response:
    """The access of GET /register/declarations/{id}, and the session's employer only."""
    check_reader(found, session)
    detail = found.readers.register.declaration(declaration_id)
    who = session.principal
    if detail is None or detail["employerKey"] not in found.readers.employer_keys(
            session.employer) or not (
            found.access.may_read(who, detail["technical"]["declarant"], detail["employerKey"])
            or found.access.may_read_employer(who, detail["employerKey"])):
        raise PageNotFound()
    return pages.render(request, "declaration.html", session, d=detail,
                        p=detail["period"], worker=detail["worker"])
