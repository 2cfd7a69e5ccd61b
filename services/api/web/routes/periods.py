"""A period of the register and what may be done with it (seed 002, docs/sources.md
§10.3, §10.6): its detail (worker, period, "List of DIMONA", "List of daily registrations"),
the list of a worker's periods, and the row actions: modify (UPDATE), close (OUT) and
cancel (CANCEL) the period, each a form posted with its CSRF token and declared through
the same use case as the REST API's, then the confirmation of receipt. Another employer's
period is not there (404); an auditor reads and declares nothing (403)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import declare, pages
from services.api.web.deps import EmployerSession, Form, Found, PageNotFound
from services.api.web.routes.search import PAGE_SIZES, check_reader, parse_day
from services.api.web.session import WebSession
from services.intake.application import Declare
from services.projections.application import Filters, Page

router = APIRouter(include_in_schema=False)
HOUR = re.compile(r"^([01]?\d|2[0-3]):?([0-5]\d)$")
REFERENCES = (("refEmployer", "employer"), ("refWorker", "worker"),
              ("refDeclaration", "declaration"))
HOURS_TYPES = ("STU", "O17", "S17")  # declared with a number of planned hours
HOUR_TYPES = ("EXT", "FLX")  # declared with hours (the validator refuses them on others)


def owned(found: Found, session: WebSession, period_id: int) -> dict:
    """The period detail, if the period is the session employer's; else 404."""
    check_reader(found, session)
    detail = found.readers.register.period(period_id)
    if detail is None or detail["period"]["employerKey"] not in found.readers.employer_keys(
            session.employer):
        raise PageNotFound()
    return detail


def read_only(request: Request, session: WebSession) -> Response | None:
    """The 403 page for an auditor's session, which declares nothing; None for others."""
    if not session.auditor:
        return None
    return pages.render(request, "error.html", session, 403, problem="search_read_only")


@router.get("/web/periods/{period_id:int}")
def period(request: Request, period_id: int, session: EmployerSession,
           found: Found) -> Response:
    detail = owned(found, session, period_id)
    return pages.render(request, "period.html", session, detail=detail, p=detail["period"],
                        worker=detail["worker"])


@router.get("/web/workers/{ssin}/periods")
def worker_periods(request: Request, ssin: str, session: EmployerSession, found: Found,
                   offset: int = 0, size: int = PAGE_SIZES[0]) -> Response:
    """Seed 002's list of a worker's periods, with the worker header."""
    check_reader(found, session)
    keys = found.readers.employer_keys(session.employer)
    worker = found.readers.queries.workers_named(keys, [ssin]).get(ssin)
    if worker is None:
        raise PageNotFound()
    size = size if size in PAGE_SIZES else PAGE_SIZES[0]
    result = found.readers.register.search("periods", session.employer, Filters(ssin=ssin),
                                           Page(size, max(offset, 0)))
    return pages.render(request, "periods_worker.html", session, worker=worker,
                        result=result, size=size, ssin=ssin)


# The row actions ---------------------------------------------------------------------------

def hhmm(text: str) -> str | None:
    """`08:00` (`<input type="time">`) or `0800` -> `0800`; None when not an hour."""
    found = HOUR.match(text.strip())
    return f"{int(found[1]):02d}{found[2]}" if found else None


def read_fields(form: dict[str, str], names: tuple[str, ...], errors: dict[str, str]
                ) -> dict[str, object]:
    """The form's dates, hours and number as REST v2 values; errors by field."""
    values: dict[str, object] = {}
    for name in names:
        text = (form.get(name) or "").strip()
        if not text:
            continue
        if name.endswith("Date"):
            day = parse_day(text)
            if day is None:
                errors[name] = "periods.error.date"
            else:
                values[name] = day.isoformat()
        elif name.endswith("Hour"):
            hour = hhmm(text)
            if hour is None:
                errors[name] = "periods.error.hour"
            else:
                values[name] = hour
        elif name == "plannedHoursNumber":
            if not text.isdigit() or not 0 < int(text) < 10_000:
                errors[name] = "periods.error.number"
            else:
                values[name] = int(text)
    return values


def references(form: dict[str, str], errors: dict[str, str]) -> dict[str, str]:
    found = {}
    for name, member in REFERENCES:
        text = (form.get(name) or "").strip()
        if len(text) > 200:
            errors[name] = "periods.error.too_long"
        elif text:
            found[member] = text
    return found


def submit(found: Found, session: WebSession, body: dict, errors: dict[str, str]
           ) -> list[int] | None:
    """Declares the body; its numbers, or None with the errors by form field."""
    try:
        return declare.declare(Declare(found.intake, found.access.check_may_declare),
                               session.principal, [body], via="web")
    except declare.Refused as exc:
        for path, message in exc.fields.items():
            name = path.rsplit(".", 1)[-1]
            errors[name if name in FORM_FIELDS else "form"] = message
        if exc.message:
            errors["form"] = exc.message
        return None


FORM_FIELDS = ("startDate", "startHour", "endDate", "endHour", "plannedHoursNumber",
               "refEmployer", "refWorker", "refDeclaration")


