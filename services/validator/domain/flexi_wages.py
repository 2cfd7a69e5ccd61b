"""Flexi at work: the wage data of one payslip of a flexi-jobber, checked against Dimona
(docs/sources.md §7.6, seed 004; docs/rules.md, "Flexi at work").

A flexi wage is a declaration of its own kind, with its own rules, listed in
FLEXI_WAGE_RULES (services.validator.domain) in the order their anomalies are reported. It
names a situation: debtor + beneficiary SSIN + relation UUID (`FlexiWage.situation_key`).
`create` opens it, `modify` replaces it whole (cancel and replace, never a difference),
`cancel` withdraws it. Its employer is its debtor (`Declaration.own_employer`). The party
rules it shares with the Dimona (parties.no_mandate, parties.secured_channel_only) read only
`sub`, `employer` and `today`, which a SituationCase has too.

Codes: the Annex 30 code 152 on the SSIN's zone (00024-152), the glossary's where their
meaning fits (00024-003, xx-003, xx-235, 90256-155, 90256-342), and otherwise the project's
own: block 90900 for the FLXWAGE form and zones 01900-01908 for its fields, with the
glossary's suffixes (-001 missing, -003 invalid, -005 not allowed, -008 outside the allowed
domain, -014 before the start, -333 duplicate, -354 unknown, -355 already cancelled, -421
not in the same period, -460 late); 00948-005 a provisional NSSO number not allowed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from schemas.declaration import (
    Calculation,
    Declaration,
    Employer,
    FinancialElement,
    FlexiWage,
    SituationAction,
)
from schemas.events import DeclarationSubmitted, PeriodState, SituationState
from services.directory.domain import Directory, DirectoryEmployer
from services.validator.domain.case import Context
from services.validator.domain.identifiers import (
    PROVISIONAL_NSSO,
    employer_zone,
    valid_employer_number,
    valid_ssin,
)
from services.validator.domain.moments import end_of, local

BLOCK = "90900"
"""The project's block of the FLXWAGE form (no glossary block carries it)."""
CALCULATION, START_DATE, END_DATE = "01900", "01901", "01902"
VALID_FROM, VALID_TO, WORKER_CODE = "01903", "01904", "01905"
ELEMENT_CODE, AMOUNT, FREQUENCY = "01906", "01907", "01908"
"""The project's zones of the FLXWAGE form's fields (docs/rules.md, "Flexi at work")."""
WAGE, PREMIUM = "0001001000", "0002001000"
"""The financial elements' codes: a flexi wage, a premium."""
WORKER_CODES = frozenset({"050", "450"})
"""050 flexi workers, 450 flexi employees."""
FREQUENCIES = range(0, 13)
"""A premium's frequency in months: 0 one-off or irregular, n every n months (1 monthly
or more often, 3 quarterly, 6 half-yearly, 12 yearly)."""
DEADLINE_DAYS = 5
"""Calendar days after the end of the month of the payslip's calculation date."""
FLEXI_WORKER_TYPE = "FLX"


@dataclass(frozen=True)
class SituationCase:
    sub: DeclarationSubmitted
    received: datetime
    """The reception timestamp, Belgian local time: the only clock the rules read."""
    before: SituationState | None
    """The situation as it stands (None: unknown)."""
    after: SituationState | None
    """The situation as this declaration would leave it (None: there is none)."""
    employer: DirectoryEmployer | None
    """The directory's entry of the debtor."""

    @property
    def declaration(self) -> Declaration:
        return self.sub.declaration

    @property
    def wage(self) -> FlexiWage:
        return self.sub.declaration.flexi_wage

    @property
    def action(self) -> SituationAction:
        return self.wage.action

    @property
    def debtor(self) -> Employer:
        return self.wage.debtor

    @property
    def ssin(self) -> str:
        return self.wage.beneficiary.ssin

    @property
    def calculation(self) -> Calculation | None:
        """The payslip a create or a modify gives (a cancel gives none)."""
        return self.wage.calculation if self.action != "cancel" else None

    @property
    def elements(self) -> list[FinancialElement]:
        calculation = self.calculation
        return [e for f in calculation.features for e in f.financial_elements] if (
            calculation) else []

    @property
    def today(self) -> date:
        return self.received.date()


def total(calculation: Calculation, code: str) -> int:
    return sum(e.amount_cents or 0 for f in calculation.features for e in f.financial_elements
               if e.code == code)


def situation_after(sub: DeclarationSubmitted, before: SituationState | None
                    ) -> SituationState | None:
    """The situation as the declaration would leave it, if accepted: a create or a modify
    gives it whole, its totals counted in the year of its calculation period's start; a
    cancel marks it cancelled. Each names this declaration as its ticket."""
    wage = sub.declaration.flexi_wage
    version = before.version + 1 if before is not None else 1
    if wage.action == "cancel":
        return before.model_copy(update={"cancelled": True, "version": version,
                                         "ticket": sub.declaration_id}) if before else None
    calculation = wage.calculation
    if calculation is None:
        return None
    return SituationState(
        situation_key=wage.situation_key, debtor_key=wage.debtor.key,
        ssin=wage.beneficiary.ssin, relation_uuid=wage.relation.uuid.lower(),
        ticket=sub.declaration_id, relation_reference=wage.relation.reference,
        payslip_reference=wage.payslip_reference, calculation=calculation,
        year=calculation.start_date.year, wages_cents=total(calculation, WAGE),
        premiums_cents=total(calculation, PREMIUM), version=version)


