"""Flexi at work's rules (issue 23; docs/rules.md, "Flexi at work"): one test per rule and
code, on an in-memory context."""

import inspect
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.catalogue import catalogue
from schemas.declaration import Calculation
from schemas.events import DeclarationDecided, PeriodState, SituationState
from services.directory.domain import DirectoryEmployer
from services.validator.domain import (
    FLEXI_WAGE_RULES,
    REGISTRATION_RULES,
    RULES,
    decide,
    parties,
    result_of,
)
from services.validator.domain.flexi_wages import (
    BLOCK,
    PREMIUM,
    WAGE,
    deadline,
    debtor_keys,
)
from services.validator.domain.identifiers import nsso_check
from tests.unit.factories import KROON, PARC, FakeContext, submitted
from tests.unit.rulebook import OTHER_SSIN, SSIN, codes, period, utc

KEY = "175110801"  # Kroon, the debtor
UUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
SITUATION = f"{KEY}:{SSIN}:{UUID}"
EARLIER = 680725300001  # the declaration that opened the situation
NUMBER = 680725400099  # the declaration decided
ON_TIME = "2026-08-03 10:00"  # a payslip of July, calculated on 31 July
FLX = period("FLX", start=date(2026, 7, 4), end=date(2026, 7, 4), pid=680725377630)
"""One flexi day in July: the Dimona the July payslip is checked against."""
PROVISIONAL = 5000000100 + nsso_check(50000001)  # 5000000120, the domain's first
assert PROVISIONAL == 5000000120


def enterprise(base: int) -> str:
    """A valid enterprise number (10 digits, mod 97)."""
    return f"{base:08d}{97 - base % 97:02d}"


NEWCO = DirectoryEmployer(employer_id=PROVISIONAL, enterprise_number=enterprise(1234567),
                          name="Nieuwe Zaak")


def element(code: str = WAGE, amount: int | None = 45000, frequency: int | None = None
            ) -> dict:
    found = {"code": code, "amountCents": amount, "frequencyMonths": frequency}
    return {k: v for k, v in found.items() if v is not None}


def feature(*elements: dict, worker_code: str = "050", valid_from: str | None = None,
            valid_to: str | None = None) -> dict:
    found = {"employerCategory": "000", "workerCode": worker_code, "validFrom": valid_from,
             "validTo": valid_to, "financialElements": list(elements)}
    return {k: v for k, v in found.items() if v is not None}


WAGE_AND_PREMIUM = feature(element(), element(PREMIUM, 2500, 0))


def calculation(start: str = "2026-07-01", end: str = "2026-07-31", on: str = "2026-07-31",
                *features: dict) -> dict:
    return {"startDate": start, "endDate": end, "calculationDate": on,
            "features": list(features or (WAGE_AND_PREMIUM,))}


CALCULATION = calculation()


def flexi(action: str = "create", calc: dict | None = CALCULATION, *,
          debtor: dict | None = None, ssin: str = SSIN, **extra) -> dict:
    body = {"action": action, "debtor": debtor or {"employerId": int(KEY)},
            "beneficiary": {"ssin": ssin}, "relation": {"uuid": UUID.upper()},
            "calculation": calc, **extra}
    return {"flexiWage": {k: v for k, v in body.items() if v is not None}}


def modify(calc: dict | None = CALCULATION, **kw) -> dict:
    return flexi("modify", calc, **kw)


def cancel(calc: dict | None = None, **kw) -> dict:
    return flexi("cancel", calc, **kw)


def standing(calc: dict = CALCULATION, **changes) -> SituationState:
    """The situation a create (declaration EARLIER) opened with `calc`."""
    c = Calculation.model_validate(calc)
    wages = sum(e.amount_cents or 0 for f in c.features for e in f.financial_elements
                if e.code == WAGE)
    premiums = sum(e.amount_cents or 0 for f in c.features for e in f.financial_elements
                   if e.code == PREMIUM)
    return SituationState(situation_key=SITUATION, debtor_key=KEY, ssin=SSIN,
                          relation_uuid=UUID, ticket=EARLIER, calculation=c,
                          year=c.start_date.year, wages_cents=wages,
                          premiums_cents=premiums).model_copy(update=changes)


