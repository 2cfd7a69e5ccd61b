"""The rulebook as a whole: results, the catalogue, robustness (docs/sources.md §3.1, §4)."""

import inspect
import re
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.catalogue import catalogue
from schemas.events import Anomaly
from services.validator import domain
from services.validator.domain import RULES, result_of
from services.validator.domain.case import BLOCK
from tests.unit.factories import FakeContext
from tests.unit.rulebook import codes, dimona_in, period, run

# Codes built on the declaration type's block (f"{case.block}-NNN"), and the types whose
# rules can emit them: every one must be in the catalogue.
BLOCK_CODES = {"460": ("IN", "OUT", "UPDATE", "CANCEL"), "343": ("IN", "UPDATE"),
               "421": ("IN", "UPDATE"), "341": ("IN", "UPDATE"), "333": ("IN", "UPDATE"),
               "334": ("IN", "UPDATE")}


def _rule_sources() -> str:
    return "".join(inspect.getsource(m) for m in {inspect.getmodule(r) for r in RULES})


def test_every_code_the_rules_can_emit_is_in_the_catalogue():
    source = _rule_sources()
    literal = set(re.findall(r'"(\d{5}-\d{3})"', source))
    by_block = set(re.findall(r'\{case\.block\}-(\d{3})', source))
    by_employer_zone = set(re.findall(r'\{employer_zone\([^)]*\)\}-(\d{3})', source))
    assert len(literal) > 40 and by_block == set(BLOCK_CODES) and by_employer_zone
    expanded = {f"{BLOCK[kind]}-{n}" for n, kinds in BLOCK_CODES.items() for kind in kinds}
    expanded |= {f"{zone}-{n}" for zone in ("00011", "00948", "00014")
                 for n in by_employer_zone}
    assert sorted((literal | expanded) - set(catalogue())) == []


def test_the_catalogue_has_three_languages_and_a_severity():
    for code, entry in catalogue().items():
        assert re.fullmatch(r"\d{5}-\d{3}", code) and entry.severity in ("B", "NP")
        assert entry.nl and entry.fr and entry.en, code


def test_result_of():
    assert result_of([]) == "A"
    assert result_of([Anomaly.of("90373-460")]) == "W"
    assert result_of([Anomaly.of("90373-460"), Anomaly.of("00024-003")]) == "B"


def test_a_refusal_leaves_the_register_unchanged_and_keeps_every_anomaly():
    d = run({**dimona_in("STU"), "employer": {"employerId": 1}, "worker": {"ssin": "1"}})
    assert (d.result, d.period_id, d.period_after) == ("B", None, None)
    assert codes(d) == ["00024-003", "00011-003", "00911-001", "01135-001"]


def test_a_correct_in_is_accepted_and_opens_its_period_under_its_number():
    d = run(dimona_in(), number=680725377630)
    assert (d.result, d.period_id, d.period_after.ssin) == ("A", 680725377630, "85073003328")


DATES = st.dates().map(lambda d: d.isoformat())
HOURS = st.none() | st.from_regex(r"\A([01][0-9]|2[0-3])[0-5][0-9]\Z")
DECLARATIONS = st.one_of(
    st.builds(lambda wt, jc, s, e, sh, eh, n: dimona_in(wt, jc, start=s, endDate=e,
                                                        startHour=sh, endHour=eh,
                                                        plannedHoursNumber=n),
              st.sampled_from(["OTH", "STU", "FLX", "EXT", "O17", "T17", "BCW", "ZZZ"]),
              st.sampled_from(["XXX", "302", "322", "124", "999"]), DATES, st.none() | DATES,
              HOURS, HOURS, st.none() | st.integers(-5, 1200)),
    st.builds(lambda e, h: {"dimonaOut": {"periodId": 680725377630, "endDate": e,
                                          "endHour": h}}, DATES, HOURS),
    st.builds(lambda s, e, h, n: {"dimonaUpdate": {"periodId": 680725377630, "startDate": s,
                                                   "endDate": e, "endHour": h,
                                                   "plannedHoursNumber": n}},
              st.none() | DATES, st.none() | DATES, HOURS, st.none() | st.integers(0, 1000)),
    st.just({"dimonaCancel": {"periodId": 680725377630}}))
WHEN = st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1)).map(
    lambda t: t.strftime("%Y-%m-%d %H:%M"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=DECLARATIONS, at=WHEN, wt=st.sampled_from(["FLX", "OTH", "STU", "EXT"]))
def test_any_declaration_gets_a_consistent_decision(body, at, wt):
    existing = period(wt, start_hour="1800" if wt in ("FLX", "EXT") else None)
    d = run(body, existing, at=at, ctx=FakeContext({existing.period_id: existing}))
    assert d.result == result_of(d.anomalies)  # every anomaly came from the catalogue
    assert (d.period_after is None) == (d.result in ("B", "S"))
    assert d == run(body, existing, at=at, ctx=FakeContext({existing.period_id: existing}))


def test_the_rule_modules_are_the_domain_package():
    assert all(inspect.getmodule(r).__name__.startswith(domain.__name__) for r in RULES)
