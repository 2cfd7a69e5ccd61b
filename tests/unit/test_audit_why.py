"""Why the validator answered as it did, in the audit log: each anomaly with the rules that
can raise it, each decision with the facts the rules read (the period before, the quotas,
the employer's directory entry as of reception)."""

from __future__ import annotations

from datetime import timedelta

from services.audit.domain import decision_entry, text
from tests.unit.rulebook import SSIN, dimona_in, period, run
from tests.unit.test_rules_quotas import used

KROON_THEN = {"employerId": 175110801, "name": "Brasserie De Kroon", "active": True,
              "mandates": [{"declarant": "0477472701", "employerId": 175110801,
                            "from": "2020-01-01", "to": None}]}


def test_each_anomaly_names_its_rule_and_the_decision_its_facts():
    cards = {"constructionControlCards": {"firstMonthC32ANumber": "123456789012"}}
    decision = run(dimona_in(**cards))
    entry = decision_entry(7, decision.received_at, decision, KROON_THEN).to_json()
    [anomaly] = entry["anomalies"]
    assert anomaly["rules"] == [{
        "function": "services.validator.domain.sectors.control_cards_presence",
        "summary": "Both cards when the block is due or given (each zone is indispensable in "
                   "its block); none when it is forbidden.",
        "source": "docs/sources.md §2.2, §6.1, §11 item 4"}]
    assert entry["facts"] == {"periodBefore": None, "quotas": [], "employer": KROON_THEN}


def test_the_facts_hold_the_period_before_and_the_quota_exceeded():
    out = run({"dimonaOut": {"periodId": 680725377630, "endDate": "2026-07-20"}},
              period("STU", end=None))
    facts = decision_entry(1, out.received_at, out).to_json()["facts"]
    assert facts["employer"] is None  # the directory did not know it then
    assert facts["periodBefore"]["periodId"] == 680725377630
    assert (facts["periodBefore"]["workerType"], facts["periodBefore"]["endDate"]) == (
        "STU", None)
    student = run(dimona_in("STU", endDate="2026-07-31", plannedHoursNumber=80),
                  ctx=used("STUDENT", SSIN, {"hours": 600}))
    assert decision_entry(1, student.received_at, student).to_json()["facts"]["quotas"] == [
        {"code": "90017-369", "quotaType": "STUDENT", "limit": 650, "exceedingHours": 30}]


def test_the_readable_timeline_says_which_rule_raised_each_anomaly():
    late = run(dimona_in(start="2026-06-01"), at="2026-07-01 10:00")
    lines = text(decision_entry(3, late.received_at + timedelta(seconds=1), late))
    assert lines[1:] == [
        " " * 8 + "anomaly 90373-460 (NP) Late declaration",
        " " * 10 + "90373-460 ← deadlines.late (docs/sources.md §5): Deadlines, from the "
                   "reception timestamp only (docs/sources.md §5; docs/rules.md)."]


def test_a_code_no_rule_of_this_version_yields_is_said_so():
    late = run(dimona_in(start="2026-06-01"), at="2026-07-01 10:00")
    entry = decision_entry(3, late.received_at, late)
    entry.details["anomalies"][0]["rules"] = []  # as for a code a later version dropped
    assert text(entry)[2].strip() == "90373-460 ← no rule of this version yields it"
