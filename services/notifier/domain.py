"""What the notifier sends for a decision (seed 002, "Confirmation of receipt"; docs/sources.md
§3.2), and to whom. Pure.

- A declarant that is not a batch sender gets an e-Box message: the declarations, employer
  and employees parts, and the period before and after an OUT, UPDATE or CANCEL (for a
  daily registration, the registration before and after). Its content is
  language-neutral; `render` shows it in the employer's language (or another).
- A declaration sent in a batch file gets an entry in that batch's return file.
- Each message and each entry is announced by a `NotificationSent` event.
A declaration that first got `S` has two decisions (two event ids), so two of each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from schemas.events import (
    DeclarationDecided,
    NotificationChannel,
    NotificationSent,
    PeriodState,
    RegistrationState,
    SituationState,
    stable_id,
)
from services.directory.domain import DirectoryEmployer
from services.notifier import render

DEFAULT_LANGUAGE = "nl"
BRUSSELS = ZoneInfo("Europe/Brussels")
Name = tuple[str | None, str | None]  # family name, given name
Names = Mapping[tuple[str, str], Name]  # by (employer key, SSIN)


class EboxMessage(BaseModel):
    model_config = ConfigDict(frozen=True)
    message_id: str  # the id of its NotificationSent
    declaration_id: int
    recipient: str
    employer_key: str
    language: str
    subject: str
    content: dict


class ReturnEntry(BaseModel):
    """One line's result in the return file of its batch (docs/interface.md §3, with `line`)."""

    model_config = ConfigDict(frozen=True)
    notification_id: str
    batch_ref: str
    line: int
    declaration_id: int
    result: dict


@dataclass
class Notices:
    """What a batch of decisions sends."""

    notifications: list[NotificationSent] = field(default_factory=list)
    messages: list[EboxMessage] = field(default_factory=list)
    entries: list[ReturnEntry] = field(default_factory=list)
    names: dict[tuple[str, str], Name] = field(default_factory=dict)  # to remember


def language_of(employer: DirectoryEmployer | None) -> str:
    """The employer's language; Dutch when the directory does not know it."""
    language = employer.language if employer else None
    return language if language in render.LANGUAGES else DEFAULT_LANGUAGE


def recipient_of(decided: DeclarationDecided, employer: DirectoryEmployer | None) -> str:
    """The declarant's e-Box; without a declarant (non-secured channel), the employer's."""
    if decided.declarant:
        return decided.declarant
    if employer is not None and employer.enterprise_number:
        return employer.enterprise_number
    return decided.employer_key


def notices(decisions: Sequence[DeclarationDecided],
            employer_of: Callable[[str], DirectoryEmployer | None],
            is_batch_sender: Callable[[str | None], bool], names: Names,
            sent_at: datetime) -> Notices:
    """The messages and return-file entries of `decisions`, and their NotificationSent.
    `employer_of(key)` and `is_batch_sender(declarant)` read the directory. A test file's
    decision (environment T or S) is answered in its file only: no e-Box message, and the
    names it gives are not remembered."""
    found = Notices(names=names_given([d for d in decisions if d.environment == "R"]))
    names = {**names, **found.names}
    for d in decisions:
        employer = employer_of(d.employer_key)
        if not is_batch_sender(d.declarant) and d.environment == "R":  # a test: its file only
            message = confirmation(d, employer, names)
            found.messages.append(message)
            found.notifications.append(sent(d, "ebox", message.recipient, sent_at))
        if d.batch_ref is not None and d.line is not None and d.declarant:
            notification = sent(d, "batch", d.declarant, sent_at)
            found.entries.append(ReturnEntry(
                notification_id=str(notification.event_id), batch_ref=d.batch_ref,
                line=d.line, declaration_id=d.declaration_id, result=d.to_result_json()))
            found.notifications.append(notification)
    return found


