"""The Search tab (seed 002, "Recherche"; docs/sources.md §10.2-10.5): the search form of
the employer's register and its results on the same page, as a list of workers, a list of
periods or a monthly overview, with the selection criteria recalled, paging, and the
exports (CSV, PDF) and print. GET only: a search is a link."""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.web import exports, i18n, pages
from services.api.web.deps import EmployerSession, Found, PageNotFound
from services.api.web.session import WebSession
from services.projections.application import BadQuery, Filters, Page, moment

router = APIRouter(include_in_schema=False)
PRESENTATIONS = ("workers", "periods", "monthly")
WHEN = ("today", "full", "between")
PAGE_SIZES = (10, 25, 50, 100)
EXPORT_PAGE, EXPORT_MOST = 5_000, 100_000
FIELDS = ("ssin", "name", "partial", "when", "from", "to", "jc", "workerType", "user",
          "excludeCancelled", "period", "presentation", "month", "size", "asOf")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Suggestions of the form's JC and worker type (the seed's lists), free text otherwise.
JOINT_COMMISSIONS = ("XXX", "100", "118", "124", "140", "144", "145", "149", "200", "201",
                     "302", "304", "314", "318", "322", "330")
WORKER_TYPES = ("OTH", "EXT", "FLX", "STU", "O17", "S17", "A17", "BCW", "DWD", "IVT", "PMP",
                "QUA", "RTA", "STG", "TRI")


@dataclass
class Search:
    """The search form as asked: its values (shown again), the errors by field (label
    keys), and, when right, the filters of the register's search."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    presentation: str = "periods"
    filters: Filters | None = None
    month: str | None = None
    size: int = PAGE_SIZES[0]
    offset: int = 0
    asked: bool = False
    as_of: datetime | None = None
    """The register as it stood at this moment (replayed from the event store); None: now."""


def check_reader(found: Found, session: WebSession) -> None:
    """The session's employer is still one this principal may read (a mandate may end)."""
    if not found.access.may_read_employer(session.principal, session.employer):
        raise PageNotFound()


def parse_day(text: str) -> date | None:
    """An ISO date (`<input type="date">`) or dd/mm/yyyy; None when neither."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def digits(text: str) -> str:
    return re.sub(r"[\s./-]", "", text)


def parse(params: Mapping[str, str], today: date | None = None) -> Search:
    """The search form's GET parameters, checked."""
    values = {k: (params.get(k) or "").strip() for k in FIELDS}
    s = Search(values, asked="presentation" in params)
    s.presentation = values["presentation"] if values["presentation"] in PRESENTATIONS \
        else "periods"
    values["presentation"] = s.presentation
    values["when"] = values["when"] if values["when"] in WHEN else "full"
    try:
        s.size = int(values["size"]) if int(values["size"]) in PAGE_SIZES else PAGE_SIZES[0]
    except ValueError:
        s.size = PAGE_SIZES[0]
    values["size"] = str(s.size)
    try:
        s.offset = max(int(params.get("offset") or 0), 0)
    except ValueError:
        s.offset = 0
    ssin = digits(values["ssin"])
    if ssin and not (ssin.isdigit() and len(ssin) == 11):
        s.errors["ssin"] = "search.error.ssin"
    user = digits(values["user"])
    if user and not (user.isdigit() and len(user) <= 10):
        s.errors["user"] = "search.error.user"
    period = digits(values["period"])
    if period and not (period.isdigit() and len(period) <= 18):
        s.errors["period"] = "search.error.period"
    first = last = None
    if s.presentation == "monthly":
        today = today or datetime.now(i18n.BRUSSELS).date()
        values["month"] = values["month"] or today.strftime("%Y-%m")
        if not MONTH.match(values["month"]):
            s.errors["month"] = "search.error.month"
        s.month = values["month"]
    elif values["when"] == "today":
        first, last = Filters.today()
    elif values["when"] == "between":
        first, last = parse_day(values["from"]), parse_day(values["to"])
        for name, day in (("from", first), ("to", last)):
            if not values[name]:
                s.errors[name] = "search.error.both_dates"
            elif day is None:
                s.errors[name] = "search.error.date"
        if first and last and first > last:
            s.errors["to"] = "search.error.order"
    if values["asOf"]:
        try:
            s.as_of = moment(values["asOf"])
        except BadQuery:
            s.errors["asOf"] = "search.error.as_of"
    if not s.errors:
        s.filters = Filters(
            ssin=ssin or None, name=values["name"] or None, active_from=first,
            active_to=last, joint_commission_number=values["jc"].upper() or None,
            worker_type=values["workerType"].upper() or None,
            user_enterprise_number=user.zfill(10) if user else None,
            exclude_cancelled=bool(values["excludeCancelled"]),
            period_id=int(period) if period else None,
            whole_name=bool(values["name"]) and not values["partial"])
    return s


