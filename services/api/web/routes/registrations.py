"""The daily registrations of the horeca's fixed workers on the pages (docs/interface.md §8;
seed 002's "Liste des enregistrements journaliers"): the employer's registrations (paged),
a registration created for a period, changed or cancelled, each a `dailyRegistration`
declaration through the pipeline of every channel, then its confirmation of receipt with
the registration number, its period and the anomalies in plain words.

The helpers the other write pages share (the employer as a declaration names it, hours and
dates of a form, errors in plain words, the decided rows with their anomalies' labels) live
here too: the Multi-Dimona tab and Flexi at work import them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import pages
from services.api.web.declare import Declare, Refused, declare
from services.api.web.deps import EmployerSession, Form, Found, PageNotFound
from services.api.web.forms import (
    Fields,
    anomaly_text,
    as_time,
    employer_keys,
    number_of,
    refused_errors,
    today,
    translator,
    writer,
)
from services.api.web.routes.confirmation import ids_of, statuses
from services.api.web.session import WebSession
from services.projections.application import BadQuery, Page, RegistrationFilters

router = APIRouter(include_in_schema=False)
PAGE = 20
BRUSSELS = ZoneInfo("Europe/Brussels")
HOUR = re.compile(r"^([01]?[0-9]|2[0-3]):?([0-5][0-9])$")


# ---- the daily registrations ----

def own_period(found: Found, session: WebSession, period_id: int) -> dict:
    """The period detail of a period of the session's employer; 404 for any other."""
    detail = found.readers.register.period(period_id)
    if detail is None or detail["period"]["employerKey"] not in employer_keys(found, session):
        raise PageNotFound()
    return detail


def own_registration(found: Found, session: WebSession, registration_id: int) -> dict:
    """A registration of the session's employer as it is now; 404 for any other."""
    detail = found.readers.register.declaration(registration_id) \
        if registration_id < 2**63 else None
    if (detail is None or "registration" not in detail
            or detail["employerKey"] not in employer_keys(found, session)
            or detail["registration"]["registrationId"] != registration_id):
        raise PageNotFound()
    return {**detail["registration"], "worker": detail["worker"]}


def registration_field(path: str) -> str | None:
    name = path.removeprefix("dailyRegistration.")
    return name if name in ("startDate", "startHour", "endDate", "endHour") else None


@router.get("/web/registrations")
def registrations(request: Request, session: EmployerSession, found: Found,
                  period: str = "", offset: str = "0") -> Response:
    """The employer's daily registrations, by start (one period's with `period`), paged."""
    period_id = number_of(period) or None
    try:
        filters = RegistrationFilters(period_id=period_id)
    except BadQuery:
        raise PageNotFound() from None
    page = found.readers.register.registrations(session.employer, filters,
                                                Page(PAGE, number_of(offset)))
    return pages.render(request, "registrations.html", session, page=page, size=PAGE,
                        period=period_id)


@router.get("/web/registrations/new")
def new_registration(request: Request, session: EmployerSession, found: Found,
                     period: str = "") -> Response:
    writer(session)
    if not number_of(period):
        raise PageNotFound()
    detail = own_period(found, session, number_of(period))
    return pages.render(request, "registration_form.html", session, action="create",
                        detail=detail, values={"startDate": today().isoformat()}, errors={})


@router.post("/web/registrations/new")
def create_registration(request: Request, session: EmployerSession, form: Form,
                        found: Found, period: str = "") -> Response:
    writer(session)
    period = form.get("period") or period
    if not number_of(period):
        raise PageNotFound()
    detail = own_period(found, session, number_of(period))
    _ = translator(request)
    fields = Fields(form, _)
    start = fields.day("startDate", required=True)
    start_hour = fields.hour("startHour", required=True)
    end_hour = fields.hour("endHour")
    end = fields.day("endDate")
    if start and end and end < start:
        fields.errors["endDate"] = _("registration.error.end_before_start")
    if not fields.errors and end is None:  # the same day, or the next for a night
        end = start + timedelta(days=1) if end_hour and end_hour <= start_hour else start
    body = {"action": "create", "periodId": number_of(period), "startDate": start and
            start.isoformat(), "startHour": start_hour, "endDate": end and end.isoformat(),
            "endHour": end_hour}
    return send(request, session, found, form, fields.errors, body,
                lambda errors, message: pages.render(
                    request, "registration_form.html", session, 422, action="create",
                    detail=detail, values=form, errors=errors, message=message))


