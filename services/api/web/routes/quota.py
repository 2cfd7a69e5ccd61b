"""The Quota tab ("Contingents"): for a year, the employer's horeca days (200) and, per
worker, the student's hours (650) and the horeca extra's days (50) used and left over every
employer (docs/sources.md §7.2-7.3), as the register counts them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import i18n, pages
from services.api.web.deps import EmployerSession, Found
from services.api.web.routes.search import PAGE_SIZES, check_reader, digits
from services.projections.application import Page

router = APIRouter(include_in_schema=False)
PAGE = PAGE_SIZES[1]


@router.get("/web/quota")
def quota(request: Request, session: EmployerSession, found: Found, year: str = "",
          ssin: str = "", offset: int = 0) -> Response:
    check_reader(found, session)
    errors = {}
    this_year = datetime.now(i18n.BRUSSELS).year
    chosen = int(year) if year.strip().isdigit() and 1900 <= int(year) <= 2999 else None
    if year.strip() and chosen is None:
        errors["year"] = "quota.error.year"
    number = digits(ssin)
    if number and not (number.isdigit() and len(number) == 11):
        errors["ssin"] = "search.error.ssin"
    offset = max(offset, 0)
    found_quotas = None if errors else found.readers.register.quotas(
        session.employer, chosen or this_year, number or None, Page(PAGE, offset))
    return pages.render(request, "quota.html", session, 400 if errors else 200,
                        q=found_quotas, workers=found_quotas["workers"] if found_quotas
                        else [], total=found_quotas["total"] if found_quotas else 0,
                        offset=offset, page=PAGE,
                        year=year.strip() or str(this_year), ssin=ssin.strip(),
                        errors=errors)