def sent(d: DeclarationDecided, channel: NotificationChannel, recipient: str,
         sent_at: datetime) -> NotificationSent:
    """A notification's id is stable: the same decision notified again keeps it."""
    return NotificationSent(
        event_id=stable_id("notification", d.event_id, channel, recipient),
        occurred_at=sent_at, correlation_id=d.correlation_id, causation_id=str(d.event_id),
        declaration_id=d.declaration_id, employer_key=d.employer_key,
        period_id=d.period_id or d.declaration.period_id, channel=channel,
        recipient=recipient, result=d.result,
        anomaly_codes=tuple(a.code for a in d.anomalies), period_before=d.period_before,
        period_after=d.period_after, batch_ref=d.batch_ref, line=d.line,
        registration_id=d.registration_id, registration_before=d.registration_before,
        registration_after=d.registration_after, situation_before=d.situation_before,
        situation_after=d.situation_after, environment=d.environment)


def confirmation(d: DeclarationDecided, employer: DirectoryEmployer | None,
                 names: Names) -> EboxMessage:
    """The e-Box message of a decision, in the employer's language."""
    recipient = recipient_of(d, employer)
    content = {"declarations": _declaration_part(d), "employer": _employer_part(employer),
               "employees": [_employee(d, names)], **_changed(d)}
    language = language_of(employer)
    return EboxMessage(
        message_id=str(stable_id("notification", d.event_id, "ebox", recipient)),
        declaration_id=d.declaration_id, recipient=recipient, employer_key=d.employer_key,
        language=language, subject=render.subject(content, language), content=content)


def _changed(d: DeclarationDecided) -> dict:
    """What the declaration changed, before and after: the period, or for a daily
    registration the registration (docs/adr/0009-daily-registration.md), for a Flexi at
    work declaration the situation (docs/adr/0010-flexi-at-work.md)."""
    if d.declaration.daily_registration is not None:
        return {"registrationBefore": _registration(d.registration_before),
                "registrationAfter": _registration(d.registration_after)}
    if d.declaration.flexi_wage is not None:
        return {"situationBefore": situation(d.situation_before),
                "situationAfter": situation(d.situation_after)}
    return {"periodBefore": _period(d.period_before), "periodAfter": _period(d.period_after)}


def _declaration_part(d: DeclarationDecided) -> dict:
    refs = d.declaration.references
    start, end = moments(d)
    part = {"type": d.declaration_type, "declarationId": d.declaration_id,
            "result": d.result, "anomalies": [a.to_result_json() for a in d.anomalies],
            "sentAt": d.received_at.astimezone(BRUSSELS).isoformat(),
            "start": start, "end": end, "periodId": d.period_id,
            "references": refs.to_json_dict() if refs else {}}
    if d.identified_ssin is not None:
        part["identification"] = {"previousResult": "S", "identifiedSsin": d.identified_ssin}
    registration = d.declaration.daily_registration
    if registration is not None:
        part |= {"action": registration.action, "registrationId": d.registration_id}
    flexi = d.declaration.flexi_wage
    if flexi is not None:
        part |= {"action": flexi.action, "situationKey": flexi.situation_key,
                 "relation": flexi.relation.to_json_dict(),
                 "payslipReference": flexi.payslip_reference}
    return part


def moments(d: DeclarationDecided) -> tuple[dict | None, dict | None]:
    """The start and end the declaration gives, completed from its period (an OUT gives
    only its end; a CANCEL nothing); a daily registration's from its registration; a Flexi
    at work declaration's calculation period."""
    if d.declaration.flexi_wage is not None:
        return _calculation_period(d)
    given = (d.declaration.dimona_in or d.declaration.dimona_out or d.declaration.dimona_update
             or d.declaration.daily_registration)
    period = (d.registration_after or d.registration_before
              if d.declaration.daily_registration is not None
              else d.period_after or d.period_before)

    def moment(which: str) -> dict | None:
        day = getattr(given, f"{which}_date", None) or getattr(period, f"{which}_date", None)
        hour = getattr(given, f"{which}_hour", None) or getattr(period, f"{which}_hour", None)
        return {"date": day.isoformat(), "hour": hour} if day else None
    return moment("start"), moment("end")


