"""The register's projection: what a batch of decisions, or of notifications sent, writes
into the register, as rows to copy (docs/adr/0005-register-views.md). Pure functions from
events to plain tuples, so that a rebuild can build them in other processes; no SQL here
(services.projections.writer copies and merges them, services.projections.application
decides what is applied)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pydantic import TypeAdapter
from pydantic.alias_generators import to_camel

from schemas.events import (
    Anomaly,
    DeclarationDecided,
    NotificationSent,
    PeriodState,
    RegistrationState,
    SituationState,
)
from services.validator.eventlog import counts  # the one rule of what a period counts


@dataclass(frozen=True)
class Rows:
    """What a batch of decisions writes, as rows to copy: plain tuples, so that a rebuild
    can build them in other processes."""

    event_ids: list[UUID]
    declarations: list[tuple]
    periods: list[tuple]
    quotas: dict[int, list[tuple]]  # by period: replaced when the period changes
    workers: list[tuple]
    registrations: list[tuple] = ()  # the daily registrations the batch changed (issue 22)
    situations: list[tuple] = ()  # the Flexi at work situations the batch changed (issue 23)

    @classmethod
    def of(cls, decided: Sequence[DeclarationDecided]) -> Rows:
        """The rows of the production decisions; a test file's decisions (environment T
        or S) change no register, and only count as applied."""
        decisions = [d for d in decided if d.environment == "R"]
        latest = _latest_periods(decisions)
        return cls([d.event_id for d in decided], _declaration_rows(decisions),
                   [_period_row(p, at) for p, at in latest.values()],
                   {i: [_quota_row(p, c) for c in counts(p)] for i, (p, _) in latest.items()},
                   _worker_rows(decisions), registration_rows(decisions),
                   situation_rows(decisions))


def _declaration_rows(fresh: Sequence[DeclarationDecided]) -> list[tuple]:
    """One row per declaration: a final result in the batch wins over its `S`."""
    rows: dict[int, tuple] = {}
    for d in fresh:
        if d.declaration_id not in rows or d.result != "S":
            rows[d.declaration_id] = _declaration_row(d)
    return list(rows.values())


def _declaration_row(d: DeclarationDecided) -> tuple:
    """COPY takes JSON as text: pydantic writes it once, nothing parses it again here. A
    Flexi at work declaration's SSIN is its beneficiary's; it keeps its situation key and
    the situation it leaves (after, or before when refused)."""
    worker, flexi = d.declaration.worker, d.declaration.flexi_wage
    ssin = worker.ssin if worker else (flexi.beneficiary.ssin if flexi else None)
    return (d.declaration_id, d.declaration_type, d.result, d.period_id,
            ANOMALIES.dump_json(d.anomalies).decode(), d.employer_key,
            ssin, d.declarant, d.channel, d.received_at,
            d.batch_ref, d.line, d.declaration.model_dump_json(by_alias=True,
                                                              exclude_none=True),
            d.period_id or d.declaration.period_id, d.registration_id,
            flexi and flexi.situation_key, flexi and _json_text(situation_json(
                d.situation_after if d.result in ("A", "W") else d.situation_before)))


ANOMALIES = TypeAdapter(tuple[Anomaly, ...])


def _latest_periods(fresh: Sequence[DeclarationDecided]) -> dict[int, tuple[PeriodState, object]]:
    """The newest version of each period the batch changed, with its declaration's time."""
    latest: dict[int, tuple[PeriodState, object]] = {}
    for d in fresh:
        p = d.period_after
        if p is not None and (p.period_id not in latest
                              or latest[p.period_id][0].version < p.version):
            latest[p.period_id] = (p, d.received_at)
    return latest


def registration_rows(fresh: Sequence[DeclarationDecided]) -> list[tuple]:
    """Rows of register.registrations: the newest version of each daily registration an
    accepted decision of the batch changed, with the declaration that made it. A row's
    reception time is its create's: None unless the create is in the batch (the writer
    then keeps the time the register has, or reads the create's declaration row)."""
    latest: dict[int, tuple[RegistrationState, DeclarationDecided]] = {}
    created: dict[int, object] = {}
    for d in fresh:
        r = d.registration_after
        if r is None or d.result not in ("A", "W"):
            continue
        if d.declaration_id == r.registration_id:
            created[r.registration_id] = d.received_at
        if r.registration_id not in latest or latest[r.registration_id][0].version < r.version:
            latest[r.registration_id] = (r, d)
    return [_registration_row(r, d, created.get(i)) for i, (r, d) in latest.items()]


def _registration_row(r: RegistrationState, d: DeclarationDecided, created) -> tuple:
    return (r.registration_id, r.period_id, r.employer_key, r.ssin,
            registration_status(r.cancelled, r.end_hour), created, r.start_date,
            r.start_hour, r.end_date, r.end_hour, r.cancelled, r.version, d.declaration_id,
            d.received_at)


def registration_status(cancelled: bool, end_hour: str | None) -> str:
    """`cancelled` (seed 002's "X"), `open` while the end hour is unknown, else `active`
    ("●"), as for periods (docs/adr/0009-daily-registration.md)."""
    if cancelled:
        return "cancelled"
    return "open" if end_hour is None else "active"


