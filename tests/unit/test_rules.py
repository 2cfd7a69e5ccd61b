"""The validator's rules, each with its anomaly code (dimona-facts §4.1)."""

import re
from datetime import date
from pathlib import Path

from schemas.catalogue import catalogue
from schemas.events import Anomaly, PeriodState
from services.validator import domain
from services.validator.domain import decide, result_of
from tests.unit.factories import IN, FakeContext, submitted

PERIOD = PeriodState(period_id=680725377630, employer_key="175110801", ssin="85073003328",
                     joint_commission_number="XXX", worker_type="FLX",
                     start_date=date(2026, 7, 8), start_hour="0800",
                     end_date=date(2026, 7, 8), end_hour="1400")


def codes(decision) -> list[str]:
    return [a.code for a in decision.anomalies]


def test_a_correct_in_is_accepted_and_opens_its_period():
    d = decide(submitted(IN), FakeContext())
    assert (d.result, codes(d), d.period_id) == ("A", [], 680725377630)
    assert d.period_after.ssin == "85073003328"
    assert d.period_after.end_hour == "1400" and d.period_before is None


def test_invalid_ssin_is_refused_with_00024_003():
    d = decide(submitted({**IN, "worker": {"ssin": "72011136173"}}), FakeContext())
    assert (d.result, codes(d), d.period_id, d.period_after) == ("B", ["00024-003"], None, None)


def test_unknown_nsso_number_is_refused_with_00011_235():
    d = decide(submitted({**IN, "employer": {"employerId": 199999934}}), FakeContext())
    assert (d.result, codes(d)) == ("B", ["00011-235"])


def test_unknown_enterprise_number_is_refused_with_00014_235():
    body = {**IN, "employer": {"enterpriseNumber": "0876543270"}}
    assert codes(decide(submitted(body), FakeContext())) == ["00014-235"]
    body = {**IN, "employer": {"enterpriseNumber": "403170701"}}  # leading zero dropped
    assert codes(decide(submitted(body), FakeContext())) == []


def test_both_anomalies_are_reported_together():
    body = {**IN, "employer": {"employerId": 1}, "worker": {"ssin": "1"}}
    assert codes(decide(submitted(body), FakeContext())) == ["00024-003", "00011-235"]


def test_change_on_an_unknown_period_is_refused_with_00913_354():
    d = decide(submitted({"dimonaCancel": {"periodId": 680725377729}}), FakeContext())
    assert (d.result, codes(d)) == ("B", ["00913-354"])


def test_out_closes_the_period():
    ctx = FakeContext({PERIOD.period_id: PERIOD})
    d = decide(submitted({"dimonaOut": {"periodId": PERIOD.period_id, "endDate": "2026-07-09",
                                        "endHour": "0200"}}, number=680725377729), ctx)
    assert d.result == "A" and d.period_before == PERIOD
    assert (d.period_after.end_date, d.period_after.end_hour) == (date(2026, 7, 9), "0200")
    assert d.period_after.version == 2 and d.period_id == PERIOD.period_id


def test_update_with_9999_12_31_reopens_the_period():
    ctx = FakeContext({PERIOD.period_id: PERIOD})
    d = decide(submitted({"dimonaUpdate": {"periodId": PERIOD.period_id,
                                           "endDate": "9999-12-31"}}), ctx)
    assert (d.period_after.end_date, d.period_after.end_hour) == (None, None)


def test_cancel_marks_the_period_cancelled():
    ctx = FakeContext({PERIOD.period_id: PERIOD})
    d = decide(submitted({"dimonaCancel": {"periodId": PERIOD.period_id}}), ctx)
    assert d.period_after.cancelled and not d.period_before.cancelled


def test_result_of():
    assert result_of([]) == "A"
    assert result_of([Anomaly(code="x", severity="NP", label_nl="", label_fr="",
                              label_en="")]) == "W"
    assert result_of([Anomaly.of("00024-003")]) == "B"


def test_decisions_are_deterministic():
    sub = submitted(IN)
    assert decide(sub, FakeContext()).model_dump_json() == decide(
        sub, FakeContext()).model_dump_json()


def test_every_code_the_rules_can_emit_is_in_the_catalogue():
    source = Path(domain.__file__).read_text()
    emitted = set(re.findall(r'"(\d{5}-\d{3})"', source))
    assert emitted, "the rules emit codes"
    assert emitted <= set(catalogue()), emitted - set(catalogue())
    for entry in catalogue().values():
        assert entry.severity in ("B", "NP") and entry.nl and entry.fr and entry.en