class FlexiContext(FakeContext):
    """The rules' context with Flexi at work situations, by key."""

    def __init__(self, *args, situations=(), **kw):
        super().__init__(*args, **kw)
        self.situations = {s.situation_key: s for s in situations}

    def situation(self, situation_key: str) -> SituationState | None:
        return self.situations.get(situation_key)


def declare(body: dict, *periods: PeriodState, situations=(), at: str = ON_TIME,
            employers=(KROON, PARC, NEWCO), **kw) -> DeclarationDecided:
    periods = periods or (FLX,)
    ctx = FlexiContext({p.period_id: p for p in periods}, employers=employers,
                       situations=situations)
    return decide(submitted(body, number=NUMBER, received=utc(at), **kw), ctx)


# --- the decision ---------------------------------------------------------------------------

def test_a_create_opens_the_situation_with_its_whole_payslip_and_totals():
    d = declare(flexi(payslipReference="2026-07/1",
                      relation={"uuid": UUID.upper(), "reference": "C-17"}))
    assert (d.result, codes(d), d.declaration_type) == ("A", [], "FLEXI_WAGE")
    assert (d.situation_before, d.period_id, d.period_after) == (None, None, None)
    assert d.situation_after == standing(ticket=NUMBER, relation_reference="C-17",
                                         payslip_reference="2026-07/1")
    after = d.situation_after
    assert (after.year, after.wages_cents, after.premiums_cents, after.version) == (
        2026, 45000, 2500, 1)
    assert after.relation_uuid == UUID  # lower case, as in the key


def test_the_totals_add_every_capacity_and_count_in_the_year_of_the_start_date():
    two = calculation("2026-12-01", "2026-12-31", "2027-01-02",
                      feature(element(), element(amount=5000), worker_code="050"),
                      feature(element(amount=100), element(PREMIUM, 700, 12),
                              element(PREMIUM, 300, 0), worker_code="450"))
    d = declare(flexi(calc=two), period("FLX", start=date(2026, 12, 24),
                                        end=date(2026, 12, 24)), at="2027-01-03 10:00")
    assert (d.result, d.situation_after.year) == ("A", 2026)
    assert (d.situation_after.wages_cents, d.situation_after.premiums_cents) == (50100, 1000)


def test_a_modify_replaces_the_whole_situation_never_a_difference():
    before = standing(payslip_reference="2026-07/1", relation_reference="C-17")
    new = calculation("2026-07-01", "2026-07-31", "2026-08-01",
                      feature(element(amount=30000), valid_from="2026-07-04"))
    d = declare(modify(new), situations=[before])
    assert (d.result, d.situation_before) == ("A", before)
    assert d.situation_after == standing(new, ticket=NUMBER, version=2)  # references gone
    assert (d.situation_after.wages_cents, d.situation_after.premiums_cents) == (30000, 0)


def test_a_cancel_keeps_the_payslip_and_marks_the_situation_cancelled():
    d = declare(cancel(), situations=[standing()])
    assert (d.result, codes(d)) == ("A", [])
    assert d.situation_after == standing(cancelled=True, version=2, ticket=NUMBER)


def test_a_refused_declaration_leaves_the_situation_as_it_was():
    d = declare(modify(calculation("2026-07-01", "2026-07-31", "2026-07-31",
                                   feature(element(), worker_code="051"))),
                situations=[standing()])
    assert (d.result, codes(d)) == ("B", ["01905-003"])
    assert (d.situation_before, d.situation_after) == (standing(), None)


def test_a_create_of_a_cancelled_situation_opens_it_again():
    gone = standing(cancelled=True, version=2)
    d = declare(flexi(), situations=[gone])
    assert (d.result, codes(d)) == ("A", [])
    assert d.situation_after == standing(ticket=NUMBER, version=3)


# --- which fields each action needs (-001) or forbids (-005) --------------------------------

