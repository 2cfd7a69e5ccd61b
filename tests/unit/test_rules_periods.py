"""The life of a period (docs/sources.md §2.1, §4.1, §11 item 8) and conflicts within a relation
(§11 item 7, §6.4)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.validator.domain.periods import span
from tests.unit.rulebook import OTHER_SSIN, SSIN, codes, dimona_in, period, run

OPEN = period("OTH")
CLOSED = period("OTH", end=date(2026, 7, 31))
PID = OPEN.period_id


def test_out_update_cancel_on_an_unknown_period():
    for body in ({"dimonaOut": {"periodId": PID, "endDate": "2026-07-31"}},
                 {"dimonaUpdate": {"periodId": PID, "endDate": "2026-07-31"}},
                 {"dimonaCancel": {"periodId": PID}}):
        d = run(body)
        assert (d.result, codes(d), d.period_after) == ("B", ["00913-354"], None)


def test_out_closes_an_open_period_and_refuses_a_closed_one():
    d = run({"dimonaOut": {"periodId": PID, "endDate": "2026-07-31"}}, OPEN, at="2026-07-31 09:00")
    assert (d.result, d.period_after.end_date, d.period_after.version) == (
        "A", date(2026, 7, 31), 2)
    d = run({"dimonaOut": {"periodId": PID, "endDate": "2026-07-31"}}, CLOSED)
    assert (d.result, codes(d)) == ("B", ["00913-356"])


def test_a_period_of_another_employer_or_worker():
    out = {"dimonaOut": {"periodId": PID, "endDate": "2026-07-31"}}
    assert codes(run({**out, "employer": {"employerId": 197100119}}, OPEN,
                     declarant="0876543270")) == ["00011-347"]
    assert codes(run({**out, "employer": {"enterpriseNumber": "0876543270"}}, OPEN,
                     declarant="0876543270")) == ["00014-347"]
    assert codes(run({**out, "employer": {"enterpriseNumber": "0403170701"}}, OPEN)) == []
    assert codes(run({**out, "worker": {"ssin": OTHER_SSIN}}, OPEN)) == ["00024-347"]


def test_a_cancelled_period_takes_nothing_more():
    cancelled = OPEN.model_copy(update={"cancelled": True})
    assert codes(run({"dimonaCancel": {"periodId": PID}}, cancelled)) == ["00913-355"]
    d = run({"dimonaCancel": {"periodId": PID}}, OPEN)
    assert (d.result, d.period_after.cancelled) == ("A", True)


def test_an_update_may_not_close_a_period_nor_change_nothing():
    assert codes(run({"dimonaUpdate": {"periodId": PID, "endDate": "2026-07-31"}}, OPEN)) == [
        "00913-359"]
    assert codes(run({"dimonaUpdate": {"periodId": PID, "endDate": "2026-07-31"}},
                     CLOSED)) == ["90378-444"]
    assert codes(run({"dimonaUpdate": {"periodId": PID}}, CLOSED)) == ["90378-360", "90378-444"]
    d = run({"dimonaUpdate": {"periodId": PID, "endDate": "2026-08-15"}}, CLOSED)
    assert (d.result, d.period_after.end_date) == ("A", date(2026, 8, 15))


def test_9999_12_31_reopens_a_period_unless_its_type_needs_an_end_date():
    d = run({"dimonaUpdate": {"periodId": PID, "endDate": "9999-12-31"}}, CLOSED)
    assert (d.result, d.period_after.end_date) == ("A", None)
    assert codes(run({"dimonaUpdate": {"periodId": PID, "endDate": "9999-12-31"}},
                     OPEN)) == ["90378-444"]
    student = period("STU", end=date(2026, 7, 31), planned_hours_number=40)
    assert codes(run({"dimonaUpdate": {"periodId": PID, "endDate": "9999-12-31"}},
                     student)) == ["00913-368"]


def test_an_update_of_a_student_period_keeps_its_start_date():
    student = period("STU", end=date(2026, 7, 31), planned_hours_number=40)
    assert codes(run({"dimonaUpdate": {"periodId": PID, "startDate": "2026-07-09"}},
                     student)) == ["00910-005"]
    assert codes(run({"dimonaUpdate": {"periodId": PID, "plannedHoursNumber": 60}},
                     student)) == []


def test_duplicates_and_overlaps_within_a_relation():
    existing = period("OTH", start=date(2026, 7, 1), end=date(2026, 7, 10), pid=680725300001)
    assert codes(run(dimona_in(start="2026-07-01", endDate="2026-07-10"), existing)) == [
        "90373-333"]
    assert codes(run(dimona_in(start="2026-07-08"), existing)) == ["90373-334"]
    assert codes(run(dimona_in(start="2026-07-11"), existing)) == []
    other_worker = existing.model_copy(update={"ssin": OTHER_SSIN})
    assert codes(run(dimona_in(start="2026-07-08"), other_worker)) == []
    cancelled = existing.model_copy(update={"cancelled": True})
    assert codes(run(dimona_in(start="2026-07-08"), cancelled)) == []
    # an update that makes a period overlap another one
    later = period("OTH", start=date(2026, 7, 20), end=date(2026, 7, 25))
    update = {"dimonaUpdate": {"periodId": PID, "startDate": "2026-07-05"}}
    assert codes(run(update, existing, later)) == ["90378-334"]


def test_flexi_days_of_one_worker_may_follow_each_other_but_not_overlap():
    morning = period("FLX", end=date(2026, 7, 8), start_hour="0800", end_hour="1400",
                     pid=680725300001)
    evening = dimona_in("FLX", endDate="2026-07-08", startHour="1400", endHour="2200")
    assert codes(run(evening, morning)) == []
    overlapping = dimona_in("FLX", endDate="2026-07-08", startHour="1300", endHour="2200")
    assert codes(run(overlapping, morning)) == ["90373-334"]


def test_an_occasional_worker_works_at_most_two_consecutive_days():
    def ext(day: str, pid: int):
        d = date.fromisoformat(day)
        return period("EXT", jc="302", start=d, end=d, start_hour="1000", end_hour="1500",
                      pid=pid)
    two = (ext("2026-07-06", 680725300001), ext("2026-07-07", 680725300002))
    third = dimona_in("EXT", "302", start="2026-07-08", endDate="2026-07-08",
                      startHour="1000", endHour="1500")
    assert codes(run(third, *two)) == ["00910-459"]
    assert codes(run(third, two[1])) == []
    assert codes(run(dimona_in("EXT", "302", start="2026-07-08", endDate="2026-07-10",
                               startHour="1000", endHour="1500"))) == ["90373-341", "00910-459"]
    assert SSIN  # the relation is the default worker's


@given(st.tuples(st.dates(date(2026, 1, 1), date(2026, 1, 10)),
                 st.integers(0, 3), st.booleans()).map(
    lambda t: period("OTH", start=t[0], end=t[0] + timedelta(t[1]) if t[2] else None)),
       st.dates(date(2026, 1, 1), date(2026, 1, 15)))
def test_a_period_overlaps_exactly_the_days_it_spans(existing, day):
    """A one-day IN on `day` overlaps the existing period iff `day` is within its dates."""
    inside = existing.start_date <= day and (existing.end_date is None
                                             or day <= existing.end_date)
    d = run(dimona_in(start=day.isoformat(), endDate=day.isoformat()),
            existing.model_copy(update={"period_id": 680725300001}), at="2025-12-01 10:00")
    assert ("90373-334" in codes(d) or "90373-333" in codes(d)) == inside
    start, end = span(existing)
    assert start < end
