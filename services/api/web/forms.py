"""What the write pages share (Multi-Dimona, daily registrations, Flexi at work): reading
and checking their fields, the employer's reference for a declaration, the errors of a
refused declaration by field."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from fastapi import Request

from services.api.web import i18n, pages
from services.api.web.declare import Refused
from services.api.web.deps import Found, PageNotFound
from services.api.web.session import WebSession

BRUSSELS = ZoneInfo("Europe/Brussels")
HOUR = re.compile(r"^([01]?[0-9]|2[0-3]):?([0-5][0-9])$")


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


def number_of(text: str) -> int:
    """A number of the query string (a page's offset, a period), 0 when it is none."""
    text = text.strip()
    return int(text) if digits(text) and len(text) < 19 else 0