@router.get("/web/registrations/confirmation")
def registration_confirmation(request: Request, session: EmployerSession, found: Found,
                              ids: str = "") -> Response:
    rows = statuses(found, session, ids_of(ids))
    return pages.render(request, "registration_confirmation.html", session, rows=rows,
                        pending=any(r["result"] == "pending" for r in rows), ids=ids,
                        anomaly=anomaly_text(pages.language(request)))


@router.get("/web/registrations/{registration_id:int}/edit")
def edit_registration(request: Request, registration_id: int, session: EmployerSession,
                      found: Found) -> Response:
    writer(session)
    current = open_registration(found, session, registration_id)
    values = {k: current[k] for k in ("startDate", "endDate")} | {
        "startHour": as_time(current["startHour"]), "endHour": as_time(current["endHour"])}
    return pages.render(request, "registration_form.html", session, action="update",
                        registration=current, values=values, errors={})


@router.post("/web/registrations/{registration_id:int}/edit")
def update_registration(request: Request, registration_id: int, session: EmployerSession,
                        form: Form, found: Found) -> Response:
    writer(session)
    current = open_registration(found, session, registration_id)
    _ = translator(request)
    fields = Fields(form, _)
    given = {"startDate": fields.day("startDate", required=True),
             "startHour": fields.hour("startHour", required=True),
             "endDate": fields.day("endDate", required=True),
             "endHour": fields.hour("endHour")}
    given = {k: v.isoformat() if isinstance(v, date) else v for k, v in given.items()}
    changed = {k: v for k, v in given.items() if v is not None and v != current[k]}
    if not fields.errors and not changed:
        fields.errors["form"] = _("registration.error.unchanged")
    return send(request, session, found, form, fields.errors,
                {"action": "update", "registrationId": registration_id, **changed},
                lambda errors, message: pages.render(
                    request, "registration_form.html", session, 422, action="update",
                    registration=current, values=form, errors=errors, message=message))


@router.get("/web/registrations/{registration_id:int}/cancel")
def ask_cancel_registration(request: Request, registration_id: int,
                            session: EmployerSession, found: Found) -> Response:
    writer(session)
    current = open_registration(found, session, registration_id)
    return pages.render(request, "registration_cancel.html", session, registration=current)


@router.post("/web/registrations/{registration_id:int}/cancel")
def cancel_registration(request: Request, registration_id: int, session: EmployerSession,
                        form: Form, found: Found) -> Response:
    writer(session)
    current = open_registration(found, session, registration_id)
    return send(request, session, found, form, {},
                {"action": "cancel", "registrationId": registration_id},
                lambda errors, message: pages.render(
                    request, "registration_cancel.html", session, 422, registration=current,
                    message=message))


def open_registration(found: Found, session: WebSession, registration_id: int) -> dict:
    """A registration of the session's employer that is not cancelled (a cancelled one
    takes no change: 404 for its forms)."""
    current = own_registration(found, session, registration_id)
    if current["cancelled"]:
        raise PageNotFound()
    return current


def send(request: Request, session: WebSession, found: Found, form: dict,
         errors: dict[str, str], registration: dict,
         again: Callable[[dict, str | None], Response]) -> Response:
    """The registration declared (then its confirmation), or the form again with its
    errors in plain words."""
    if errors:
        return again(errors, None)
    body = {"dailyRegistration": {k: v for k, v in registration.items() if v is not None}}
    try:
        [number] = declare(Declare(found.intake, found.access.check_may_declare),
                           session.principal, [body], via="web")
    except Refused as refused:
        return again(*refused_errors(refused, translator(request), registration_field))
    return pages.redirect(f"/web/registrations/confirmation?ids={number}")
