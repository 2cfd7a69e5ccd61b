"""The Multi-Dimona tab (seed 000's "Multi-Dimona : Nieuwe periodes toevoegen", seed 002):
the same characteristics for several workers over a period or several days, in four
steps: the joint committee and worker type (only the types the committee allows), a period
or days picked in a month's calendar with one common start and end hour, the workers
("recently active" or all, paged), then the overview where each line can be changed or
removed. Confirming declares one Dimona IN per worker and day (per worker for a period)
through the pipeline of every channel, then the confirmation of receipt.

Without JavaScript: each step is a form posted to `/web/multi-dimona`; what the earlier
steps chose travels in hidden fields (`step` names the step shown, the button `go` what to
do: `next`, `back`, `month:YYYY-MM`, `show:recent|all`, `page:N`, `add`, `remove:N`,
`confirm`)."""

from __future__ import annotations

import calendar as months
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.reference import reference
from services.api.web import pages
from services.api.web.declare import Declare, Refused, declare
from services.api.web.deps import EmployerSession, Form, Found
from services.api.web.forms import (
    Fields,
    as_time,
    digits,
    employer_keys,
    employer_ref,
    number_of,
    refused_errors,
    today,
    translator,
    writer,
)
from services.api.web.session import WebSession
from services.projections.application import Filters, Page

router = APIRouter(include_in_schema=False)
PAGE = 20
MAX_LINES = 500  # what one confirmation of receipt shows
MAX_DAYS = 366
STEPS = ("features", "period", "workers", "overview")
LINE = re.compile(r"^line\.(\d+)\.(ssin|startDate|startHour|endDate|endHour)$")
SSIN = r"[0-9]{11}"


@dataclass
class Multi:
    """What the wizard's steps chose so far (from the posted fields)."""

    jc: str = "XXX"
    worker_type: str = ""
    mode: str = "days"  # or "period"
    start_date: str = ""
    end_date: str = ""
    start_hour: str = ""
    end_hour: str = ""
    planned_hours: str = ""
    month: str = ""
    days: list[str] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)
    show: str = "recent"
    offset: int = 0
    lines: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, form: dict[str, str]) -> Multi:
        def get(name: str, default: str = "") -> str:
            return (form.get(name) or default).strip()
        lines: dict[int, dict] = {}
        for name, value in form.items():
            if found := LINE.match(name):
                lines.setdefault(int(found.group(1)), {})[found.group(2)] = value.strip()
        offset = get("offset", "0")
        return cls(jc=get("jc", "XXX"), worker_type=get("workerType"),
                   mode="period" if get("mode") == "period" else "days",
                   start_date=get("startDate"), end_date=get("endDate"),
                   start_hour=get("startHour"), end_hour=get("endHour"),
                   planned_hours=get("plannedHours"), month=get("month"),
                   days=sorted({n[4:] for n, v in form.items()
                                if n.startswith("day.") and v and _is_day(n[4:])}),
                   workers=list(dict.fromkeys(
                       n[7:] for n, v in form.items()
                       if n.startswith("worker.") and v and re.fullmatch(SSIN, n[7:]))),
                   show="all" if get("show") == "all" else "recent",
                   offset=number_of(offset),
                   lines=[lines[i] for i in sorted(lines)])

    def hidden(self, step: str, days_shown: set[str] = frozenset(),
               workers_shown: set[str] = frozenset()) -> list[tuple[str, str]]:
        """The choices the step shown does not show, to post them again."""
        kept: list[tuple[str, str]] = [("step", step)]
        if step != "features":
            kept += [("jc", self.jc), ("workerType", self.worker_type)]
        if step != "period":
            kept += [("mode", self.mode), ("startDate", self.start_date),
                     ("endDate", self.end_date), ("startHour", self.start_hour),
                     ("endHour", self.end_hour), ("plannedHours", self.planned_hours),
                     ("month", self.month)]
        else:
            kept.append(("month", self.month))
        kept += [(f"day.{d}", "on") for d in self.days if d not in days_shown]
        kept += [(f"worker.{s}", "on") for s in self.workers if s not in workers_shown]
        if step != "workers":
            kept += [("show", self.show), ("offset", str(self.offset))]
        return [(k, v) for k, v in kept if v]

    def expand(self) -> list[dict]:
        """One line per worker and day (per worker for a period), workers in the order
        chosen, then days."""
        if self.mode == "period":
            spans = [(self.start_date, self.end_date)]
        else:
            spans = [(d, d) for d in self.days]
        return [{"ssin": ssin, "startDate": start, "endDate": end,
                 "startHour": self.start_hour, "endHour": self.end_hour}
                for ssin in self.workers for start, end in spans]


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def choices(jc: str) -> dict:
    """The joint committees, and the worker types the chosen one allows."""
    ref = reference()
    allowed = sorted(ref.allowed.get(jc, ()))
    return {"committees": ref.joint_committees,
            "types": {code: ref.worker_types[code].label for code in allowed
                      if code in ref.worker_types}}