def reader(found: Found, session: WebSession, s: Search
           ) -> Callable[[int, int], tuple[int, list[dict]]]:
    """`read(limit, offset)`: (total, items) of this search."""
    def read(limit: int, offset: int) -> tuple[int, list[dict]]:
        with found.readers.register_at(s.as_of, employer=session.employer) as views:
            result = views.search(s.presentation, session.employer, s.filters,
                                  Page(limit, offset), s.month)
        return result["total"], result["items"]
    return read


def month_days(month: str) -> list[tuple[str, int]]:
    """The days of a month (YYYY-MM): (ISO date, day number)."""
    year, number = (int(p) for p in month.split("-"))
    return [(date(year, number, d).isoformat(), d)
            for d in range(1, calendar.monthrange(year, number)[1] + 1)]


def recap(s: Search, _: Callable[..., str]) -> list[str]:
    """The selection criteria recalled above the results (seed 000/002)."""
    v, f = s.values, s.filters
    parts = []
    if s.presentation == "monthly":
        parts.append(f"{_('search.month')}: {v['month']}")
    elif f is not None and f.active_from is not None:
        parts.append(f"{_('search.between')} {i18n.day(f.active_from)} - "
                     f"{i18n.day(f.active_to)}" if v["when"] == "between"
                     else _("search.today"))
    else:
        parts.append(_("search.full"))
    if f is None:
        return parts
    for value, label in ((f.ssin, "search.ssin"), (f.period_id, "search.period_number"),
                         (f.joint_commission_number, "search.jc"),
                         (f.worker_type, "search.worker_type"),
                         (f.user_enterprise_number, "search.user")):
        if value is not None:
            parts.append(f"{_(label)}: {value}")
    if f.name:
        parts.append(f"{_('search.name')}: {f.name}" + (
            "" if f.whole_name else f" ({_('search.crit.part')})"))
    if f.exclude_cancelled:
        parts.append(_("search.crit.cancelled_excluded"))
    if s.as_of is not None:
        parts.append(f"{_('search.as_of')}: {i18n.day(s.as_of.date())} "
                     f"{s.as_of.strftime('%H:%M')}")
    return parts


@router.get("/web/search")
def search(request: Request, session: EmployerSession, found: Found) -> Response:
    check_reader(found, session)
    s = parse(request.query_params)
    result = None
    if s.asked and s.filters is not None:
        try:
            with found.readers.register_at(s.as_of, employer=session.employer) as views:
                result = views.search(s.presentation, session.employer, s.filters,
                                      Page(s.size, s.offset), s.month)
        except BadQuery as exc:
            s.errors["form"] = str(exc)
    lang = pages.language(request)
    return pages.render(
        request, "search.html", session, s=s, result=result,
        recap=recap(s, i18n.translator(lang)), days=month_days(s.month) if s.month and
        "month" not in s.errors else [], jcs=JOINT_COMMISSIONS, types=WORKER_TYPES,
        sizes=PAGE_SIZES, status=400 if s.errors else 200)


@router.get("/web/search/export")
def export(request: Request, session: EmployerSession, found: Found) -> Response:
    """Every row of the search (at most 100,000) as CSV, the REST API's columns."""
    check_reader(found, session)
    s = parse(request.query_params)
    if s.filters is None:
        raise PageNotFound()
    read = reader(found, session, s)
    try:
        total, first = read(EXPORT_PAGE, 0)
    except BadQuery:
        raise PageNotFound() from None
    rest = exports.paged(read, EXPORT_PAGE, min(total, EXPORT_MOST), start=len(first)) \
        if len(first) == EXPORT_PAGE else iter(())
    return exports.csv_stream(s.presentation, itertools.chain([first], rest), total)


