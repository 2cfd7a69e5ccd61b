"""Quotas (docs/sources.md §7): students' hours, horeca extras' days, article 17 limits.

Each accepted period counts an entry against the quotas it falls under; the entries live in
one event-sourced `Quota` aggregate per (quota, subject, year), shared by every validator
and guarded by the event store's optimistic concurrency (docs/rules.md, Quotas).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from schemas.events import Anomaly, PeriodState, QuotaExceeded
from services.validator.domain.case import Case, Context
from services.validator.domain.periods import horeca_extra, work_days

STUDENT_HOURS = 650            # per calendar year, all employers (from 2025)
HORECA_WORKER_DAYS = 50        # per calendar year, all employers
HORECA_EMPLOYER_DAYS = 200     # per calendar year
ARTICLE17_YEAR_HOURS = 300     # O17/S17 hours + 8 per T17 day (docs/rules.md)
ARTICLE17_QUARTER_HOURS = {1: 100, 2: 100, 3: 190, 4: 100}
ARTICLE17_TV_DAYS = 25


@dataclass(frozen=True)
class Count:
    """What one period counts against one quota."""

    kind: str
    subject: str
    year: int
    entry: dict


def counts(p: PeriodState) -> list[Count]:
    """The quota entries of a period (none once cancelled, none without SSIN)."""
    if p.cancelled or p.ssin is None:
        return []
    year = p.start_date.year
    if p.worker_type == "STU":
        return [Count("STUDENT", p.ssin, year, {"hours": p.planned_hours_number or 0})]
    if horeca_extra(p):
        days = {"days": [d.isoformat() for d in work_days(p)]}
        employer = p.using_enterprise_number or p.employer_key
        return [Count("HORECA_WORKER", p.ssin, year, days),
                Count("HORECA_EMPLOYER", employer, year, days)]
    if p.worker_type in ("O17", "S17", "T17"):
        quarter = (p.start_date.month - 1) // 3 + 1
        amount = ({"days": len(work_days(p))} if p.worker_type == "T17"
                  else {"hours": p.planned_hours_number or 0})
        return [Count("ARTICLE17", p.ssin, year,
                      {"type": p.worker_type, "quarter": quarter, **amount})]
    return []


def _others(ctx: Context, c: Count, period_id: int) -> list[dict]:
    entries: Mapping[int, dict] = ctx.quota(c.kind, c.subject, c.year)
    return [e for pid, e in entries.items() if pid != period_id]


def _excess(used: int, mine: int, limit: int) -> int:
    """How much of this period's amount lies beyond the limit."""
    return max(0, min(mine, used + mine - limit))


def student_hours(c: Count, others: list[dict]) -> Iterator[Anomaly]:
    used = sum(e["hours"] for e in others)
    over = _excess(used, c.entry["hours"], STUDENT_HOURS)
    if over:
        yield Anomaly.of("90017-369", quota=QuotaExceeded(
            quota_type="STUDENT", limit=STUDENT_HOURS, exceeding_hours=over))


def horeca_days(c: Count, others: list[dict]) -> Iterator[Anomaly]:
    """A day counts once, however many periods fall on it."""
    used = {d for e in others for d in e["days"]}
    mine = set(c.entry["days"]) - used
    limit = HORECA_WORKER_DAYS if c.kind == "HORECA_WORKER" else HORECA_EMPLOYER_DAYS
    over = _excess(len(used), len(mine), limit)
    if over:
        code = "90017-369" if c.kind == "HORECA_WORKER" else "90256-369"
        yield Anomaly.of(code, quota=QuotaExceeded(
            quota_type=c.kind, limit=limit, exceeding_days=over))


def article17(c: Count, others: list[dict]) -> Iterator[Anomaly]:
    """Blocking for article 17 workers (glossary, 90017-369)."""
    sector = {"O17": "OTHER", "S17": "SPORT", "T17": "PUBTV"}[c.entry["type"]]
    mine = c.entry
    if mine["type"] == "T17":
        days = sum(e.get("days", 0) for e in others if e["type"] == "T17")
        over = _excess(days, mine["days"], ARTICLE17_TV_DAYS)
        if over:
            yield _blocking("A17_PUBTV", ARTICLE17_TV_DAYS, exceeding_days=over)
    year_hours = sum(_hours(e) for e in others)
    over = _excess(year_hours, _hours(mine), ARTICLE17_YEAR_HOURS)
    if over:
        yield _blocking(f"A17_YEAR_{sector}", ARTICLE17_YEAR_HOURS, exceeding_hours=over)
    if mine["type"] != "T17":
        limit = ARTICLE17_QUARTER_HOURS[mine["quarter"]]
        quarter_hours = sum(e["hours"] for e in others
                            if e["type"] != "T17" and e["quarter"] == mine["quarter"])
        over = _excess(quarter_hours, mine["hours"], limit)
        if over:
            yield _blocking(f"A17_QUARTER_{sector}", limit, exceeding_hours=over)


def _hours(entry: dict) -> int:
    """A T17 day counts 8 hours against the yearly article 17 limit."""
    return entry["days"] * 8 if entry["type"] == "T17" else entry["hours"]


def _blocking(quota_type: str, limit: int, **excess: int) -> Anomaly:
    return Anomaly.of("90017-369", severity="B",
                      quota=QuotaExceeded(quota_type=quota_type, limit=limit, **excess))


CHECKS = {"STUDENT": student_hours, "HORECA_WORKER": horeca_days,
          "HORECA_EMPLOYER": horeca_days, "ARTICLE17": article17}


def quota_exceeded(case: Case, ctx: Context) -> Iterator[Anomaly]:
    """90017-369 (worker) / 90256-369 (employer), with the amount over the quota."""
    p = case.after
    if p is None or case.kind == "CANCEL":
        return
    for c in counts(p):
        yield from CHECKS[c.kind](c, _others(ctx, c, p.period_id))