def calendar(month: str, picked: set[str]) -> dict:
    """A month's grid (weeks from Monday, with their ISO week number) of days to tick."""
    year, number = (int(p) for p in month.split("-"))
    first = date(year, number, 1)
    last = date(year, number, months.monthrange(year, number)[1])
    start = first - timedelta(days=first.weekday())
    weeks = []
    while start <= last:
        days = [start + timedelta(days=i) for i in range(7)]
        weeks.append({"number": days[0].isocalendar()[1],
                      "days": [{"iso": d.isoformat(), "day": d.day,
                                "picked": d.isoformat() in picked}
                               if d.month == number else None for d in days]})
        start += timedelta(days=7)
    previous = (first - timedelta(days=1)).strftime("%Y-%m")
    following = (last + timedelta(days=1)).strftime("%Y-%m")
    return {"month": month, "first": first, "weeks": weeks, "previous": previous,
            "next": following, "shown": {d["iso"] for w in weeks for d in w["days"] if d}}


def month_of(state: Multi) -> str:
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", state.month):
        return state.month
    return (state.days[0] if state.days else today().isoformat())[:7]


@router.get("/web/multi-dimona")
def start(request: Request, session: EmployerSession, found: Found) -> Response:
    writer(session)
    return show(request, session, found, Multi(), "features")


@router.post("/web/multi-dimona")
def step(request: Request, session: EmployerSession, form: Form, found: Found) -> Response:
    writer(session)
    state = Multi.of(form)
    shown = form.get("step", "features")
    go = form.get("go", "next")
    _ = translator(request)
    if shown not in STEPS or (go == "back" and shown == "features"):
        return show(request, session, found, state, "features")
    if go == "back":
        return show(request, session, found, state, STEPS[STEPS.index(shown) - 1])
    if shown == "features":
        errors = check_features(state, _) if go == "next" else {}
        if go != "next" or errors:
            return show(request, session, found, state, "features", errors)
        return show(request, session, found, state, "period")
    if shown == "period":
        if go.startswith("month:"):
            state.month = go[6:]
            return show(request, session, found, state, "period")
        errors = check_period(state, _)
        return show(request, session, found, state, "period" if errors else "workers",
                    errors)
    if shown == "workers":
        return workers_step(request, session, found, state, go, form, _)
    return overview_step(request, session, found, state, go, _)


def workers_step(request, session, found, state: Multi, go: str, form: dict,
                 _) -> Response:
    if go.startswith("show:"):
        state.show, state.offset = ("all" if go == "show:all" else "recent"), 0
        return show(request, session, found, state, "workers")
    if go.startswith("page:"):
        state.offset = number_of(go[5:])
        return show(request, session, found, state, "workers")
    if go == "add":
        fields = Fields(form, _)
        ssin = fields.text("addSsin", required=True, pattern=SSIN,
                           error="multi.error.ssin")
        if ssin and ssin not in state.workers:
            state.workers.append(ssin)
        return show(request, session, found, state, "workers", fields.errors,
                    keep={} if ssin else form)
    if not state.workers:
        return show(request, session, found, state, "workers",
                    {"workers": _("multi.error.no_worker")})
    if len(state.expand()) > MAX_LINES:
        return show(request, session, found, state, "workers",
                    {"workers": _("multi.error.too_many", limit=MAX_LINES)})
    state.lines = state.expand()
    return show(request, session, found, state, "overview")


def overview_step(request, session, found, state: Multi, go: str, _) -> Response:
    if go.startswith("remove:"):
        index = go[7:]
        if digits(index) and int(index) < len(state.lines):
            del state.lines[int(index)]
        return show(request, session, found, state, "overview")
    if go != "confirm":
        return show(request, session, found, state, "overview")
    if not state.lines:
        return show(request, session, found, state, "overview",
                    {"form": _("multi.error.no_line")})
    errors, bodies = declarations(state, employer_ref(found, session), _)
    if errors:
        return show(request, session, found, state, "overview", errors)
    try:
        numbers = declare(Declare(found.intake, found.access.check_may_declare),
                          session.principal, bodies, via="web")
    except Refused as refused:
        errors, message = refused_errors(refused, _, lambda path: line_field(
            path, len(bodies)))
        return show(request, session, found, state, "overview", errors, message=message)
    return pages.redirect("/web/confirmation?ids=" + ",".join(str(n) for n in numbers))


def line_field(path: str, count: int) -> str | None:
    """`1.dimonaIn.startHour` (or `dimonaIn.startHour` for one line) -> `line.1.startHour`."""
    parts = path.split(".")
    index = parts.pop(0) if count > 1 and parts and digits(parts[0]) else "0"
    name = parts[-1] if parts else ""
    if name in ("startDate", "startHour", "endDate", "endHour"):
        return f"line.{index}.{name}"
    if name == "ssin":
        return f"line.{index}.ssin"
    return None


