"""Quotas (docs/sources.md §7): the amount over the quota travels with the anomaly."""

from datetime import date

from tests.unit.factories import FakeContext
from tests.unit.rulebook import SSIN, dimona_in, run

YEAR = 2026


def student(hours: int) -> dict:
    return dimona_in("STU", endDate="2026-07-31", plannedHoursNumber=hours)


def used(kind: str, subject: str, *entries: dict) -> FakeContext:
    return FakeContext(quotas={(kind, subject, YEAR): {
        680725300001 + i: e for i, e in enumerate(entries)}})


def quota_of(decision):
    [anomaly] = decision.anomalies
    return anomaly.code, anomaly.severity, anomaly.quota.model_dump(exclude_none=True)


def test_students_650_hours_a_year_across_employers():
    ctx = used("STUDENT", SSIN, {"hours": 600})
    assert run(student(50), ctx=ctx).result == "A"
    d = run(student(80), ctx=ctx)
    assert d.result == "W"
    assert quota_of(d) == ("90017-369", "NP", {"quota_type": "STUDENT", "limit": 650,
                                               "exceeding_hours": 30})
    assert d.period_after is not None  # a warning: the period is registered


def test_horeca_extras_50_days_per_worker_and_200_per_employer():
    day = dimona_in("EXT", "302", start="2026-07-30", endDate="2026-07-30", startHour="1000",
                    endHour="1500")
    days = [{"days": [date(YEAR, 1, 1).replace(day=1 + i % 28, month=1 + i // 28).isoformat()]}
            for i in range(50)]
    d = run(day, ctx=used("HORECA_WORKER", SSIN, *days))
    assert quota_of(d) == ("90017-369", "NP", {"quota_type": "HORECA_WORKER", "limit": 50,
                                               "exceeding_days": 1})
    # the same day already counted does not count twice
    same = used("HORECA_WORKER", SSIN, *days[:49], {"days": ["2026-07-30"]})
    assert run(day, ctx=same).result == "A"
    busy = [{"days": [f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}"]} for i in range(200)]
    d = run(day, ctx=used("HORECA_EMPLOYER", "175110801", *busy))
    assert quota_of(d) == ("90256-369", "NP", {"quota_type": "HORECA_EMPLOYER", "limit": 200,
                                               "exceeding_days": 1})


def test_article_17_limits_block():
    o17 = dimona_in("O17", endDate="2026-07-20", start="2026-07-20", plannedHoursNumber=20)
    ctx = used("ARTICLE17", SSIN, {"type": "O17", "quarter": 3, "hours": 180})
    d = run(o17, ctx=ctx, at="2026-07-10 10:00")
    assert (d.result, d.period_after) == ("B", None)
    assert quota_of(d) == ("90017-369", "B", {"quota_type": "A17_QUARTER_OTHER", "limit": 190,
                                              "exceeding_hours": 10})
    year = used("ARTICLE17", SSIN, {"type": "S17", "quarter": 1, "hours": 100},
                {"type": "S17", "quarter": 2, "hours": 100}, {"type": "T17", "quarter": 2,
                                                              "days": 11})
    s17 = dimona_in("S17", endDate="2026-07-20", start="2026-07-20", plannedHoursNumber=20)
    assert quota_of(run(s17, ctx=year, at="2026-07-10 10:00")) == (
        "90017-369", "B", {"quota_type": "A17_YEAR_SPORT", "limit": 300, "exceeding_hours": 8})
    t17 = dimona_in("T17", endDate="2026-07-20", start="2026-07-20")
    tv = used("ARTICLE17", SSIN, *[{"type": "T17", "quarter": 1, "days": 1}] * 25)
    assert quota_of(run(t17, ctx=tv, at="2026-07-10 10:00"))[0:2] == ("90017-369", "B")