def test_a_create_and_a_modify_give_the_calculation_a_cancel_none():
    assert codes(declare(flexi(calc=None))) == ["01900-001"]
    assert codes(declare(modify(None), situations=[standing()])) == ["01900-001"]
    assert codes(declare(cancel(CALCULATION), situations=[standing()])) == ["01900-005"]
    assert declare(flexi(calc=None)).situation_after is None


# --- the beneficiary, the debtor, the declarant and the channel ------------------------------

def test_an_invalid_ssin_is_refused():
    d = declare(flexi(ssin="85073003329"))
    assert codes(d) == ["00024-003"]  # and no relation is looked for


def test_an_invalid_debtor_number_is_refused_on_its_zone():
    assert codes(declare(flexi(debtor={"employerId": 175110802}))) == ["00011-003"]
    assert codes(declare(flexi(debtor={"employerId": PROVISIONAL + 1}))) == ["00948-003"]
    assert codes(declare(flexi(debtor={"enterpriseNumber": "0403170702"}))) == ["00014-003"]


def test_a_debtor_with_a_provisional_nsso_number_is_refused():
    d = declare(flexi(debtor={"employerId": PROVISIONAL}), FLX.model_copy(
        update={"employer_key": str(PROVISIONAL)}), declarant=NEWCO.enterprise_number)
    assert codes(d) == ["00948-005"]


def test_a_debtor_named_by_enterprise_number_is_provisional_when_the_directory_says_so():
    d = declare(flexi(debtor={"enterpriseNumber": NEWCO.enterprise_number}),
                FLX.model_copy(update={"employer_key": str(PROVISIONAL)}),
                declarant=NEWCO.enterprise_number)
    assert codes(d) == ["00948-005"]
    # an enterprise number the directory knows with a definitive number passes
    kroon = declare(flexi(debtor={"enterpriseNumber": KROON.enterprise_number}))
    assert codes(kroon) == []


def test_a_debtor_not_in_the_directory_is_refused_on_its_zone():
    unknown = 100006  # the first definitive number
    assert codes(declare(flexi(debtor={"employerId": unknown}))) == [
        "00011-235", "00024-152"]
    assert codes(declare(flexi(debtor={"enterpriseNumber": enterprise(7654321)}))) == [
        "00014-235", "00024-152"]


def test_a_declarant_needs_the_debtors_mandate():
    assert codes(declare(flexi(), declarant="0999999999")) == ["90256-155"]
    assert codes(declare(flexi(), declarant="0477472701")) == []  # the secretariat
    assert codes(declare(flexi(), declarant="0403170701")) == []  # Kroon itself


def test_a_debtor_on_secured_channels_only_takes_no_flexi_wage_without_token():
    parc = FLX.model_copy(update={"employer_key": PARC.key})
    body = flexi(debtor={"employerId": PARC.employer_id})
    assert codes(declare(body, parc, declarant=None, channel="web-unsecured")) == [
        "90256-342"]
    assert codes(declare(body, parc, declarant=PARC.enterprise_number)) == []


# --- the situation ----------------------------------------------------------------------------

def test_a_modify_or_a_cancel_of_an_unknown_situation():
    assert codes(declare(modify())) == [f"{BLOCK}-354"]
    assert codes(declare(cancel())) == [f"{BLOCK}-354"]


def test_a_cancelled_situation_takes_no_modify_and_no_second_cancel():
    gone = standing(cancelled=True, version=2)
    assert codes(declare(modify(), situations=[gone])) == ["90900-355"]
    assert codes(declare(cancel(), situations=[gone])) == ["90900-355"]


def test_a_create_of_a_standing_situation_is_refused_use_modify():
    d = declare(flexi(), situations=[standing()])
    assert (d.result, codes(d), d.situation_after) == ("B", ["90900-333"], None)
    other = flexi(relation={"uuid": "3f2504e0-4f89-41d3-9a0c-0305e82c3302"})
    assert codes(declare(other, situations=[standing()])) == []  # another relation