def check_features(state: Multi, _) -> dict[str, str]:
    errors = {}
    if state.jc not in reference().joint_committees:
        errors["jc"] = _("multi.error.jc")
    elif not state.worker_type:
        errors["workerType"] = _("registration.error.required")
    elif state.worker_type not in reference().allowed.get(state.jc, ()):
        errors["workerType"] = _("multi.error.type", jc=state.jc)
    return errors


def check_period(state: Multi, _) -> dict[str, str]:
    fields = Fields({"startDate": state.start_date, "endDate": state.end_date,
                     "startHour": state.start_hour, "endHour": state.end_hour,
                     "plannedHours": state.planned_hours}, _)
    kind = reference().worker_type(state.worker_type)
    if state.mode == "period":
        start = fields.day("startDate", required=True)
        end = fields.day("endDate", required=bool(kind and kind.end_date))
        if start and end and end < start:
            fields.errors["endDate"] = _("registration.error.end_before_start")
        fields.hour("startHour")
        fields.hour("endHour")
    else:
        if not state.days:
            fields.errors["days"] = _("multi.error.no_day")
        elif len(state.days) > MAX_DAYS:
            fields.errors["days"] = _("multi.error.too_many_days", limit=MAX_DAYS)
        needs_hours = bool(kind and kind.hours)
        fields.hour("startHour", required=needs_hours)
        fields.hour("endHour", required=needs_hours)
    fields.text("plannedHours", required=bool(kind and kind.planned_hours),
                pattern=r"[0-9]{1,4}", error="multi.error.planned_hours")
    return fields.errors


def declarations(state: Multi, employer: dict, _) -> tuple[dict[str, str], list[dict]]:
    """The Dimona IN of each line, or the errors of the lines' fields."""
    fields = Fields({f"line.{i}.{k}": v for i, line in enumerate(state.lines)
                     for k, v in line.items()}, _)
    bodies = []
    for i in range(len(state.lines)):
        name = f"line.{i}."
        ssin = fields.text(name + "ssin", required=True, pattern=SSIN, error="multi.error.ssin")
        start = fields.day(name + "startDate", required=True)
        end = fields.day(name + "endDate")
        if start and end and end < start:
            fields.errors[name + "endDate"] = _("registration.error.end_before_start")
        start_hour, end_hour = fields.hour(name + "startHour"), fields.hour(name + "endHour")
        found = {"startDate": start and start.isoformat(), "startHour": start_hour,
                 "endDate": end and end.isoformat(), "endHour": end_hour,
                 "features": {"jointCommissionNumber": state.jc,
                              "workerType": state.worker_type}}
        if digits(state.planned_hours):
            found["plannedHoursNumber"] = int(state.planned_hours)
        bodies.append({"employer": employer, "worker": {"ssin": ssin},
                       "dimonaIn": {k: v for k, v in found.items() if v is not None}})
    return fields.errors, bodies


def show(request: Request, session: WebSession, found: Found, state: Multi, step: str,
         errors: dict[str, str] | None = None, message: str | None = None,
         keep: dict | None = None) -> Response:
    """One step of the wizard, with what it needs."""
    context: dict = {"state": state, "step": step, "steps": STEPS, "errors": errors or {},
                     "message": message, "values": keep or {}}
    if step == "features":
        context.update(choices(state.jc), hidden=state.hidden(step))
    elif step == "period":
        state.month = month_of(state)
        grid = calendar(state.month, set(state.days))
        kind = reference().worker_type(state.worker_type)
        context.update(grid=grid, kind=kind, hidden=state.hidden(step, grid["shown"]),
                       values={"startDate": state.start_date, "endDate": state.end_date,
                               "startHour": as_time(state.start_hour) or state.start_hour,
                               "endHour": as_time(state.end_hour) or state.end_hour,
                               "plannedHours": state.planned_hours})
    elif step == "workers":
        if state.show == "recent":
            filters = Filters(active_from=today() - timedelta(days=7), active_to=today())
        else:
            filters = Filters()
        page = found.readers.register.search("workers", session.employer, filters,
                                             Page(PAGE, state.offset))
        listed = {w["ssin"] for w in page["items"] if w["ssin"]}
        context.update(page=page, size=PAGE,
                       hidden=state.hidden(step, workers_shown=listed),
                       chosen=names(found, session, state.workers))
    else:
        context.update(hidden=state.hidden(step),
                       named=names(found, session, [line.get("ssin") for line in state.lines]),
                       lines=[{**line, "startHour": as_time(line.get("startHour")) or
                               line.get("startHour", ""), "endHour": as_time(
                                   line.get("endHour")) or line.get("endHour", "")}
                              for line in state.lines])
    status = 422 if errors or message else 200
    return pages.render(request, "multi.html", session, status, **context)


def names(found: Found, session: WebSession, ssins: list[str | None]) -> dict[str, dict]:
    """The names the register knows of these workers at the session's employer."""
    wanted = sorted({s for s in ssins if s})
    if not wanted:
        return {}
    return found.readers.queries.workers_named(employer_keys(found, session), wanted)