def debtor_of(debtor: Employer, directory: Directory) -> DirectoryEmployer | None:
    return directory.employers.find(debtor.employer_id, debtor.enterprise_number)


def debtor_keys(debtor: Employer, directory: Directory) -> tuple[str, ...]:
    """The keys the debtor's Dimona periods may be recorded under: the number the flexi
    wage gives and, when the directory knows the debtor, its NSSO and enterprise numbers
    (a Dimona keyed by the other number is the same employer)."""
    keys = [debtor.key]
    known = debtor_of(debtor, directory)
    if known is not None:
        keys.append(known.key)
        if known.enterprise_number:
            keys.append(str(known.enterprise_number).zfill(10))
    return tuple(dict.fromkeys(keys))


def open_situation_case(sub: DeclarationSubmitted, ctx: Context) -> SituationCase:
    wage = sub.declaration.flexi_wage
    before = ctx.situation(wage.situation_key)
    return SituationCase(sub=sub, received=local(sub.received_at), before=before,
                         after=situation_after(sub, before),
                         employer=debtor_of(wage.debtor, ctx.directory))


# --- which fields each action needs (-001) or forbids (-005) --------------------------------

def calculation_presence(case: SituationCase, ctx: Context) -> Iterator[str]:
    """Zone 01900: a create and a modify give the whole payslip; a cancel gives none."""
    given = case.wage.calculation is not None
    if case.action != "cancel" and not given:
        yield f"{CALCULATION}-001"
    elif case.action == "cancel" and given:
        yield f"{CALCULATION}-005"


# --- the beneficiary and the debtor ---------------------------------------------------------

def ssin_invalid(case: SituationCase, ctx: Context) -> Iterator[str]:
    if not valid_ssin(case.ssin):
        yield "00024-003"


def debtor_number_invalid(case: SituationCase, ctx: Context) -> Iterator[str]:
    """xx-003 on the zone of the number given, as for a Dimona's employer."""
    if not valid_employer_number(case.debtor):
        yield f"{employer_zone(case.debtor)}-003"


def provisional_number(case: SituationCase) -> bool:
    """A provisional NSSO number (10 digits 5xxxxxxxCC, docs/sources.md §8.3): the one the
    flexi wage gives, else the one the directory knows for the enterprise number."""
    number = case.debtor.employer_id
    if number is None and case.employer is not None:
        number = case.employer.employer_id
    return number is not None and number in PROVISIONAL_NSSO


def debtor_provisional(case: SituationCase, ctx: Context) -> Iterator[str]:
    """00948-005: Flexi at work takes no debtor with a provisional NSSO number (an invalid
    number gets its -003 instead)."""
    if valid_employer_number(case.debtor) and provisional_number(case):
        yield "00948-005"


def debtor_not_in_directory(case: SituationCase, ctx: Context) -> Iterator[str]:
    """xx-235 on the zone of the number given (only for a number with valid check digits)."""
    if case.employer is None and valid_employer_number(case.debtor):
        yield f"{employer_zone(case.debtor)}-235"


# --- the situation --------------------------------------------------------------------------

def unknown_situation(case: SituationCase, ctx: Context) -> Iterator[str]:
    """A modify or a cancel names a situation a create opened."""
    if case.action != "create" and case.before is None:
        yield f"{BLOCK}-354"


def situation_cancelled(case: SituationCase, ctx: Context) -> Iterator[str]:
    """A cancelled situation takes no modify and no second cancel (a create opens it
    again)."""
    if case.action != "create" and case.before is not None and case.before.cancelled:
        yield f"{BLOCK}-355"


def situation_exists(case: SituationCase, ctx: Context) -> Iterator[str]:
    """A create of a situation that stands: a new payslip of the same relation is a modify
    (it replaces the situation) or another relation UUID."""
    if case.action == "create" and case.before is not None and not case.before.cancelled:
        yield f"{BLOCK}-333"


# --- the calculation period -----------------------------------------------------------------

def end_before_start(case: SituationCase, ctx: Context) -> Iterator[str]:
    c = case.calculation
    if c is not None and c.end_date < c.start_date:
        yield f"{END_DATE}-014"


def crosses_year(case: SituationCase, ctx: Context) -> Iterator[str]:
    """A calculation period lies within one calendar year: the income counter is yearly."""
    c = case.calculation
    if c is not None and c.start_date <= c.end_date and c.start_date.year != c.end_date.year:
        yield f"{BLOCK}-421"


def _outside(day: date | None, c: Calculation) -> bool:
    return day is not None and not c.start_date <= day <= c.end_date