def _calculation_period(d: DeclarationDecided) -> tuple[dict | None, dict | None]:
    """The calculation period a Flexi at work declaration gives, else (a cancel) its
    situation's."""
    known = d.situation_after or d.situation_before
    calculation = d.declaration.flexi_wage.calculation or (known and known.calculation)
    if calculation is None:
        return None, None
    return ({"date": calculation.start_date.isoformat(), "hour": None},
            {"date": calculation.end_date.isoformat(), "hour": None})


def _employer_part(employer: DirectoryEmployer | None) -> dict:
    if employer is None:
        return {"name": None, "enterpriseNumber": None, "employerId": None}
    return {"name": employer.name, "enterpriseNumber": employer.enterprise_number,
            "employerId": employer.employer_id}


def ssin_of(d: DeclarationDecided) -> str | None:
    worker, flexi = d.declaration.worker, d.declaration.flexi_wage
    period = (d.period_after or d.period_before or d.registration_after
              or d.registration_before)
    return (d.identified_ssin or (worker.ssin if worker else None)
            or (flexi.beneficiary.ssin if flexi else None)
            or (period.ssin if period else None))


def _employee(d: DeclarationDecided, names: Names) -> dict:
    """SSIN and names: those the declaration gives, else those known for the worker (an
    OUT, UPDATE or CANCEL gives only a period number)."""
    worker, ssin = d.declaration.worker, ssin_of(d)
    family, given = names.get((d.employer_key, ssin), (None, None)) if ssin else (None, None)
    return {"ssin": ssin, "familyName": (worker and worker.family_name) or family,
            "givenName": (worker and worker.given_name) or given}


def names_given(decisions: Sequence[DeclarationDecided]) -> dict[tuple[str, str], Name]:
    """The names the accepted (or waiting) declarations give, the last one winning."""
    given: dict[tuple[str, str], Name] = {}
    for d in decisions:
        worker, ssin = d.declaration.worker, ssin_of(d)
        if d.result != "B" and ssin and worker and (worker.family_name or worker.given_name):
            given[(d.employer_key, ssin)] = (worker.family_name, worker.given_name)
    return given


PARTICULARS = ("sub_entity_number", "control_cards", "small_statutes")
"""What only some INs give to their period: a public employer's sub-entity, a construction
worker's C3.2A control cards, an intern's small statutes."""


def _period(state: PeriodState | None) -> dict | None:
    """A period with the snake_case keys it always had; its sub-entity, control cards and
    small statutes only when it has them, each block as the declaration gives it
    (camelCase, no nulls)."""
    if state is None:
        return None
    body = state.model_dump(mode="json", exclude=set(PARTICULARS))
    if state.sub_entity_number is not None:
        body["sub_entity_number"] = state.sub_entity_number
    for name in ("control_cards", "small_statutes"):
        block = getattr(state, name)
        if block is not None:
            body[name] = block.to_json_dict()
    return body


def _registration(state: RegistrationState | None) -> dict | None:
    """A registration with camelCase keys, as the register shows it (a period's content
    keeps the snake_case it always had)."""
    if state is None:
        return None
    return {to_camel(k): v for k, v in state.model_dump(mode="json").items()}


def situation(state: SituationState | None) -> dict | None:
    """A Flexi at work situation with camelCase keys, its calculation as the declaration
    gives it (no nulls), as the register shows it."""
    if state is None:
        return None
    body = {to_camel(k): v for k, v in state.model_dump(mode="json",
                                                         exclude={"calculation"}).items()}
    return {**body, "calculation": state.calculation and state.calculation.to_json_dict()}
