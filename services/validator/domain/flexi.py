"""Flexi-job access conditions (docs/sources.md §7.6)."""

from __future__ import annotations

from collections.abc import Iterator

from services.validator.domain.case import Case, Context
from services.validator.domain.moments import quarter


def flexi_not_eligible(case: Case, ctx: Context) -> Iterator[str]:
    """90017-510 (NP) when the directory's eligibility data says the worker is not eligible
    for the quarter of the start; no data is no verdict (docs/rules.md)."""
    p = case.after
    if p is None or p.worker_type != "FLX" or p.ssin is None:
        return
    if case.kind == "UPDATE" and quarter(p.start_date) == quarter(case.before.start_date):
        return
    if case.kind in ("IN", "UPDATE") and (
            ctx.directory.flexi_eligible(p.ssin, quarter(p.start_date)) is False):
        yield "90017-510"
