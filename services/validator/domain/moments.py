"""Dates, hours and working days, in Belgian local time (docs/architecture.md decision 4).

Every rule reads time from the declaration's reception timestamp, converted here to
Europe/Brussels; never from the clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

BRUSSELS = ZoneInfo("Europe/Brussels")
REOPEN = date(9999, 12, 31)


def local(received_at: datetime) -> datetime:
    """The reception timestamp as a naive Belgian wall-clock time."""
    return received_at.astimezone(BRUSSELS).replace(tzinfo=None)


def at(day: date, hour: str | None) -> datetime:
    """A date and an HHMM hour (midnight when there is no hour)."""
    if hour is None:
        return datetime.combine(day, time())
    return datetime.combine(day, time(int(hour[:2]), int(hour[2:])))


def end_of(day: date) -> datetime:
    """The midnight that ends `day` (9999-12-31 never ends)."""
    if day == date.max:
        return datetime.max
    return datetime.combine(day + timedelta(days=1), time())


def quarter(day: date) -> str:
    """`2026Q3`: the notation of the directory's flexi eligibility."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@cache
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, except Belgian public holidays (docs/rules.md: working day)."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
