"""Helpers of the rulebook tests: build a declaration, decide it, read the codes."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from schemas.events import DeclarationDecided, PeriodState
from services.validator.domain import decide
from tests.unit.factories import FakeContext, submitted

SSIN = "85073003328"
OTHER_SSIN = "73011136173"


def utc(text: str) -> datetime:
    """A reception time, given as Brussels wall-clock time 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Brussels"))


def dimona_in(wt: str = "OTH", jc: str = "XXX", start: str = "2026-07-08", ssin=SSIN,
              **fields) -> dict:
    body = {"startDate": start, "features": {"jointCommissionNumber": jc, "workerType": wt}}
    body |= {k: v for k, v in fields.items() if v is not None}
    return {"employer": {"employerId": 175110801}, "worker": {"ssin": ssin} if ssin else {},
            "dimonaIn": body}


def period(wt: str = "OTH", start=date(2026, 7, 8), end=None, pid=680725377630, **kw
           ) -> PeriodState:
    return PeriodState(period_id=pid, employer_key="175110801", ssin=kw.pop("ssin", SSIN),
                       joint_commission_number=kw.pop("jc", "XXX"), worker_type=wt,
                       start_date=start, end_date=end, **kw)


def run(body: dict, *periods: PeriodState, at: str = "2026-07-01 10:00", ctx=None,
        **kw) -> DeclarationDecided:
    ctx = ctx or FakeContext({p.period_id: p for p in periods})
    return decide(submitted(body, number=kw.pop("number", 680725400099), received=utc(at),
                            **kw), ctx)


def codes(decision: DeclarationDecided) -> list[str]:
    return [a.code for a in decision.anomalies]
