"""Deadlines, from the reception timestamp only (docs/sources.md §5; docs/rules.md).

A late declaration is accepted with a warning (…-460, NP) and its period is flagged late;
a declaration sent too early for its type is refused (00910-008).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from schemas.events import PeriodState
from schemas.reference import reference
from services.validator.domain.case import Case, Context
from services.validator.domain.moments import (
    at,
    end_of,
    next_working_day,
    quarter_start,
)


def in_deadline(p: PeriodState) -> datetime:
    """At the latest when the worker starts: the start hour, else the end of the start day."""
    return at(p.start_date, p.start_hour) if p.start_hour else end_of(p.start_date)


def out_deadline(end: PeriodState) -> datetime:
    """The first working day after the end of the contract, until its midnight."""
    return end_of(next_working_day(end.end_date))


def later_end_deadline(before: PeriodState) -> datetime:
    """Seed 000: 8 hours after the planned end; until 08:00 the next morning when the planned
    end was between 20:00 and 24:00."""
    planned_end = at(before.end_date, before.end_hour)
    deadline = planned_end + timedelta(hours=8)
    if before.end_hour >= "2000":
        deadline = max(deadline, at(before.end_date + timedelta(days=1), "0800"))
    return deadline


def update_deadline(before: PeriodState, after: PeriodState) -> datetime | None:
    """The deadline of the change an UPDATE makes (the earliest when it changes several)."""
    deadlines = []
    wt = reference().worker_type(before.worker_type)
    by_hour = wt is not None and wt.hours and before.end_hour is not None
    if (after.start_date, after.start_hour) != (before.start_date, before.start_hour):
        # Seed 000 / §5.1: a new start is declared at the latest when work starts.
        deadlines.append(in_deadline(after))
    if after.end_date is not None and before.end_date is not None and (
            (after.end_date, after.end_hour) != (before.end_date, before.end_hour)):
        earlier = at(after.end_date, after.end_hour) < at(before.end_date, before.end_hour)
        if by_hour:
            deadlines.append(end_of(before.end_date) if earlier else later_end_deadline(before))
        else:
            deadlines.append(out_deadline(after if earlier else before))
    return min(deadlines, default=None)


def cancel_deadline(before: PeriodState) -> datetime:
    """At the latest on the declared start date (flexi and extras: until its midnight)."""
    return end_of(before.start_date)


def deadline(case: Case) -> datetime | None:
    before, after = case.before, case.after
    if case.kind == "IN":
        return in_deadline(after)
    if before is None or after is None:
        return None
    if case.kind == "OUT":
        return out_deadline(after)
    if case.kind == "UPDATE":
        return update_deadline(before, after)
    return cancel_deadline(before)


def late(case: Case, ctx: Context) -> Iterator[str]:
    try:
        due = deadline(case)
    except OverflowError:  # a date at the edge of the calendar: its domain rule refuses it
        return
    if due is not None and case.received > due:
        yield f"{case.block}-460"


def flexi_too_early(case: Case, ctx: Context) -> Iterator[str]:
    """Zone 00910: a flexi IN at most 31 days before the start of its quarter."""
    din = case.dimona_in
    if (din and din.features.worker_type == "FLX"
            and case.today + timedelta(days=31) < quarter_start(din.start_date)):
        yield "00910-008"


def article17_too_early(case: Case, ctx: Context) -> Iterator[str]:
    """Zone 00910: O17/S17/T17 at most 15 days before the start of employment (the
    glossary's reading; the instructions say 'of the quarter': docs/rules.md)."""
    din = case.dimona_in
    if (din and din.features.worker_type in ("O17", "S17", "T17")
            and case.today + timedelta(days=15) < din.start_date):
        yield "00910-008"
