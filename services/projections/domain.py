"""The personnel register's presentations (docs/sources.md §10; docs/adr/0005-register-views.md):
search filters, the rows of the list of periods, the monthly overview and the quotas. Pure
functions over rows the queries read (services.projections.queries); no SQL here."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from services.common import presence as interval
from services.projections import flexi
from services.validator.eventlog import HORECA_EMPLOYER_DAYS, HORECA_WORKER_DAYS, STUDENT_HOURS

BRUSSELS = ZoneInfo("Europe/Brussels")
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
HOURS_TYPES = ("STU", "O17", "S17")  # their duration is the planned hours (§6.3)
Presentation = Literal["workers", "periods", "monthly"]


class BadQuery(ValueError):
    """A search that cannot be run (HTTP 400, CLI exit 2)."""


@dataclass(frozen=True)
class Filters:
    """The search screen (docs/sources.md §10.2). `active_from`/`active_to` select the periods
    active on some day between them (both given: active between dates; both None: the full
    register). `today()` fills them for the "Today" choice."""

    ssin: str | None = None
    name: str | None = None  # part of the family or given name, any case
    active_from: date | None = None
    active_to: date | None = None
    joint_commission_number: str | None = None
    worker_type: str | None = None
    user_enterprise_number: str | None = None  # the user of a temporary worker (JC 322)
    exclude_cancelled: bool = False
    period_id: int | None = None
    whole_name: bool = False  # `name` is a whole family or given name (or both), any case

    def __post_init__(self) -> None:
        if (self.active_from is None) != (self.active_to is None):
            raise BadQuery("give both the first and the last day (--from and --to)")
        if self.active_from and self.active_to and self.active_from > self.active_to:
            raise BadQuery("the first day is after the last day")

    @staticmethod
    def today(now: datetime | None = None) -> tuple[date, date]:
        day = (now or datetime.now(BRUSSELS)).astimezone(BRUSSELS).date()
        return day, day


@dataclass(frozen=True)
class Page:
    limit: int | None = None  # None: every row
    offset: int = 0


EVERY_ROW = Page()


@dataclass(frozen=True)
class RegistrationFilters:
    """The search of an employer's daily registrations: one period, and the registrations
    that start between two days (both or neither)."""

    period_id: int | None = None
    start_from: date | None = None
    start_to: date | None = None

    def __post_init__(self) -> None:
        Filters(active_from=self.start_from, active_to=self.start_to)  # the same checks


def moment(value: str | datetime) -> datetime:
    """The moment of `--as-of` (ISO 8601: `2026-03-03T10:00`, `2026-03-03 10:00:00+01:00`,
    a day alone is its midnight); without an offset, in Brussels time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadQuery(f"not a moment: {value!r} (give e.g. 2026-03-03T10:00, Brussels "
                           "time, or with its offset)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=BRUSSELS)


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """`2026Q3` -> its first and last day."""
    found = QUARTER.match(quarter.strip())
    if found is None:
        raise BadQuery(f"quarter must be YYYYQn (n from 1 to 4), not {quarter!r}")
    year, number = int(found[1]), int(found[2])
    return (date(year, 3 * number - 2, 1),
            date(year, 3 * number, calendar.monthrange(year, 3 * number)[1]))


def month_bounds(month: str) -> tuple[date, date]:
    """`YYYY-MM` -> its first and last day."""
    try:
        year, number = (int(part) for part in month.split("-"))
        last = calendar.monthrange(year, number)[1]
        return date(year, number, 1), date(year, number, last)
    except (ValueError, calendar.IllegalMonthError):
        raise BadQuery(f"month must be YYYY-MM, not {month!r}") from None


def is_daily(p: dict) -> bool:
    """A horeca day contract (EXT day flat-rate): a start hour and no end hour. Seed 002
    shows "Journalier" in its end column."""
    return p["workerType"] == "EXT" and p["startHour"] is not None and p["endHour"] is None


def shift_hours(p: dict) -> float | None:
    """The length of a shift with a start and an end hour (a flexi or extra's day), else
    None; a shift over midnight ends on the next day."""
    if p["startHour"] is None or p["endHour"] is None or p["endDate"] is None:
        return None
    start = datetime.combine(date.fromisoformat(p["startDate"]), _time(p["startHour"]))
    end = datetime.combine(date.fromisoformat(p["endDate"]), _time(p["endHour"]))
    if end <= start or end - start > timedelta(hours=24):
        return None
    return round((end - start).total_seconds() / 3600, 2)


def _time(hhmm: str):
    return datetime.strptime(hhmm, "%H%M").time()


def present_period(p: dict) -> dict:
    """A row of the list of periods (seed 000 and seed 002 columns): the stored period with
    its status, its "PC (User)" label, "daily" and its duration."""
    jc = p["jointCommissionNumber"]
    user = p["usingJointCommissionNumber"]
    return {**p, "status": "cancelled" if p["cancelled"] else "active",
            "jointCommission": f"{jc} ({user})" if user else jc,
            "daily": is_daily(p), "duration": duration(p)}


def duration(p: dict) -> str | None:
    """"10 hours" for the types counted in planned hours (seed 002: "10 heure(s)"), None
    ("-") for every other period, as the seeds show for flexi shifts."""
    if p["workerType"] in HOURS_TYPES and p["plannedHoursNumber"] is not None:
        return f"{p['plannedHoursNumber']} hours"
    return None


def monthly_overview(periods: list[dict], workers: dict[str, dict], first: date, last: date
                     ) -> list[dict]:
    """Per worker, per day of the month: who worked under which period and worker type, and
    how many hours when the period says (docs/adr/0005). A shift over midnight is counted
    on its start day, as the quotas count it; a cancelled period is not work."""
    days: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for p in periods:
        if p["cancelled"]:
            continue
        entry = {"periodId": p["periodId"], "jointCommissionNumber": p["jointCommissionNumber"],
                 "workerType": p["workerType"], "startHour": p["startHour"],
                 "endHour": p["endHour"], "hours": shift_hours(p)}
        for day in _days_in(p, first, last):
            days[p["ssin"]][day.isoformat()].append(entry)  # one entry read by every day
    rows = []
    for ssin, by_day in days.items():
        hours = [e["hours"] for entries in by_day.values() for e in entries
                 if e["hours"] is not None]
        rows.append({**names(workers.get(ssin), ssin), "daysWorked": len(by_day),
                     "hours": round(sum(hours), 2), "days": dict(sorted(by_day.items()))})
    return sorted(rows, key=lambda r: (r["familyName"] or "", r["givenName"] or "", r["ssin"]))


def _days_in(p: dict, first: date, last: date) -> list[date]:
    start = date.fromisoformat(p["startDate"])
    end = date.fromisoformat(p["endDate"]) if p["endDate"] else last
    if shift_hours(p) is not None:
        end = start  # a shift belongs to its start day
    begin = max(start, first)  # not every day since a long period's start
    return [begin + timedelta(days=i) for i in range((min(end, last) - begin).days + 1)]


# Daily registrations (docs/adr/0009-daily-registration.md) --------------------------------

def registered_hours(r: dict) -> float | None:
    """The real time elapsed between a registration's start and end in Brussels, in hours
    (a night over the change of time counts 7 or 9 hours); None while it has no end hour.
    The arithmetic is the validator's too (services.common.presence)."""
    if r["endHour"] is None or r["endDate"] is None:
        return None
    span = interval.presence(*_moment_of(r, "start"), *_moment_of(r, "end"))
    return round(interval.duration(span).total_seconds() / 3600, 2)


def _moment_of(r: dict, which: str) -> tuple[date, str]:
    return date.fromisoformat(r[f"{which}Date"]), r[f"{which}Hour"]


def local_moment(r: dict, which: str) -> str | None:
    """A registration's start or end as an ISO moment in Brussels (None without hour)."""
    if r[f"{which}Hour"] is None or r[f"{which}Date"] is None:
        return None
    return interval.instant(*_moment_of(r, which)).astimezone(BRUSSELS).isoformat()


def present_registration(r: dict) -> dict:
    """A row of the list of daily registrations (seed 002): with its start and end as
    moments ("Date/time of start", "Date/time of ending") and its hours."""
    return {**r, "startAt": local_moment(r, "start"), "endAt": local_moment(r, "end"),
            "hours": registered_hours(r)}


def presence(registrations: list[dict], workers: dict[str, dict], first: date, last: date
             ) -> list[dict]:
    """Per fixed worker, the days of [first, last] with a daily registration: each counted
    on the day it starts, with the hours registered that day, how many registrations, and
    whether one is still open (no end hour: 0 hours). Cancelled registrations do not
    count."""
    days: dict[str | None, dict[str, dict]] = defaultdict(dict)
    periods: dict[str | None, set[int]] = defaultdict(set)
    for r in registrations:
        if r["cancelled"] or not first <= date.fromisoformat(r["startDate"]) <= last:
            continue
        _count(days[r["ssin"]], r)
        periods[r["ssin"]].add(r["periodId"])
    rows = [{**names(workers.get(ssin), ssin), "periodIds": sorted(periods[ssin]),
             "days": [by_day[d] for d in sorted(by_day)], "totalDays": len(by_day),
             "totalHours": round(sum(d["hours"] for d in by_day.values()), 2)}
            for ssin, by_day in days.items()]
    return sorted(rows, key=lambda w: (w["familyName"] or "", w["givenName"] or "",
                                       w["ssin"] or ""))


def _count(by_day: dict[str, dict], r: dict) -> None:
    day = by_day.setdefault(r["startDate"], {"date": r["startDate"], "hours": 0.0,
                                             "registrations": 0, "open": False})
    hours = registered_hours(r)
    day["registrations"] += 1
    day["open"] = day["open"] or hours is None
    day["hours"] = round(day["hours"] + (hours or 0), 2)


def presence_totals(workers: list[dict]) -> dict:
    return {"workers": len(workers), "days": sum(w["totalDays"] for w in workers),
            "hours": round(sum(w["totalHours"] for w in workers), 2)}


def names(worker: dict | None, ssin: str) -> dict:
    worker = worker or {}
    return {"ssin": ssin, "familyName": worker.get("familyName"),
            "givenName": worker.get("givenName")}


def quotas(year: int, student_hours: int, horeca_days: int) -> dict:
    """A worker's quotas of a year: a student's 650 hours and a horeca extra's 50 days,
    used and left, over every employer (docs/sources.md §7.2-7.3)."""
    return {"year": year,
            "studentHours": _used_left(student_hours, STUDENT_HOURS),
            "horecaDays": _used_left(horeca_days, HORECA_WORKER_DAYS)}


def employer_quota(year: int, horeca_days: int) -> dict:
    """An employer's horeca quota of a year: 200 days of extras (§7.3)."""
    return {"year": year, "horecaDays": _used_left(horeca_days, HORECA_EMPLOYER_DAYS)}


def _used_left(used: int, limit: int) -> dict:
    return {"used": used, "left": max(limit - used, 0), "limit": limit}


def register_keys(number: str, employer_id: int | None, enterprise_number: str | None
                  ) -> list[str]:
    """The keys an employer's periods may be registered under: a declaration names its
    employer by NSSO number or by enterprise number (docs/architecture.md decision 2)."""
    if not number.isdigit() or len(number) > 10:
        raise BadQuery(f"an employer is an NSSO number or an enterprise number, not {number!r}")
    keys = {number}
    if employer_id is not None:
        keys.add(str(employer_id))
    if enterprise_number:
        keys.add(enterprise_number.zfill(10))
    return sorted(keys)


def declared_content(declaration: dict, period: dict | None) -> dict:
    """Part 5 of the declaration detail (seed 002, "Contenu de la déclaration"): the dates,
    hours, joint committees, worker type and hours this declaration gave (what it did not
    give comes from its period), and its three references. A daily registration gives its
    own dates and hours."""
    body = (declaration.get("dimonaIn") or declaration.get("dimonaOut")
            or declaration.get("dimonaUpdate") or declaration.get("dailyRegistration") or {})
    features = body.get("features", {})
    using = body.get("usingEmployer", {})
    period = period or {}
    return {"startDate": body.get("startDate"), "startHour": body.get("startHour"),
            "endDate": body.get("endDate"), "endHour": body.get("endHour"),
            "jointCommissionNumber": features.get("jointCommissionNumber",
                                                  period.get("jointCommissionNumber")),
            "usingJointCommissionNumber": using.get(
                "jointCommissionNumber", period.get("usingJointCommissionNumber")),
            "workerType": features.get("workerType", period.get("workerType")),
            "plannedHoursNumber": body.get("plannedHoursNumber"),
            "references": declaration.get("references", {})}


CSV_COLUMNS = {
    "periods": ["status", "familyName", "givenName", "ssin", "periodId", "jointCommission",
                "workerType", "startDate", "startHour", "endDate", "endHour", "daily",
                "duration", "plannedHoursNumber", "cancelled", "late", "lastDeclarationAt",
                "usingEnterpriseNumber"],
    "workers": ["ssin", "familyName", "givenName", "birthDate", "relationStart",
                "relationEnd", "jointCommissions", "workerTypes"],
    "monthly": ["ssin", "familyName", "givenName", "date", "periodId",
                "jointCommissionNumber", "workerType", "startHour", "endHour", "hours"],
    # seed 002's list of daily registrations, then what the employer's list adds
    "registrations": ["status", "registrationId", "receivedAt", "startDate", "startAt",
                      "endDate", "endAt", "cancelled", "periodId", "ssin", "familyName",
                      "givenName", "startHour", "endHour", "hours"],
    "presence": ["ssin", "familyName", "givenName", "periodIds", "date", "hours",
                 "registrations", "open"],
    "flexi-wages": flexi.CSV_COLUMNS}  # an employer's Flexi at work transfers (issue 23)


def csv_rows(presentation: Presentation | Literal["registrations", "presence", "flexi-wages"],
             items: list[dict]) -> Iterator[list]:
    """The export of a search (seed 000: "Exporteren"): a header, then one row per period,
    per worker, per registration, per Flexi at work transfer, or (monthly) per worker, day
    and period, or (presence) per worker and day. Sets are written as the worker header
    shows them: "-FLX-OTH-"."""
    columns = CSV_COLUMNS[presentation]
    yield columns
    if presentation == "flexi-wages":
        items = [flexi.csv_row(i) for i in items]
    elif presentation == "monthly":
        items = [{**m, "date": day, **entry} for m in items
                 for day, entries in m["days"].items() for entry in entries]
    elif presentation == "presence":
        items = [{**w, **day} for w in items for day in w["days"]]
    for item in items:
        yield [_cell(item.get(c)) for c in columns]


def _cell(value) -> object:
    if isinstance(value, list):
        return "-" + "-".join(map(str, value)) + "-" if value else ""
    return "" if value is None else value