def situation_rows(fresh: Sequence[DeclarationDecided]) -> list[tuple]:
    """Rows of register.flexi_situations: the newest version of each Flexi at work
    situation an accepted decision of the batch set, with the reception of the declaration
    that set it (docs/adr/0010-flexi-at-work.md)."""
    latest: dict[str, tuple[SituationState, DeclarationDecided]] = {}
    for d in fresh:
        s = d.situation_after
        if s is None or d.result not in ("A", "W"):
            continue
        if s.situation_key not in latest or latest[s.situation_key][0].version < s.version:
            latest[s.situation_key] = (s, d)
    return [_situation_row(s, d) for s, d in latest.values()]


def _situation_row(s: SituationState, d: DeclarationDecided) -> tuple:
    c = s.calculation
    return (s.situation_key, s.ticket, s.debtor_key, s.ssin, s.relation_uuid,
            s.relation_reference, s.payslip_reference, s.year, c and c.start_date,
            c and c.end_date, c and c.calculation_date, s.wages_cents, s.premiums_cents,
            json.dumps(capacities(s)), s.cancelled, s.version, d.received_at)


def capacities(s: SituationState) -> list[dict]:
    """A situation's capacities (employer category, worker code, validity, financial
    elements) as the declaration gave them: camelCase, no nulls."""
    return [f.to_json_dict() for f in s.calculation.features] if s.calculation else []


def situation_json(s: SituationState | None) -> dict | None:
    """A situation with camelCase keys (its calculation as the declaration gives it), as
    the register, the e-Box and the audit log show it."""
    if s is None:
        return None
    body = {to_camel(k): v for k, v in s.model_dump(mode="json",
                                                     exclude={"calculation"}).items()}
    return {**body, "calculation": s.calculation and s.calculation.to_json_dict()}


def _json_text(value) -> str | None:
    return None if value is None else json.dumps(value)


def _period_row(p: PeriodState, at) -> tuple:
    """An IN's construction control cards and small statutes as the declaration gives
    them (camelCase, no nulls); NULL when the period has none."""
    return (p.period_id, p.employer_key, p.ssin, p.joint_commission_number, p.worker_type,
            p.start_date, p.start_hour, p.end_date, p.end_hour, p.planned_hours_number,
            p.cancelled, p.version, at, p.late, p.using_joint_commission_number,
            p.using_enterprise_number, p.sub_entity_number,
            _json_text(p.control_cards and p.control_cards.to_json_dict()),
            _json_text(p.small_statutes and p.small_statutes.to_json_dict()))


def _quota_row(p: PeriodState, c) -> tuple:
    days = c.entry.get("days")
    return (p.period_id, c.kind, c.subject, c.year, c.entry.get("hours"),
            [date.fromisoformat(d) for d in days] if isinstance(days, list) else None)


def _worker_rows(fresh: Sequence[DeclarationDecided]) -> list[tuple]:
    """The workers of the periods the batch changed, with the identity their declarations
    gave (the last one given wins)."""
    rows: dict[tuple[str, str], tuple] = {}
    for d in fresh:
        p, w = d.period_after, d.declaration.worker
        if p is None or p.ssin is None:
            continue
        given = (w.family_name, w.given_name, w.birth_date, _text(w.gender),
                 _text(w.nationality)) if w else (None,) * 5
        known = rows.get((p.employer_key, p.ssin), (None,) * 7)[2:]
        rows[(p.employer_key, p.ssin)] = (p.employer_key, p.ssin, *(
            new if new is not None else old for new, old in zip(given, known, strict=True)))
    return list(rows.values())


def notification_rows(sent: Sequence[NotificationSent]) -> list[tuple]:
    """Rows of register.notifications (seed 002's list of notifications): those of
    production decisions only."""
    return [_notification_row(n) for n in sent if n.environment == "R"]


def _notification_row(n: NotificationSent) -> tuple:
    return (n.event_id, n.declaration_id, n.period_id, n.occurred_at, n.channel,
            n.recipient, _period_change(n.period_before), _period_change(n.period_after),
            list(n.anomaly_codes), n.registration_id,
            _registration_change(n.registration_before),
            _registration_change(n.registration_after),
            _json_text(situation_json(n.situation_before)),
            _json_text(situation_json(n.situation_after)))


def _period_change(p: PeriodState | None) -> str | None:
    """A side of seed 002's "before / after modification" columns: start, end, hours."""
    if p is None:
        return None
    return json.dumps({"startDate": p.start_date.isoformat(), "startHour": p.start_hour,
                       "endDate": p.end_date and p.end_date.isoformat(),
                       "endHour": p.end_hour, "plannedHoursNumber": p.planned_hours_number,
                       "cancelled": p.cancelled})


def _registration_change(r: RegistrationState | None) -> str | None:
    """A side of a daily registration's change: start, end, cancelled."""
    if r is None:
        return None
    return json.dumps({"startDate": r.start_date.isoformat(), "startHour": r.start_hour,
                       "endDate": r.end_date.isoformat(), "endHour": r.end_hour,
                       "cancelled": r.cancelled})


def _text(value) -> str | None:
    return None if value is None else str(value)