def test_a_situation_is_named_by_debtor_ssin_and_relation_uuid_in_any_case():
    assert codes(declare(modify(), situations=[standing()])) == []  # UUID sent upper case
    other_worker = standing().model_copy(update={"situation_key": f"{KEY}:{OTHER_SSIN}:{UUID}"})
    assert codes(declare(modify(), situations=[other_worker])) == ["90900-354"]


# --- the calculation period --------------------------------------------------------------------

def test_a_calculation_period_ending_before_its_start():
    d = declare(flexi(calc=calculation("2026-07-31", "2026-07-01")))
    assert codes(d) == ["01902-014"]


def test_a_calculation_period_over_31_december():
    d = declare(flexi(calc=calculation("2026-12-15", "2027-01-14", "2027-01-14")),
                period("FLX", start=date(2026, 12, 20)), at="2027-01-15 10:00")
    assert codes(d) == ["90900-421"]
    assert codes(declare(flexi(calc=calculation("2026-12-01", "2026-12-31", "2026-12-31")),
                         period("FLX", start=date(2026, 12, 20)),
                         at="2027-01-05 10:00")) == []


def test_a_capacitys_validity_lies_within_the_calculation_period():
    def valid(**dates):
        return declare(flexi(calc=calculation("2026-07-01", "2026-07-31", "2026-07-31",
                                              feature(element(), **dates))))
    assert codes(valid(valid_from="2026-06-30")) == ["01903-008"]
    assert codes(valid(valid_to="2026-08-01")) == ["01904-008"]
    assert codes(valid(valid_from="2026-07-20", valid_to="2026-07-10")) == ["01904-014"]
    assert codes(valid(valid_from="2026-07-01", valid_to="2026-07-31")) == []
    assert codes(valid(valid_from="2026-07-04", valid_to="2026-07-04")) == []


# --- the capacities and their financial elements ------------------------------------------------

@pytest.mark.parametrize(("worker_code", "found"), [
    ("050", []), ("450", []), ("051", ["01905-003"]), ("015", ["01905-003"]),
    ("000", ["01905-003"])])
def test_the_worker_code_is_050_or_450(worker_code, found):
    body = flexi(calc=calculation("2026-07-01", "2026-07-31", "2026-07-31",
                                  feature(element(), worker_code=worker_code)))
    assert codes(declare(body)) == found


def test_a_capacity_without_financial_element():
    body = flexi(calc=calculation("2026-07-01", "2026-07-31", "2026-07-31",
                                  WAGE_AND_PREMIUM, feature()))
    assert codes(declare(body)) == ["01906-001"]


def elements(*found: dict) -> dict:
    return flexi(calc=calculation("2026-07-01", "2026-07-31", "2026-07-31",
                                  feature(*found)))


def test_a_financial_element_code_other_than_wage_or_premium():
    assert codes(declare(elements(element(), element("0003001000", 100)))) == ["01906-003"]


def test_an_element_without_amount_or_with_a_negative_one():
    assert codes(declare(elements(element(amount=None)))) == ["01907-001"]
    assert codes(declare(elements(element(amount=-1)))) == ["01907-008"]
    assert codes(declare(elements(element(amount=0)))) == []  # a payslip of nothing


def test_a_wage_has_no_frequency_a_premium_one():
    assert codes(declare(elements(element(frequency=1)))) == ["01908-005"]
    assert codes(declare(elements(element(), element(PREMIUM, 500)))) == ["01908-001"]


@pytest.mark.parametrize(("months", "found"), [
    (0, []), (1, []), (3, []), (6, []), (12, []), (13, ["01908-008"]),
    (24, ["01908-008"]), (-1, ["01908-008"])])
def test_a_premiums_frequency_is_one_off_or_every_1_to_12_months(months, found):
    assert codes(declare(elements(element(), element(PREMIUM, 500, months)))) == found


# --- against Dimona (00024-152, a warning) ---------------------------------------------------

def test_without_a_flexi_dimona_of_the_debtor_and_worker_the_wage_is_accepted_with_a_warning():
    d = declare(flexi(), period("OTH", start=date(2026, 1, 1)))  # not a flexi-job
    assert (d.result, codes(d)) == ("W", ["00024-152"])
    assert d.situation_after == standing(ticket=NUMBER)  # a warning changes nothing else
    assert catalogue()["00024-152"].severity == "NP"


