"""The life of a period: OUT, UPDATE and CANCEL on an existing period, and conflicts
between the periods of one employer-worker relation (docs/sources.md §2.1, §4.1, §6.4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from schemas.events import PeriodState
from services.validator.domain.case import Case, Context
from services.validator.domain.identifiers import employer_zone
from services.validator.domain.moments import REOPEN, at, end_of


def unknown_period(case: Case, ctx: Context) -> Iterator[str]:
    if case.declaration.period_id is not None and case.before is None:
        yield "00913-354"


def period_of_another_employer(case: Case, ctx: Context) -> Iterator[str]:
    employer = case.declaration.employer
    if case.before is None or employer is None:
        return
    key = case.employer.key if case.employer else employer.key
    if key != case.before.employer_key:
        yield f"{employer_zone(employer)}-347"


def period_of_another_worker(case: Case, ctx: Context) -> Iterator[str]:
    worker = case.declaration.worker
    if case.before and worker and worker.ssin and worker.ssin != case.before.ssin:
        yield "00024-347"


def period_cancelled(case: Case, ctx: Context) -> Iterator[str]:
    if case.before is not None and case.before.cancelled:
        yield "00913-355"


def period_closed(case: Case, ctx: Context) -> Iterator[str]:
    """An OUT needs a period without end date."""
    if case.kind == "OUT" and case.before is not None and case.before.end_date is not None:
        yield "00913-356"


def update_without_content(case: Case, ctx: Context) -> Iterator[str]:
    u = case.declaration.dimona_update
    if u is not None and not u.model_dump(exclude_none=True, exclude={"period_id"}):
        yield "90378-360"


def update_closes_period(case: Case, ctx: Context) -> Iterator[str]:
    """Closing a period is an OUT's job, not an UPDATE's."""
    u = case.declaration.dimona_update
    if (u is not None and case.before is not None and case.before.end_date is None
            and u.end_date is not None and u.end_date != REOPEN):
        yield "00913-359"


def reopen_forbidden(case: Case, ctx: Context) -> Iterator[str]:
    """9999-12-31 re-opens a period, except where an end date is mandatory (00913-368)."""
    u = case.declaration.dimona_update
    if u is None or u.end_date != REOPEN or case.before is None:
        return
    wt = case.worker_type
    if case.before.joint_commission_number == "322" or (wt is not None and wt.end_date):
        yield "00913-368"


def update_changes_nothing(case: Case, ctx: Context) -> Iterator[str]:
    if (case.kind == "UPDATE" and case.before is not None and case.after is not None
            and case.after.model_copy(update={"version": case.before.version}) == case.before):
        yield "90378-444"


def start_date_forbidden_in_student_update(case: Case, ctx: Context) -> Iterator[str]:
    """Zone 00910: no start date in an update of a STU period starting after 2016."""
    u = case.declaration.dimona_update
    if (u is not None and u.start_date is not None and case.before is not None
            and case.before.worker_type == "STU" and case.before.start_date > date(2016, 12, 31)):
        yield "00910-005"


# --- conflicts within a relation ---------------------------------------------------------

def span(p: PeriodState) -> tuple[datetime, datetime]:
    """[start, end) of a period; an open period runs forever."""
    start = at(p.start_date, p.start_hour)
    if p.end_date is None:
        return start, datetime.max
    end = at(p.end_date, p.end_hour) if p.end_hour else end_of(p.end_date)
    if p.start_hour and not p.end_hour and p.end_date == p.start_date:
        end = end_of(p.end_date)  # the horeca day flat-rate: a start hour and the day
    return start, end


def _same_dates(a: PeriodState, b: PeriodState) -> bool:
    keys = ("start_date", "start_hour", "end_date", "end_hour", "joint_commission_number",
            "worker_type")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _others(case: Case, ctx: Context) -> list[PeriodState]:
    after = case.after
    if after is None or after.ssin is None or case.kind not in ("IN", "UPDATE"):
        return []
    return [p for p in ctx.relation(after.employer_key, after.ssin)
            if p.period_id != after.period_id and not p.cancelled]


def duplicate_or_overlap(case: Case, ctx: Context) -> Iterator[str]:
    """90373/90378-333 for the same period declared twice, -334 for an overlap.

    Any two periods of one relation may not overlap, whatever their types (docs/rules.md).
    """
    after = case.after
    others = _others(case, ctx)
    if not others:
        return
    if any(_same_dates(after, p) for p in others):
        yield f"{case.block}-333"
        return
    start, end = span(after)
    if any(s < end and start < e for s, e in map(span, others)):
        yield f"{case.block}-334"


def horeca_extra(p: PeriodState) -> bool:
    """An occasional worker in horeca: JC 302, or an agency's extra placed with a 302 user."""
    return p.worker_type == "EXT" and "302" in (
        p.joint_commission_number, p.using_joint_commission_number)


def work_days(p: PeriodState) -> list[date]:
    """The days a period occupies; a shift over midnight of at most 24 h is one day."""
    if p.end_date is None:
        return [p.start_date]
    if p.start_hour and p.end_hour and p.end_date == p.start_date + timedelta(days=1):
        return [p.start_date]
    n = min((p.end_date - p.start_date).days + 1, 366)  # longer ones are refused anyway
    return [p.start_date + timedelta(days=i) for i in range(max(n, 1))]


def occasional_over_two_days(case: Case, ctx: Context) -> Iterator[str]:
    """An occasional worker (EXT) works at most two consecutive days for one employer
    (00910-459); beyond that the worker is an ordinary one (OTH)."""
    after = case.after
    if after is None or after.worker_type != "EXT" or case.kind not in ("IN", "UPDATE"):
        return
    days = set(work_days(after))
    for p in _others(case, ctx):
        if p.worker_type == "EXT":
            days.update(work_days(p))
    first = min(work_days(after))
    while first > date.min and first - timedelta(days=1) in days:
        first -= timedelta(days=1)
    run = 0
    while run <= 2 and first + timedelta(days=run) in days:
        run += 1
    if run > 2:
        yield "00910-459"
