"""The Dimona rulebook and the aggregates of the event store. Pure: no Kafka, no SQL.

One rule = one small function, in the module of its subject, yielding the anomaly codes it
finds. RULES lists them all, in the order their anomalies are reported; REGISTRATION_RULES
those of the daily registration, a declaration of its own kind (registrations.py);
FLEXI_WAGE_RULES those of a Flexi at work situation, another (flexi_wages.py). Time, when a
rule needs it, comes from the declaration's reception timestamp, never from the clock.
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
    flexi_wages,
    identifiers,
    parties,
    periods,
    quotas,
    registrations,
    sectors,
)
from services.validator.domain.aggregates import (
    Declaration,
    Identifications,
    Period,
    Quota,
    Registration,
    Relation,
    Situation,
)
from services.validator.domain.case import Case, Context, Finding, open_case
from services.validator.domain.flexi_wages import SituationCase, open_situation_case
from services.validator.domain.identifiers import valid_ssin
from services.validator.domain.registrations import RegistrationCase, open_registration_case
from services.validator.domain.version import RULES_VERSION

__all__ = ["FLEXI_WAGE_RULES", "REGISTRATION_RULES", "RULES", "Context", "Declaration",
           "Identifications", "Period", "Quota", "Registration", "Relation", "Situation",
           "decide", "identified", "result_of", "valid_ssin"]

Rule = Callable[[Case, Context], Iterable[Finding]]
RegistrationRule = Callable[[RegistrationCase, Context], Iterable[Finding]]
FlexiWageRule = Callable[[SituationCase, Context], Iterable[Finding]]

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
    sectors.worker_type_forbidden_for_employer, sectors.sub_entity,
    fields.using_employer, sectors.control_cards_presence, sectors.control_card_invalid,
    sectors.next_month_card_same_as_first, fields.student_place_of_work_forbidden,
    sectors.small_statutes_presence, sectors.small_statutes_invalid,
    sectors.activity_incompatible_with_nature,
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

REGISTRATION_RULES: tuple[RegistrationRule, ...] = (
    # which fields each action needs or forbids
    registrations.registration_id_presence, registrations.period_id_presence,
    registrations.start_date_presence, registrations.start_hour_presence,
    registrations.end_date_presence, registrations.end_hour_presence,
    # the declarant, the channel, the employer's system
    parties.no_mandate, parties.secured_channel_only, registrations.dimona_system_not_chosen,
    # the registration an update or a cancel names, the period it is on
    registrations.unknown_registration, registrations.registration_cancelled,
    registrations.unknown_period, registrations.period_cancelled,
    registrations.period_incompatible,
    # dates and hours
    registrations.start_date_domain, registrations.end_date_domain,
    registrations.end_before_start, registrations.end_hour_before_start_hour,
    registrations.longer_than_24_hours, registrations.update_changes_nothing,
    # the relation's other registrations
    registrations.overlapping,
)

FLEXI_WAGE_RULES: tuple[FlexiWageRule, ...] = (
    # which fields each action needs or forbids
    flexi_wages.calculation_presence,
    # the beneficiary, the debtor, the declarant and the channel
    flexi_wages.ssin_invalid, flexi_wages.debtor_number_invalid,
    flexi_wages.debtor_provisional, flexi_wages.debtor_not_in_directory,
    parties.no_mandate, parties.secured_channel_only,
    # the situation a modify or a cancel names, or a create would open again
    flexi_wages.unknown_situation, flexi_wages.situation_cancelled,
    flexi_wages.situation_exists,
    # the calculation period and the capacities' validity
    flexi_wages.end_before_start, flexi_wages.crosses_year,
    flexi_wages.valid_from_outside_period, flexi_wages.valid_to_outside_period,
    flexi_wages.valid_to_before_valid_from,
    # the capacities and their financial elements
    flexi_wages.worker_code_invalid, flexi_wages.no_financial_element,
    flexi_wages.element_code_invalid, flexi_wages.amount_missing,
    flexi_wages.amount_negative, flexi_wages.frequency_on_wage,
    flexi_wages.premium_frequency_missing, flexi_wages.frequency_outside_domain,
    # against Dimona, and the deadline (warnings)
    flexi_wages.no_flexi_period, flexi_wages.late,
)

RECEPTION_FIELDS = tuple(f for f in Reception.model_fields if f not in Event.model_fields)


def result_of(anomalies: Iterable[Anomaly]) -> Result:
    """B when any anomaly blocks, W when only non-blocking ones, else A."""
    anomalies = list(anomalies)
    if any(a.severity == "B" for a in anomalies):
        return "B"
    return "W" if anomalies else "A"


def _anomalies(case: Case | RegistrationCase | SituationCase, ctx: Context,
               rules: tuple[Callable, ...] = RULES) -> list[Anomaly]:
    found: dict[str, Anomaly] = {}
    for rule in rules:
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
    if sub.declaration.daily_registration is not None:
        return decide_registration(sub, ctx)
    if sub.declaration.flexi_wage is not None:
        return decide_flexi_wage(sub, ctx)
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


def named_registration(case: RegistrationCase) -> int | None:
    """The registration a refused declaration is about: the one an update or cancel names;
    a refused create created none."""
    return case.registration.registration_id if case.action != "create" else None


def decide_registration(sub: DeclarationSubmitted, ctx: Context) -> DeclarationDecided:
    """Apply the daily registration's rules. The decision names the registration (the one
    created, or the one an update or cancel names, also when refused; a refused create has
    none) and its period, and carries the registration before and after."""
    case = open_registration_case(sub, ctx)
    anomalies = _anomalies(case, ctx, REGISTRATION_RULES)
    result = result_of(anomalies)
    after = case.after if result in ("A", "W") else None
    named = after or case.before
    reception = {name: getattr(sub, name) for name in RECEPTION_FIELDS}
    return DeclarationDecided(
        **reception, event_id=stable_id("decided", sub.declaration_id),
        occurred_at=sub.received_at, correlation_id=sub.correlation_id,
        causation_id=str(sub.event_id), declaration_type="DAILY_REGISTRATION",
        result=result, anomalies=tuple(anomalies),
        period_id=named.period_id if named else None,
        registration_id=after.registration_id if after else named_registration(case),
        registration_before=case.before, registration_after=after, rule_version=RULES_VERSION)


def decide_flexi_wage(sub: DeclarationSubmitted, ctx: Context) -> DeclarationDecided:
    """Apply the Flexi at work rules. The decision carries the situation before and after;
    refused, it leaves the situation as it was (no after)."""
    case = open_situation_case(sub, ctx)
    anomalies = _anomalies(case, ctx, FLEXI_WAGE_RULES)
    result = result_of(anomalies)
    reception = {name: getattr(sub, name) for name in RECEPTION_FIELDS}
    return DeclarationDecided(
        **reception, event_id=stable_id("decided", sub.declaration_id),
        occurred_at=sub.received_at, correlation_id=sub.correlation_id,
        causation_id=str(sub.event_id), declaration_type="FLEXI_WAGE",
        result=result, anomalies=tuple(anomalies), period_id=None,
        situation_before=case.before,
        situation_after=case.after if result in ("A", "W") else None,
        rule_version=RULES_VERSION)


def identified(sub: DeclarationSubmitted, ssin: str) -> DeclarationSubmitted:
    """The submission as it would have been with the SSIN the identification found."""
    worker = sub.declaration.worker or Worker()
    declaration = sub.declaration.model_copy(
        update={"worker": worker.model_copy(update={"ssin": ssin})})
    return sub.model_copy(update={"declaration": declaration})