@pytest.mark.parametrize(("start", "end", "found"), [
    (date(2026, 7, 31), date(2026, 7, 31), []),  # the last day of the calculation period
    (date(2026, 6, 1), date(2026, 7, 1), []),  # ends on its first day
    (date(2026, 6, 1), None, []),  # an open FLX period
    (date(2026, 6, 1), date(2026, 6, 30), ["00024-152"]),  # the month before
    (date(2026, 8, 1), None, ["00024-152"]),  # starts after
])
def test_an_flx_period_sharing_a_day_with_the_calculation_period(start, end, found):
    assert codes(declare(flexi(), period("FLX", start=start, end=end))) == found


def test_a_cancelled_flx_period_or_one_of_another_employer_or_worker_does_not_count():
    assert codes(declare(flexi(), FLX.model_copy(update={"cancelled": True}))) == [
        "00024-152"]
    assert codes(declare(flexi(), FLX.model_copy(update={"employer_key": PARC.key}))) == [
        "00024-152"]
    assert codes(declare(flexi(), FLX.model_copy(update={"ssin": OTHER_SSIN}))) == [
        "00024-152"]


def test_the_debtors_dimona_under_its_other_number_counts():
    """A Dimona keyed by the enterprise number, a flexi wage naming the NSSO number (or
    the other way round): the same employer, as the directory says."""
    by_enterprise = FLX.model_copy(update={"employer_key": KROON.enterprise_number})
    assert codes(declare(flexi(), by_enterprise)) == []
    body = flexi(debtor={"enterpriseNumber": KROON.enterprise_number})
    assert codes(declare(body)) == []  # the period is keyed by the NSSO number
    assert debtor_keys(submitted(body).declaration.flexi_wage.debtor,
                       FlexiContext().directory) == (KROON.enterprise_number, KEY)


def test_a_cancel_is_not_checked_against_dimona():
    assert codes(declare(cancel(), period("OTH"), situations=[standing()])) == []


# --- the deadline (90900-460, a warning) -----------------------------------------------------

def test_the_deadline_is_5_days_after_the_end_of_the_calculation_dates_month():
    """Weekly payslips of 7, 14, 21 and 28 February may be sent together by 5 March."""
    for day in (7, 14, 21, 28):
        assert deadline(date(2026, 2, day)) == utc("2026-03-06 00:00").replace(tzinfo=None)
    assert deadline(date(2026, 7, 31)) == utc("2026-08-06 00:00").replace(tzinfo=None)
    assert deadline(date(2028, 2, 29)) == utc("2028-03-06 00:00").replace(tzinfo=None)
    assert deadline(date.max) > utc("9999-12-30 00:00").replace(tzinfo=None)


def february(on: str) -> dict:
    return flexi(calc=calculation("2026-02-01", "2026-02-28", on))


@pytest.mark.parametrize(("on", "at", "found"), [
    ("2026-02-07", "2026-03-05 23:59", []),  # grouped with the month's last payslip
    ("2026-02-28", "2026-03-05 23:59", []),
    ("2026-02-28", "2026-03-06 00:00", ["90900-460"]),
    ("2026-02-07", "2026-03-06 00:30", ["90900-460"]),  # still 5 March in UTC
    ("2026-02-28", "2026-02-20 10:00", []),  # calculated in advance
])
def test_a_flexi_wage_received_after_its_deadline_is_accepted_with_a_warning(on, at, found):
    flexi_day = period("FLX", start=date(2026, 2, 14), end=date(2026, 2, 14))
    d = declare(february(on), flexi_day, at=at)
    assert codes(d) == found
    assert d.result == ("W" if found else "A") and d.situation_after is not None


def test_a_late_modify_warns_a_late_cancel_does_not():
    late = "2026-09-01 10:00"
    assert codes(declare(modify(), situations=[standing()], at=late)) == ["90900-460"]
    assert codes(declare(cancel(), situations=[standing()], at=late)) == []
    assert catalogue()["90900-460"].severity == "NP"