def valid_from_outside_period(case: SituationCase, ctx: Context) -> Iterator[str]:
    """A capacity's validity lies within the calculation period."""
    c = case.calculation
    if c is not None and any(_outside(f.valid_from, c) for f in c.features):
        yield f"{VALID_FROM}-008"


def valid_to_outside_period(case: SituationCase, ctx: Context) -> Iterator[str]:
    c = case.calculation
    if c is not None and any(_outside(f.valid_to, c) for f in c.features):
        yield f"{VALID_TO}-008"


def valid_to_before_valid_from(case: SituationCase, ctx: Context) -> Iterator[str]:
    c = case.calculation
    if c is not None and any(f.valid_from is not None and f.valid_to is not None
                             and f.valid_to < f.valid_from for f in c.features):
        yield f"{VALID_TO}-014"


# --- the capacities and their financial elements --------------------------------------------

def worker_code_invalid(case: SituationCase, ctx: Context) -> Iterator[str]:
    """050 (flexi worker) or 450 (flexi employee)."""
    c = case.calculation
    if c is not None and any(f.worker_code not in WORKER_CODES for f in c.features):
        yield f"{WORKER_CODE}-003"


def no_financial_element(case: SituationCase, ctx: Context) -> Iterator[str]:
    """Every capacity carries at least one amount."""
    c = case.calculation
    if c is not None and any(not f.financial_elements for f in c.features):
        yield f"{ELEMENT_CODE}-001"


def element_code_invalid(case: SituationCase, ctx: Context) -> Iterator[str]:
    if any(e.code not in (WAGE, PREMIUM) for e in case.elements):
        yield f"{ELEMENT_CODE}-003"


def amount_missing(case: SituationCase, ctx: Context) -> Iterator[str]:
    if any(e.amount_cents is None for e in case.elements):
        yield f"{AMOUNT}-001"


def amount_negative(case: SituationCase, ctx: Context) -> Iterator[str]:
    """A gross amount is zero or more: a correction is a modify, never a negative line."""
    if any(e.amount_cents is not None and e.amount_cents < 0 for e in case.elements):
        yield f"{AMOUNT}-008"


def frequency_on_wage(case: SituationCase, ctx: Context) -> Iterator[str]:
    """Only a premium has a frequency."""
    if any(e.code == WAGE and e.frequency_months is not None for e in case.elements):
        yield f"{FREQUENCY}-005"


def premium_frequency_missing(case: SituationCase, ctx: Context) -> Iterator[str]:
    if any(e.code == PREMIUM and e.frequency_months is None for e in case.elements):
        yield f"{FREQUENCY}-001"


def frequency_outside_domain(case: SituationCase, ctx: Context) -> Iterator[str]:
    """A premium's frequency is 0 (one-off or irregular) or every 1 to 12 months."""
    if any(e.code == PREMIUM and e.frequency_months is not None
           and e.frequency_months not in FREQUENCIES for e in case.elements):
        yield f"{FREQUENCY}-008"


# --- against Dimona, and the deadline (warnings) --------------------------------------------

def overlaps(p: PeriodState, c: Calculation) -> bool:
    """A period (whole days, open when it has no end) shares a day with the calculation
    period."""
    return p.start_date <= c.end_date and (p.end_date is None or c.start_date <= p.end_date)


def no_flexi_period(case: SituationCase, ctx: Context) -> Iterator[str]:
    """00024-152 (NP, Annex 30 code 152: no employment relation found for the period): no
    accepted, not cancelled Dimona FLX period of the debtor and the beneficiary shares a
    day with the calculation period. Every debtor is checked, a sector fund too (the
    directory does not say which debtors are funds): a warning does not block. An invalid
    SSIN or debtor number names no relation: its -003 says enough."""
    c = case.calculation
    if (c is None or c.end_date < c.start_date or not valid_ssin(case.ssin)
            or not valid_employer_number(case.debtor)):
        return
    periods = [p for key in debtor_keys(case.debtor, ctx.directory)
               for p in ctx.relation(key, case.ssin)]
    if not any(p.worker_type == FLEXI_WORKER_TYPE and not p.cancelled and overlaps(p, c)
               for p in periods):
        yield "00024-152"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def deadline(calculation_date: date) -> datetime:
    """The midnight ending the 5th day after the last day of the calculation date's month,
    Belgian time: the payslips of one month may be sent together, 5 days after the last one
    (weekly payslips of 7, 14, 21 and 28 February by 5 March)."""
    last = month_end(calculation_date)
    if last > date.max - timedelta(days=DEADLINE_DAYS):
        return datetime.max
    return end_of(last + timedelta(days=DEADLINE_DAYS))


def late(case: SituationCase, ctx: Context) -> Iterator[str]:
    """90900-460 (NP): a create or a modify received after the deadline of its payslip's
    calculation date; a cancel has no deadline."""
    c = case.calculation
    if c is not None and case.received >= deadline(c.calculation_date):
        yield f"{BLOCK}-460"
