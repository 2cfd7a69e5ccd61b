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
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import i18n, pages
from services.api.web.declare import Declare, Refused, declare
from services.api.web.deps import EmployerSession, Form, Found, PageNotFound
from services.api.web.routes.confirmation import ids_of, statuses
from services.api.web.session import WebSession
from services.projections.application import BadQuery, Page, RegistrationFilters

router = APIRouter(include_in_schema=False)
PAGE = 20
BRUSSELS = ZoneInfo("Europe/Brussels")
HOUR = re.compile(r"^([01]?[0-9]|2[0-3]):?([0-5][0-9])$")


# ---- shared by the write pages (Multi-Dimona, daily registrations, Flexi at work) ----

def digits(text: str) -> bool:
    """Only the digits 0-9 (`str.isdigit` also takes `²`, which `int` refuses)."""
    return re.fullmatch(r"[0-9]+", text) is not None


def today() -> date:
    return datetime.now(BRUSSELS).date()


def writer(session: WebSession) -> None:
    """The write pages are not there for an auditor, who reads and never writes."""
    if session.auditor:
        raise PageNotFound()


def translator(request: Request) -> Callable[..., str]:
    return i18n.translator(pages.language(request))


def employer_ref(found: Found, session: WebSession) -> dict:
    """The session's employer as a declaration names it: its NSSO number, else its
    enterprise number."""
    header = found.readers.register.employer(session.employer)
    if header["employerId"] is not None:
        return {"employerId": header["employerId"]}
    number = header["enterpriseNumber"] or session.employer
    return ({"employerId": int(number)} if len(number) == 9
            else {"enterpriseNumber": number.zfill(10)})


def employer_keys(found: Found, session: WebSession) -> list[str]:
    return found.readers.employer_keys(session.employer)


def hhmm(value: str | None) -> str | None:
    """A form's hour (`08:00` from `<input type="time">`, or `0800`) as a declaration's
    `HHMM`; None when empty; ValueError when it is not an hour."""
    value = (value or "").strip()
    if not value:
        return None
    found = HOUR.match(value)
    if found is None:
        raise ValueError(value)
    return f"{int(found.group(1)):02d}{found.group(2)}"


def as_time(value: str | None) -> str:
    """`0800` -> `08:00`, the value of an `<input type="time">`."""
    return f"{value[:2]}:{value[2:]}" if value and len(value) == 4 else (value or "")


def iso_day(value: str | None) -> date | None:
    """A form's date (`2026-07-08`, or `08/07/2026`); None when empty; ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    if re.match(r"^\d{1,2}/\d{1,2}/\d{4}$", value):
        d, m, y = value.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(value)


class Fields:
    """A form's values read one by one, with the plain-words error of each wrong one."""

    def __init__(self, form: dict[str, str], label: Callable[..., str]):
        self.form, self._, self.errors = form, label, {}

    def text(self, name: str, required: bool = False, pattern: str | None = None,
             error: str = "registration.error.invalid") -> str | None:
        value = (self.form.get(name) or "").strip()
        if not value:
            if required:
                self.errors[name] = self._("registration.error.required")
            return None
        if pattern and not re.fullmatch(pattern, value):
            self.errors[name] = self._(error)
            return None
        return value

    def day(self, name: str, required: bool = False) -> date | None:
        try:
            found = iso_day(self.form.get(name))
        except ValueError:
            self.errors[name] = self._("registration.error.date")
            return None
        if found is None and required:
            self.errors[name] = self._("registration.error.required")
        return found

    def hour(self, name: str, required: bool = False) -> str | None:
        try:
            found = hhmm(self.form.get(name))
        except ValueError:
            self.errors[name] = self._("registration.error.hour")
            return None
        if found is None and required:
            self.errors[name] = self._("registration.error.required")
        return found


def refused_errors(refused: Refused, label: Callable[..., str],
                   field_of: Callable[[str], str | None]) -> tuple[dict[str, str], str | None]:
    """A refusal of the pipeline in plain words: next to the form's field each JSON path
    names (`field_of`), the rest and a missing mandate above the form."""
    errors: dict[str, str] = {}
    rest = []
    for path in refused.fields:
        name = field_of(path)
        if name:
            errors.setdefault(name, label("registration.error.not_accepted"))
        else:
            rest.append(path)
    message = None
    if refused.message:
        message = label("registration.error.forbidden")
    elif rest or not errors:
        message = label("registration.error.refused")
    return errors, message


def anomaly_text(lang: str) -> Callable[[str], str]:
    """A code's label in the page's language."""
    return partial(i18n.anomaly_label, language=lang)


def decided_rows(found: Found, session: WebSession, ids: str) -> list[dict]:
    """The confirmation's rows (only those this session may read, else 404), each with
    the declaration as received and its result once decided."""
    rows = statuses(found, session, ids_of(ids))
    for row in rows:
        result = found.readers.queries.result(row["declarationId"]) \
            if row["result"] != "pending" else None
        row["registration"] = (result or {}).get("result", {}).get("dailyRegistration")
    return rows


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


def number_of(text: str) -> int:
    """A number of the query string (a page's offset, a period), 0 when it is none."""
    text = text.strip()
    return int(text) if digits(text) and len(text) < 19 else 0


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
    rows = decided_rows(found, session, ids)
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
