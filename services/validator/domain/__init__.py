"""The Dimona rulebook and the aggregates of the event store. Pure: no Kafka, no SQL.

One rule = one small function, in the module of its subject, yielding the anomaly codes it
finds. RULES lists them all, in the order their anomalies are reported. Time, when a rule
needs it, comes from the declaration's reception timestamp, never from the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from schemas.declaration import Worker
from schemas.events import (
    Anomaly,
    DeclarationDecided,
    DeclarationSubmitted,
    Event,
    Reception,
    Result,
    stable_id,
)
from services.validator.domain import (
    deadlines,
    fields,
    flexi,
    identifiers,
    parties,
    periods,
    quotas,
)
from services.validator.domain.aggregates import (
    Declaration,
    Identifications,
    Period,
    Quota,
    Relation,
)
from services.validator.domain.case import Case, Context, Finding, open_case
from services.validator.domain.identifiers import valid_ssin
from services.validator.domain.version import RULES_VERSION

__all__ = ["RULES", "Context", "Declaration", "Identifications", "Period", "Quota",
           "Relation", "decide", "identified", "result_of", "valid_ssin"]

Rule = Callable[[Case, Context], Iterable[Finding]]

RULES: tuple[Rule, ...] = (
    # the worker and the employer (§8, §4.1)
    identifiers.ssin_invalid, identifiers.ssin_missing, identifiers.identification_incomplete,
    identifiers.employer_number_invalid, parties.employer_not_in_directory,
    parties.employer_inactive, parties.no_mandate, parties.secured_channel_only,
    # the period an OUT, UPDATE or CANCEL is about (§2.1)
    periods.unknown_period, periods.period_of_another_employer,
    periods.period_of_another_worker, periods.period_cancelled, periods.period_closed,
    periods.update_without_content, periods.update_closes_period, periods.reopen_forbidden,
    periods.start_date_forbidden_in_student_update,
    # features, dates and hours (§2.3, §6)
    fields.joint_committee_invalid, fields.worker_type_invalid,
    fields.worker_type_not_declarable, fields.joint_committee_x_worker_type,
    fields.using_employer, fields.student_place_of_work_forbidden,
    fields.start_date_domain, fields.end_date_domain, fields.end_date_missing,
    fields.end_before_start, fields.end_date_must_be_start_date,
    fields.flexi_period_end_after_start, fields.same_quarter, fields.start_hour_missing,
    fields.end_hour_missing, fields.hours_forbidden, fields.end_hour_before_start_hour,
    fields.longer_than_24_hours, fields.planned_hours,
    periods.update_changes_nothing,
    # the relation's other periods (§4.1, §6.4)
    periods.duplicate_or_overlap, periods.occasional_over_two_days,
    # deadlines (§5)
    deadlines.flexi_too_early, deadlines.article17_too_early, deadlines.late,
    # quotas, eligibility, identity (§7, §8.1)
    quotas.quota_exceeded, flexi.flexi_not_eligible, identifiers.identity_mismatch,
)

RECEPTION_FIELDS = tuple(f for f in Reception.model_fields if f not in Event.model_fields)


def result_of(anomalies: Iterable[Anomaly]) -> Result:
    """B when any anomaly blocks, W when only non-blocking ones, else A."""
    anomalies = list(anomalies)
    if any(a.severity == "B" for a in anomalies):
        return "B"
    return "W" if anomalies else "A"


def _anomalies(case: Case, ctx: Context) -> list[Anomaly]:
    found: dict[str, Anomaly] = {}
    for rule in RULES:
        for finding in rule(case, ctx):
            anomaly = Anomaly.of(finding) if isinstance(finding, str) else finding
            found.setdefault(anomaly.code, anomaly)
    return list(found.values())


def waits_for_identification(case: Case) -> bool:
    """An IN without SSIN waits for the identification service (result S)."""
    return case.dimona_in is not None and case.declaration.worker.ssin is None


def decide(sub: DeclarationSubmitted, ctx: Context,
           identified_ssin: str | None = None) -> DeclarationDecided:
    """Apply every rule; the decision is a pure function of the submission and the context."""
    case = open_case(sub, ctx)
    anomalies = _anomalies(case, ctx)
    result = result_of(anomalies)
    if result != "B" and waits_for_identification(case):
        result = "S"
    after = case.after if result in ("A", "W") else None
    if after is not None and any(a.code.endswith("-460") for a in anomalies):
        after = after.model_copy(update={"late": True})
    reception = {name: getattr(sub, name) for name in RECEPTION_FIELDS}
    event_id = (stable_id("decided", sub.declaration_id) if identified_ssin is None
                else stable_id("decided", sub.declaration_id, "final"))
    return DeclarationDecided(
        **reception, event_id=event_id,
        occurred_at=sub.received_at, correlation_id=sub.correlation_id,
        causation_id=str(sub.event_id), declaration_type=sub.declaration.declaration_type,
        result=result, anomalies=tuple(anomalies),
        period_id=after.period_id if after else None, period_before=case.before,
        period_after=after, identified_ssin=identified_ssin, rule_version=RULES_VERSION)


def identified(sub: DeclarationSubmitted, ssin: str) -> DeclarationSubmitted:
    """The submission as it would have been with the SSIN the identification found."""
    worker = sub.declaration.worker or Worker()
    declaration = sub.declaration.model_copy(
        update={"worker": worker.model_copy(update={"ssin": ssin})})
    return sub.model_copy(update={"declaration": declaration})
