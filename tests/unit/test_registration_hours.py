"""A daily registration's hours in real time (services.common.presence), across midnight and
the changes to summer and winter time, against an oracle written from the Belgian rule:
summer time (UTC+2) from the last Sunday of March, 03:00 on the wall clock, to the last
Sunday of October, 03:00 on the wall clock; winter time (UTC+1) otherwise."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.common.presence import duration, instant, overlap, presence
from services.validator.domain import decide
from tests.unit.factories import FakeContext, submitted
from tests.unit.test_rules_registrations import CHOSEN, FIXED, create, utc

HOURS = st.builds(lambda h, m: f"{h:02d}{m:02d}", st.integers(0, 23), st.integers(0, 59))
DAYS = st.dates(date(2020, 1, 1), date(2035, 12, 30))


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def summer(wall: datetime) -> bool:
    """The wall-clock hour the clocks skip in March (02:xx) reads as winter time, the one
    they show twice in October as its first, summer-time, occurrence (PEP 495, fold=0)."""
    start = datetime.combine(last_sunday(wall.year, 3), time(3))
    end = datetime.combine(last_sunday(wall.year, 10), time(3))
    return start <= wall < end


def oracle(day: date, hour: str) -> datetime:
    wall = datetime.combine(day, time(int(hour[:2]), int(hour[2:])))
    return (wall - timedelta(hours=2 if summer(wall) else 1)).replace(tzinfo=UTC)


def wall_difference(start: date, start_hour: str, end: date, end_hour: str) -> timedelta:
    return (datetime.combine(end, time(int(end_hour[:2]), int(end_hour[2:])))
            - datetime.combine(start, time(int(start_hour[:2]), int(start_hour[2:]))))


def near_a_change() -> st.SearchStrategy[date]:
    """The Saturdays and Sundays around the changes of time, where the hours are odd."""
    return st.builds(lambda y, m, back: last_sunday(y, m) - timedelta(days=back),
                     st.integers(2020, 2035), st.sampled_from([3, 10]), st.integers(0, 1))


@given(day=DAYS | near_a_change(), hour=HOURS)
def test_a_wall_clock_hour_is_the_instant_the_belgian_rule_says(day, hour):
    assert instant(day, hour) == oracle(day, hour)


@given(day=DAYS | near_a_change(), start=HOURS, end=HOURS, next_day=st.booleans())
def test_a_presence_lasts_its_wall_clock_length_corrected_by_the_change_of_time(
        day, start, end, next_day):
    end_day = day + timedelta(days=next_day)
    real = duration(presence(day, start, end_day, end))
    assert real == oracle(end_day, end) - oracle(day, start)
    assert abs(real - wall_difference(day, start, end_day, end)) in (timedelta(0),
                                                                      timedelta(hours=1))


def test_the_nights_of_the_changes_of_time():
    # 22:00 -> 06:00 is 8 hours on the wall: 7 when the clocks go forward, 9 when they go back
    assert duration(presence(date(2026, 3, 28), "2200", date(2026, 3, 29), "0600")) == (
        timedelta(hours=7))
    assert duration(presence(date(2026, 10, 24), "2200", date(2026, 10, 25), "0600")) == (
        timedelta(hours=9))
    assert duration(presence(date(2026, 7, 7), "2200", date(2026, 7, 8), "0600")) == (
        timedelta(hours=8))
    # the skipped 02:30 is 01:30 UTC, the twice-shown 02:30 its first time, 00:30 UTC
    assert instant(date(2026, 3, 29), "0230") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instant(date(2026, 10, 25), "0230") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_without_end_hour_a_presence_is_the_moment_of_its_start():
    p = presence(date(2026, 7, 8), "0800", date(2026, 7, 9), None)
    assert p == (instant(date(2026, 7, 8), "0800"),) * 2 and duration(p) == timedelta(0)


PRESENCES = st.builds(
    lambda day, start, minutes: (instant(day, start),
                                 instant(day, start) + timedelta(minutes=minutes)),
    near_a_change() | st.just(date(2026, 7, 8)), HOURS, st.integers(0, 24 * 60))


def holds(p, t: datetime) -> bool:
    """Whether instant t belongs to a presence: its start, and before its end."""
    return t == p[0] if p[0] == p[1] else p[0] <= t < p[1]


@given(a=PRESENCES, b=PRESENCES)
def test_two_presences_overlap_when_they_share_an_instant(a, b):
    """The first instant two presences could share is the later of their starts."""
    first = max(a[0], b[0])
    assert overlap(a, b) == (holds(a, first) and holds(b, first)) == overlap(b, a)
    assert overlap(a, a)


def test_presences_that_touch_do_not_overlap():
    day = date(2026, 7, 8)
    assert not overlap(presence(day, "0800", day, "1400"), presence(day, "1400", day, "2200"))
    assert overlap(presence(day, "0800", day, "1400"), presence(day, "1359", day, "2200"))
    assert not overlap(presence(day, "1400", day, None), presence(day, "0800", day, "1400"))


@given(day=near_a_change(), start=HOURS, end=HOURS)
def test_the_24_hour_rule_counts_real_time_over_midnight(day, start, end):
    """A create from `start` to `end` the next day: refused 90480-260 exactly when the
    oracle says it lasts more than 24 hours."""
    body = create(start_date=day.isoformat(), start_hour=start,
                  end_date=(day + timedelta(days=1)).isoformat(), end_hour=end)
    ctx = FakeContext({FIXED.period_id: FIXED.model_copy(update={"start_date": date(2019, 1, 1)})},
                      choices=[CHOSEN.model_copy(update={"chosen_at": utc("2019-01-01 00:00")})])
    d = decide(submitted(body, number=680725400099, received=utc(f"{day.year}-01-01 10:00")),
               ctx)
    real = oracle(day + timedelta(days=1), end) - oracle(day, start)
    assert ("90480-260" in [a.code for a in d.anomalies]) == (real > timedelta(hours=24))
