"""Builders of daily registration decisions (issue 22), as the validator records them: the
registration's number is its create's declaration number, its period and worker are its
period's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from schemas.events import DeclarationDecided, RegistrationState, stable_id
from tests.unit.factories import submitted

PERIOD = 680725377630  # a fixed horeca worker's period at Kroon (175110801)
WORKER = "85073003328"
CREATE = 680725400018  # the registration's number
RECEIVED = datetime(2026, 7, 8, 15, 0, tzinfo=UTC)  # 17:00 in Brussels


def state(start: str = "2026-07-08", start_hour: str = "1800", end: str | None = None,
          end_hour: str | None = None, *, number: int = CREATE, period: int = PERIOD,
          ssin: str | None = WORKER, employer_key: str = "175110801", cancelled: bool = False,
          version: int = 1) -> RegistrationState:
    return RegistrationState(registration_id=number, period_id=period,
                             employer_key=employer_key, ssin=ssin,
                             start_date=date.fromisoformat(start), start_hour=start_hour,
                             end_date=date.fromisoformat(end or start), end_hour=end_hour,
                             cancelled=cancelled, version=version)


def decided(number: int, block: dict, before: RegistrationState | None,
            after: RegistrationState | None, *, result: str = "A",
            received: datetime = RECEIVED, registration_id: int | None = None,
            batch_ref: str | None = None, line: int | None = None,
            declarant: str | None = "0403170701") -> DeclarationDecided:
    """A decision of a dailyRegistration `block`; refused (B), it leaves the registration as
    it was (no after)."""
    s = submitted({"dailyRegistration": block}, number=number, received=received,
                  employer_key=(after or before).employer_key if (after or before)
                  else "175110801", declarant=declarant)
    known = after or before
    return DeclarationDecided(
        **s.model_dump(exclude={"event_type", "event_id", "origin", "schema_version",
                                "batch_ref", "line"}),
        event_id=stable_id("decided", number), declaration_type="DAILY_REGISTRATION",
        result=result, period_id=known and known.period_id,
        registration_id=registration_id or (known and known.registration_id),
        registration_before=before, registration_after=None if result == "B" else after,
        batch_ref=batch_ref, line=line)


def create(after: RegistrationState, **options) -> DeclarationDecided:
    block = {"action": "create", "periodId": after.period_id,
             "startDate": after.start_date.isoformat(), "startHour": after.start_hour,
             "endDate": after.end_date.isoformat(), "endHour": after.end_hour}
    return decided(after.registration_id, {k: v for k, v in block.items() if v is not None},
                   None, after, **options)


def update(number: int, before: RegistrationState, **changes) -> DeclarationDecided:
    """An update giving `changes` (end_hour="0200", end="2026-07-09", ...)."""
    fields = {"end": "end_date", "start": "start_date"}
    after = before.model_copy(update={
        fields.get(k, k): date.fromisoformat(v) if k in fields else v
        for k, v in changes.items()} | {"version": before.version + 1})
    block = {"action": "update", "registrationId": before.registration_id,
             **{_camel(fields.get(k, k)): v for k, v in changes.items()}}
    return decided(number, block, before, after,
                   received=RECEIVED.replace(hour=RECEIVED.hour + 1))


def cancel(number: int, before: RegistrationState) -> DeclarationDecided:
    return decided(number, {"action": "cancel", "registrationId": before.registration_id},
                   before, before.model_copy(update={"cancelled": True,
                                                     "version": before.version + 1}),
                   received=RECEIVED.replace(hour=RECEIVED.hour + 2))


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(p.title() for p in rest)
