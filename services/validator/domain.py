"""The Dimona rules and the aggregates of the event store. Pure: no Kafka, no SQL.

One rule = one small function returning the anomaly codes it finds. Time, when a rule needs
it, comes from the declaration's reception timestamp, never from the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event
from stdnum.be import bis, nn

from schemas.events import (
    Anomaly,
    DeclarationDecided,
    DeclarationSubmitted,
    Event,
    PeriodState,
    Reception,
    Result,
    stable_id,
)
from services.directory.domain import EmployerIndex

AGGREGATE_NAMESPACE = UUID("0b8a3f4e-3c55-4d2a-a8a4-22b1c3c1d0e7")
REOPEN = "9999-12-31"


class Declaration(Aggregate):
    """A received declaration and the decision recorded for it (its id is the dedupe key)."""

    @staticmethod
    def create_id(declaration_id: int) -> UUID:
        return uuid5(AGGREGATE_NAMESPACE, f"declaration:{declaration_id}")

    @event("Decided")
    def __init__(self, declaration_id: int, decision: dict):
        self.declaration_id = declaration_id
        self.decision = decision


class Period(Aggregate):
    """A Dimona period; its number is the declaration number of its IN."""

    @staticmethod
    def create_id(period_id: int) -> UUID:
        return uuid5(AGGREGATE_NAMESPACE, f"period:{period_id}")

    @event("Opened")
    def __init__(self, period_id: int, state: dict):
        self.period_id = period_id
        self.state = state

    @event("Changed")
    def change(self, declaration_id: int, state: dict) -> None:
        self.state = state

    @property
    def current(self) -> PeriodState:
        return PeriodState.model_validate(self.state)


class Context(Protocol):
    """What the rules may ask about the world beyond the declaration."""

    employers: EmployerIndex

    def period(self, period_id: int) -> PeriodState | None: ...


Rule = Callable[[DeclarationSubmitted, Context], list[str]]


def valid_ssin(ssin: str) -> bool:
    """National register or BIS number with valid check digits (born before or after 2000)."""
    return nn.is_valid(ssin) or bis.is_valid(ssin)


def invalid_ssin(sub: DeclarationSubmitted, ctx: Context) -> list[str]:
    worker = sub.declaration.worker
    if worker is None or worker.ssin is None or valid_ssin(worker.ssin):
        return []
    return ["00024-003"]


def employer_not_in_directory(sub: DeclarationSubmitted, ctx: Context) -> list[str]:
    employer = sub.declaration.employer
    if employer is None:
        return []
    if employer.employer_id is not None:
        return [] if ctx.employers.by_nsso(employer.employer_id) else ["00011-235"]
    found = ctx.employers.by_enterprise_number(str(employer.enterprise_number))
    return [] if found else ["00014-235"]


def unknown_period(sub: DeclarationSubmitted, ctx: Context) -> list[str]:
    period_id = sub.declaration.period_id
    if period_id is None or ctx.period(period_id) is not None:
        return []
    return ["00913-354"]


RECEPTION_FIELDS = tuple(f for f in Reception.model_fields if f not in Event.model_fields)
RULES: tuple[Rule, ...] = (invalid_ssin, employer_not_in_directory, unknown_period)


def result_of(anomalies: list[Anomaly]) -> Result:
    """B when any anomaly blocks, W when only non-blocking ones, else A."""
    if any(a.severity == "B" for a in anomalies):
        return "B"
    return "W" if anomalies else "A"


def period_after(sub: DeclarationSubmitted, before: PeriodState | None) -> PeriodState:
    """The period as the accepted declaration leaves it."""
    d = sub.declaration
    if d.dimona_in is not None:
        return PeriodState(
            period_id=sub.declaration_id, employer_key=sub.employer_key,
            ssin=d.worker.ssin if d.worker else None,
            joint_commission_number=d.dimona_in.features.joint_commission_number,
            worker_type=d.dimona_in.features.worker_type, start_date=d.dimona_in.start_date,
            start_hour=d.dimona_in.start_hour, end_date=d.dimona_in.end_date,
            end_hour=d.dimona_in.end_hour,
            planned_hours_number=d.dimona_in.planned_hours_number)
    assert before is not None
    changes: dict = {"version": before.version + 1}
    if d.dimona_out is not None:
        changes |= {"end_date": d.dimona_out.end_date, "end_hour": d.dimona_out.end_hour}
    elif d.dimona_update is not None:
        changes |= d.dimona_update.model_dump(exclude_none=True, exclude={"period_id"})
        if str(changes.get("end_date")) == REOPEN:
            changes |= {"end_date": None, "end_hour": None}
    else:
        changes["cancelled"] = True
    return before.model_copy(update=changes)


def decide(sub: DeclarationSubmitted, ctx: Context) -> DeclarationDecided:
    """Apply every rule; the decision is a pure function of the submission and the context."""
    codes = [code for rule in RULES for code in rule(sub, ctx)]
    anomalies = [Anomaly.of(code) for code in dict.fromkeys(codes)]
    result = result_of(anomalies)
    before = ctx.period(sub.declaration.period_id) if sub.declaration.period_id else None
    after = period_after(sub, before) if result != "B" else None
    reception = {name: getattr(sub, name) for name in RECEPTION_FIELDS}
    return DeclarationDecided(
        **reception, event_id=stable_id("decided", sub.declaration_id),
        occurred_at=sub.received_at, correlation_id=sub.correlation_id,
        causation_id=str(sub.event_id), declaration_type=sub.declaration.declaration_type,
        result=result, anomalies=tuple(anomalies),
        period_id=after.period_id if after else None, period_before=before,
        period_after=after)