@router.get("/web/search/pdf")
def pdf(request: Request, session: EmployerSession, found: Found) -> Response:
    """The page of results shown (its offset and size) as a PDF table."""
    check_reader(found, session)
    s = parse(request.query_params)
    if s.filters is None:
        raise PageNotFound()
    try:
        total, items = reader(found, session, s)(s.size, s.offset)
    except BadQuery:
        raise PageNotFound() from None
    _ = i18n.translator(pages.language(request))
    header, rows, widths = table_of(s.presentation, items, _)
    lines = [f"{_('search.employer')}: {session.employer}", " | ".join(recap(s, _)),
             _("paging.range", first=s.offset + 1 if total else 0,
               last=min(s.offset + s.size, total), total=total)]
    return exports.pdf_table(_(f"search.as.{s.presentation}"), lines, header, rows, widths)


# The cells of a row as the pages and the PDF show them ----------------------------------------

def start_of(p: dict) -> str:
    return " ".join(filter(None, (i18n.day(p["startDate"]), i18n.hour(p["startHour"]))))


def end_of(p: dict, _: Callable[..., str]) -> str:
    if p.get("daily"):
        return _("search.daily")
    if not p["endDate"]:
        return "-"
    return " ".join(filter(None, (i18n.day(p["endDate"]), i18n.hour(p["endHour"]))))


def duration_of(p: dict, _: Callable[..., str]) -> str:
    return _("search.hours", n=p["plannedHoursNumber"]) if p.get("duration") else "-"


def table_of(presentation: str, items: list[dict], _: Callable[..., str]
             ) -> tuple[list[str], list[list[str]], list[float]]:
    """Header, rows and column widths (mm) of a page of results in the PDF."""
    if presentation == "periods":
        header = [_(k) for k in ("search.col.status", "search.col.family_name",
                                 "search.col.given_name", "search.ssin",
                                 "search.period_number", "search.col.jc_user",
                                 "search.worker_type", "search.col.start", "search.col.end",
                                 "search.col.duration", "search.col.last")]
        rows = [[_(f"search.status.{p['status']}"), p["familyName"] or "-",
                 p["givenName"] or "-", p["ssin"] or "-", str(p["periodId"]),
                 p["jointCommission"], p["workerType"], start_of(p), end_of(p, _),
                 duration_of(p, _), i18n.moment(p["lastDeclarationAt"])] for p in items]
        return header, rows, [18, 30, 26, 24, 26, 20, 14, 28, 28, 20, 30]
    if presentation == "workers":
        header = [_(k) for k in ("search.ssin", "search.col.family_name",
                                 "search.col.given_name", "search.col.birth_date",
                                 "search.col.relation_start", "search.col.relation_end",
                                 "search.jc", "search.worker_type")]
        rows = [[w["ssin"], w["familyName"] or "-", w["givenName"] or "-",
                 i18n.day(w["birthDate"]), i18n.day(w["relationStart"]),
                 i18n.day(w["relationEnd"]), sets(w["jointCommissions"]),
                 sets(w["workerTypes"])] for w in items]
        return header, rows, [26, 36, 30, 22, 26, 26, 50, 61]
    header = [_(k) for k in ("search.col.family_name", "search.col.given_name",
                             "search.ssin", "search.col.days_worked", "search.col.hours",
                             "search.col.days")]
    rows = [[m["familyName"] or "-", m["givenName"] or "-", m["ssin"], str(m["daysWorked"]),
             str(m["hours"]), " ".join(d[8:] for d in m["days"])] for m in items]
    return header, rows, [36, 30, 26, 20, 16, 149]


def sets(values: list[str]) -> str:
    """A worker's joint committees or worker types as seed 002 shows them: -FLX-OTH-."""
    return "-" + "-".join(values) + "-" if values else "-"
