"""A daily registration's presence in real time (docs/rules.md, "Daily registration").

A registration gives its start and end as Belgian wall-clock dates and HHMM hours; its
presence is the interval [start, end) between the two UTC instants they name, so that a
night over the change to summer or winter time lasts what it really lasts. Without an end
hour a presence is the single moment of its start. Shared by the validator's rules
(overlaps, 24 hours) and the register's presence view: one arithmetic for both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
Presence = tuple[datetime, datetime]
"""[start, end) as aware UTC datetimes; start == end for a presence without end hour."""


def instant(day: date, hour: str) -> datetime:
    """A Belgian wall-clock date and HHMM hour as a UTC instant.

    Wall-clock times that do not exist or exist twice are read as PEP 495 says (fold=0):
    02:30 on the last Sunday of March, which the clocks skip, with the offset before the
    change (01:30 UTC, what a clock left at winter time shows); 02:30 on the last Sunday
    of October, which the clocks show twice, as its first occurrence (00:30 UTC)."""
    local = datetime.combine(day, time(int(hour[:2]), int(hour[2:])), tzinfo=BRUSSELS)
    return local.astimezone(UTC)


def presence(start_date: date, start_hour: str, end_date: date, end_hour: str | None
             ) -> Presence:
    """[start, end) in UTC; without an end hour, the moment of the start (start, start).
    `end_date` is not read then: a registration without end hour is one moment."""
    start = instant(start_date, start_hour)
    return start, instant(end_date, end_hour) if end_hour is not None else start


def duration(p: Presence) -> timedelta:
    """The real time between start and end (negative when the end is before the start)."""
    return p[1] - p[0]


def overlap(a: Presence, b: Presence) -> bool:
    """Whether two presences share a moment. A start belongs to its presence, an end does
    not: 08:00-14:00 and 14:00-22:00 do not overlap; a moment overlaps an interval that
    holds it (its start included), and another moment only when both are the same."""
    return a[0] == b[0] or (a[0] < b[1] and b[0] < a[1])