def with_references(body: dict, refs: dict[str, str]) -> dict:
    return body | {"references": refs} if refs else body


def confirmation(ids: list[int]) -> Response:
    return pages.redirect("/web/confirmation?ids=" + ",".join(map(str, ids)))


def form_page(request: Request, session: WebSession, template: str, detail: dict,
              values: dict[str, str], errors: dict[str, str]) -> Response:
    return pages.render(request, template, session, 400 if errors else 200, detail=detail,
                        p=detail["period"], worker=detail["worker"], values=values,
                        errors=errors, hours_types=HOURS_TYPES,
                        with_hours=detail["period"]["workerType"] in HOUR_TYPES or any(
                            detail["period"][k] or values.get(k)
                            for k in ("startHour", "endHour")))


def current(p: dict) -> dict[str, str]:
    """The period's values as the form shows them."""
    def hour(h: str | None) -> str:
        return f"{h[:2]}:{h[2:]}" if h else ""
    return {"startDate": p["startDate"] or "", "startHour": hour(p["startHour"]),
            "endDate": p["endDate"] or "", "endHour": hour(p["endHour"]),
            "plannedHoursNumber": str(p["plannedHoursNumber"] or "")}


def open_period(detail: dict) -> dict:
    """A period the row actions may still change (a cancelled one is not)."""
    if detail["period"]["cancelled"]:
        raise PageNotFound()
    return detail


@router.get("/web/periods/{period_id:int}/update")
def update_page(request: Request, period_id: int, session: EmployerSession,
                found: Found) -> Response:
    if refused := read_only(request, session):
        return refused
    detail = open_period(owned(found, session, period_id))
    return form_page(request, session, "period_update.html", detail,
                     current(detail["period"]), {})


@router.post("/web/periods/{period_id:int}/update")
def update(request: Request, period_id: int, session: EmployerSession, form: Form,
           found: Found) -> Response:
    """Seed 002's "Modification d'une période": the fields changed become a dimonaUpdate;
    "remove the end date" re-opens the period (endDate 9999-12-31)."""
    if refused := read_only(request, session):
        return refused
    detail = open_period(owned(found, session, period_id))
    errors: dict[str, str] = {}
    given = read_fields(form, ("startDate", "startHour", "endDate", "endHour",
                               "plannedHoursNumber"), errors)
    refs = references(form, errors)
    before = read_fields(current(detail["period"]), tuple(given), {})
    changed = {k: v for k, v in given.items() if before.get(k) != v}
    if form.get("removeEnd"):
        changed.pop("endHour", None)
        changed["endDate"] = "9999-12-31"
    if not errors and not changed:
        errors["form"] = "periods.error.unchanged"
    ids = None if errors else submit(found, session, with_references(
        {"dimonaUpdate": {"periodId": period_id, **changed}}, refs), errors)
    if ids is None:
        return form_page(request, session, "period_update.html", detail, form, errors)
    return confirmation(ids)


@router.get("/web/periods/{period_id:int}/close")
def close_page(request: Request, period_id: int, session: EmployerSession,
               found: Found) -> Response:
    if refused := read_only(request, session):
        return refused
    detail = open_period(owned(found, session, period_id))
    return form_page(request, session, "period_close.html", detail, {}, {})


@router.post("/web/periods/{period_id:int}/close")
def close(request: Request, period_id: int, session: EmployerSession, form: Form,
          found: Found) -> Response:
    """Seed 002's "Clôture d'une période": a dimonaOut with the end date (and hour)."""
    if refused := read_only(request, session):
        return refused
    detail = open_period(owned(found, session, period_id))
    errors: dict[str, str] = {}
    given = read_fields(form, ("endDate", "endHour"), errors)
    refs = references(form, errors)
    if not (form.get("endDate") or "").strip():
        errors["endDate"] = "periods.error.required"
    ids = None if errors else submit(found, session, with_references(
        {"dimonaOut": {"periodId": period_id, **given}}, refs), errors)
    if ids is None:
        return form_page(request, session, "period_close.html", detail, form, errors)
    return confirmation(ids)


@router.get("/web/periods/{period_id:int}/cancel")
def cancel_page(request: Request, period_id: int, session: EmployerSession,
                found: Found) -> Response:
    """The period and the question: cancel it? (confirm, or discard)."""
    if refused := read_only(request, session):
        return refused
    detail = open_period(owned(found, session, period_id))
    return form_page(request, session, "period_cancel.html", detail, {}, {})


@router.post("/web/periods/{period_id:int}/cancel")
def cancel(request: Request, period_id: int, session: EmployerSession, form: Form,
           found: Found) -> Response:
    if refused := read_only(request, session):
        return refused
    detail = open_period(owned(found, session, period_id))
    errors: dict[str, str] = {}
    refs = references(form, errors)
    ids = None if errors else submit(found, session, with_references(
        {"dimonaCancel": {"periodId": period_id}}, refs), errors)
    if ids is None:
        return form_page(request, session, "period_cancel.html", detail, form, errors)
    return confirmation(ids)
