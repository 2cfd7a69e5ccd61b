"""Deadlines from the reception timestamp (docs/sources.md §5; seed 000 for the hour rules)."""

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.validator.domain.moments import is_working_day, next_working_day
from tests.unit.rulebook import codes, dimona_in, period, run

FLEXI = period("FLX", end=date(2026, 7, 8), start_hour="1800", end_hour="2200")
PID = FLEXI.period_id


def update(**fields) -> dict:
    return {"dimonaUpdate": {"periodId": PID, **fields}}


def test_in_is_due_when_work_starts():
    flexi = dimona_in("FLX", endDate="2026-07-08", startHour="0800", endHour="1400")
    assert codes(run(flexi, at="2026-07-08 07:59")) == []
    late = run(flexi, at="2026-07-08 08:01")
    assert (late.result, codes(late), late.period_after.late) == ("W", ["90373-460"], True)
    # without a start hour, the start day itself is still in time
    assert codes(run(dimona_in(), at="2026-07-08 23:59")) == []
    assert codes(run(dimona_in(), at="2026-07-09 00:01")) == ["90373-460"]


def test_out_is_due_the_next_working_day():
    open_period = period("OTH")
    out = {"dimonaOut": {"periodId": PID, "endDate": "2026-07-17"}}  # a Friday
    assert codes(run(out, open_period, at="2026-07-20 23:59")) == []  # Monday
    assert codes(run(out, open_period, at="2026-07-21 00:01")) == ["90377-460"]
    # 2026-07-21 is the National Day: ending on Monday 20, the OUT is due Wednesday 22
    out = {"dimonaOut": {"periodId": PID, "endDate": "2026-07-20"}}
    assert codes(run(out, open_period, at="2026-07-22 18:00")) == []
    assert codes(run(out, open_period, at="2026-07-23 08:00")) == ["90377-460"]


def test_flexi_start_hour_changes_until_work_starts():
    assert codes(run(update(startHour="1700"), FLEXI, at="2026-07-08 16:59")) == []
    assert codes(run(update(startHour="1700"), FLEXI, at="2026-07-08 17:01")) == ["90378-460"]


def test_flexi_earlier_end_until_midnight():
    assert codes(run(update(endHour="2100"), FLEXI, at="2026-07-08 23:59")) == []
    assert codes(run(update(endHour="2100"), FLEXI, at="2026-07-09 00:01")) == ["90378-460"]


def test_flexi_later_end_within_8_hours_or_until_8_in_the_morning():
    day = period("FLX", end=date(2026, 7, 8), start_hour="0800", end_hour="1400")
    assert codes(run(update(endHour="1600"), day, at="2026-07-08 21:59")) == []
    assert codes(run(update(endHour="1600"), day, at="2026-07-08 22:01")) == ["90378-460"]
    # planned end 22:00 (between 20:00 and 24:00): until 08:00 the next morning
    later = update(endDate="2026-07-09", endHour="0100")
    assert codes(run(later, FLEXI, at="2026-07-09 07:59")) == []
    assert codes(run(later, FLEXI, at="2026-07-09 08:01")) == ["90378-460"]


def test_cancel_until_midnight_of_the_start_day():
    cancel = {"dimonaCancel": {"periodId": PID}}
    assert codes(run(cancel, FLEXI, at="2026-07-08 23:59")) == []
    d = run(cancel, FLEXI, at="2026-07-09 00:01")
    assert (d.result, codes(d), d.period_after.late) == ("W", ["90379-460"], True)


def test_date_updates_of_ordinary_periods():
    closed = period("OTH", end=date(2026, 7, 31))
    # earlier end: the first working day after the new end (Friday 24 -> Monday 27)
    assert codes(run(update(endDate="2026-07-24"), closed, at="2026-07-27 12:00")) == []
    assert codes(run(update(endDate="2026-07-24"), closed, at="2026-07-28 12:00")) == [
        "90378-460"]
    # later end: the first working day after the original end (Friday 31 -> Monday 3)
    assert codes(run(update(endDate="2026-08-14"), closed, at="2026-08-03 12:00")) == []
    assert codes(run(update(endDate="2026-08-14"), closed, at="2026-08-04 12:00")) == [
        "90378-460"]
    # earlier start: at the latest on the new start
    assert codes(run(update(startDate="2026-07-06"), closed, at="2026-07-07 12:00")) == [
        "90378-460"]


def test_flexi_at_most_31_days_before_its_quarter_and_article_17_15_days_before():
    flexi = dimona_in("FLX", start="2026-10-05", endDate="2026-10-05", startHour="0800",
                      endHour="1200")
    assert codes(run(flexi, at="2026-08-31 12:00")) == []
    assert codes(run(flexi, at="2026-08-30 12:00")) == ["00910-008"]
    o17 = dimona_in("O17", start="2026-07-20", endDate="2026-07-20", plannedHoursNumber=5)
    assert codes(run(o17, at="2026-07-05 12:00")) == []
    assert codes(run(o17, at="2026-07-04 12:00")) == ["00910-008"]


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_the_next_working_day_is_the_first_weekday_after_that_is_no_holiday(day):
    nxt = next_working_day(day)
    assert nxt > day and nxt.weekday() < 5 and is_working_day(nxt)
    assert not any(is_working_day(day + timedelta(days=i)) for i in range(1, (nxt - day).days))
    assert (nxt - day).days <= 5  # no Belgian holiday run closes a whole week


HOUR = st.integers(0, 23).map(lambda h: f"{h:02d}00")
DAY = st.dates(date(2025, 1, 1), date(2027, 12, 31))


@given(day=DAY, start=HOUR, minutes=st.integers(-3000, 3000))
def test_lateness_only_grows_with_the_reception_time(day, start, minutes):
    """A declaration late at some time stays late later, in time earlier (any day, any hour,
    summer or winter time)."""
    flexi = dimona_in("FLX", start=day.isoformat(), endDate=day.isoformat(), startHour=start,
                      endHour="2300" if start < "2300" else None)
    at = datetime.combine(day, datetime.min.time()) + timedelta(hours=int(start[:2]),
                                                                minutes=minutes)
    late = "90373-460" in codes(run(flexi, at=at.strftime("%Y-%m-%d %H:%M")))
    assert late == (minutes > 0)