# --- the rulebook ------------------------------------------------------------------------------

def test_the_flexi_wages_rules_are_their_own_and_every_code_is_in_the_catalogue():
    assert set(FLEXI_WAGE_RULES) & set(RULES) == {parties.no_mandate,
                                                  parties.secured_channel_only}
    assert not set(FLEXI_WAGE_RULES) & (set(REGISTRATION_RULES) - set(RULES))
    source = "".join(inspect.getsource(m) for m in
                     {inspect.getmodule(r) for r in FLEXI_WAGE_RULES})
    literal = set(re.findall(r'"(\d{5}-\d{3})"', source))
    zones = dict(re.findall(r'(\w+) = "(\d{5})"', source))
    for names, values in re.findall(r'^([A-Z_, ]+) = ("\d{5}"(?:, "\d{5}")*)$', source,
                                    re.MULTILINE):
        zones |= dict(zip([n.strip() for n in names.split(",")],
                          re.findall(r"\d{5}", values), strict=True))
    by_name = {f"{zones[name]}-{n}" for name, n in re.findall(r"\{([A-Z_]+)\}-(\d{3})",
                                                               source)}
    assert len(by_name) == 19 and {"90900-460", "01900-001", "01908-008"} <= by_name
    assert sorted((literal | by_name) - set(catalogue())) == []
    project = {c for c in catalogue() if c.startswith(("019", "90900"))} | {"00948-005"}
    assert project <= by_name | literal
    warnings = {c for c in by_name | literal if catalogue()[c].severity == "NP"}
    assert warnings == {"00024-152", "90900-460"}


def test_a_dimona_in_is_decided_by_the_dimona_rules_alone():
    in_body = {"employer": {"employerId": 175110801}, "worker": {"ssin": SSIN},
               "dimonaIn": {"startDate": "2026-07-08", "features": {
                   "jointCommissionNumber": "XXX", "workerType": "OTH"}}}
    d = declare(in_body, at="2026-07-01 10:00")
    assert (d.result, d.situation_before, d.situation_after) == ("A", None, None)
    assert d.period_after is not None


DATES = st.dates(date(2025, 11, 1), date(2027, 2, 28)).map(date.isoformat)
ELEMENTS = st.builds(element, st.sampled_from([WAGE, PREMIUM, "0003001000"]),
                     st.none() | st.integers(-100, 10**7),
                     st.none() | st.integers(-1, 14))
FEATURES = st.builds(lambda els, code, vf, vt: feature(*els, worker_code=code,
                                                       valid_from=vf, valid_to=vt),
                     st.lists(ELEMENTS, max_size=3), st.sampled_from(["050", "450", "051"]),
                     st.none() | DATES, st.none() | DATES)
CALCULATIONS = st.none() | st.builds(lambda s, e, on, fs: calculation(s, e, on, *fs),
                                     DATES, DATES, DATES, st.lists(FEATURES, min_size=1,
                                                                   max_size=2))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(action=st.sampled_from(["create", "modify", "cancel"]), calc=CALCULATIONS,
       known=st.sampled_from([None, False, True]), at=DATES)
def test_any_flexi_wage_gets_a_consistent_decision(action, calc, known, at):
    situations = [] if known is None else [standing(cancelled=known)]
    d = declare(flexi(action, calc), situations=situations, at=f"{at} 10:00")
    assert d.result in ("A", "W", "B") and d.result == result_of(d.anomalies)
    assert (d.situation_after is None) == (d.result == "B")
    assert d.situation_before == (situations[0] if situations else None)
    if d.situation_after is not None:
        after = d.situation_after
        assert (after.situation_key, after.ticket, after.cancelled) == (
            SITUATION, NUMBER, action == "cancel")
        assert after.version == (d.situation_before.version + 1 if d.situation_before else 1)
        assert after.calculation.start_date.year == after.calculation.end_date.year
        assert after.wages_cents >= 0 and after.premiums_cents >= 0
