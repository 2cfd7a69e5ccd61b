"""`dimona register`: the personnel register searched (workers, periods, monthly), a period,
a declaration, the quotas, the daily registrations and the quarter's presence."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from dimona.cli.output import (
    emit,
    emit_csv,
    emit_json,
    found_or_exit,
    print_table,
    progress_bars,
)
from dimona.client import StackClient
from schemas.declaration import risk_class_text


class Moment(click.ParamType):
    """A moment in ISO 8601 (`2026-03-03T10:00`; Brussels time without an offset)."""

    name = "MOMENT"

    def convert(self, value, param, ctx):
        from services.projections.application import BadQuery, moment
        try:
            return moment(value)
        except BadQuery as exc:
            self.fail(str(exc), param, ctx)


as_of_option = click.option(
    "--as-of", "as_of", type=Moment(), default=None,
    help="The register as it stood at this moment (e.g. 2026-03-03T10:00, Brussels time), "
         "replayed from the event store and the notifier's log.")


@contextmanager
def views_at(home: Path, as_of: datetime.datetime | None, flexi: bool = False,
             **whose) -> Iterator:
    """The register's views (its Flexi at work views: `flexi`), live or as of a moment
    (then a progress bar while the history is replayed)."""
    client = StackClient(home)
    with progress_bars() as bars, (client.flexi_at if flexi else client.register_at)(
            as_of, bars, **whose) as views:
        yield views


@click.group()
def register() -> None:
    """The personnel register: search it (workers, periods, monthly), read a period, a
    declaration, the quotas, the daily registrations and the presence of a quarter."""


def search_options(command):
    """The filters of the search screen (docs/sources.md §10.2), shared by the three
    presentations."""
    options = [
        click.option("--employer", required=True, help="NSSO number or enterprise number."),
        click.option("--ssin", help="The worker's SSIN."),
        click.option("--name", help="Part of the worker's name (any case)."),
        click.option("--today", is_flag=True, help="Only periods active today."),
        click.option("--full", is_flag=True, help="The full register (the default)."),
        click.option("--from", "from_", type=click.DateTime(["%Y-%m-%d"]),
                     help="Periods active between --from and --to (YYYY-MM-DD)."),
        click.option("--to", type=click.DateTime(["%Y-%m-%d"])),
        click.option("--jc", help="Joint committee (e.g. XXX, 302)."),
        click.option("--worker-type", help="Worker type (e.g. FLX, STU)."),
        click.option("--user", "user", help="Enterprise number of the user of a temporary "
                                            "worker (JC 322)."),
        click.option("--exclude-cancelled", is_flag=True, help="Leave cancelled periods out."),
        click.option("--period", type=int, help="Period number."),
        click.option("--limit", type=click.IntRange(1), help="At most this many rows."),
        click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many."),
        click.option("--json", "as_json", is_flag=True, help="A JSON list of the rows."),
        click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row."),
        as_of_option]
    for option in reversed(options):
        command = option(command)
    return command


def run_search(home: Path, presentation: str, month: str | None = None, **options) -> None:
    from services.projections.application import BadQuery, Filters, Page, csv_rows
    if options["as_json"] and options["as_csv"]:
        raise click.UsageError("give at most one of --json and --csv")
    if options["today"] + options["full"] + bool(options["from_"] or options["to"]) > 1:
        raise click.UsageError("give one of --today, --full and --from/--to")
    try:
        active = Filters.today() if options["today"] else (
            options["from_"] and options["from_"].date(), options["to"] and options["to"].date())
        filters = Filters(
            ssin=options["ssin"], name=options["name"], active_from=active[0],
            active_to=active[1], joint_commission_number=options["jc"],
            worker_type=options["worker_type"], user_enterprise_number=options["user"],
            exclude_cancelled=options["exclude_cancelled"], period_id=options["period"])
        with views_at(home, options["as_of"], employer=options["employer"]) as views:
            found = views.search(presentation, options["employer"], filters,
                                 Page(options["limit"], options["offset"]), month)
    except BadQuery as exc:
        raise click.UsageError(str(exc)) from None
    if options["as_csv"]:
        emit_csv(csv_rows(presentation, found["items"]))
    elif options["as_json"]:
        emit_json(found["items"])
    else:
        print_search(presentation, found)


def print_search(presentation: str, found: dict) -> None:
    """The result screen: the employer, the selection criteria, the rows, the count."""
    from services.projections.application import csv_rows
    print_employer(found["employer"])
    print_criteria(found["criteria"])
    columns, *rows = csv_rows(presentation, found["items"])
    print_table([dict(zip(columns, r, strict=True)) for r in rows], columns)
    first = found["offset"] + 1 if found["items"] else 0
    click.echo(f"{first} to {found['offset'] + len(found['items'])} of {found['total']} "
               "results")


def print_employer(employer: dict) -> None:
    """The header of the result screens: the employer's name and numbers."""
    click.echo(f"{employer['name'] or 'Employer'}  enterprise number "
               f"{employer['enterpriseNumber'] or '-'}  NSSO number "
               f"{employer['employerId'] or '-'}")


def print_criteria(criteria: dict) -> None:
    click.echo("Selection: " + " | ".join(f"{k}: {v}" for k, v in criteria.items()))


@register.command()
@search_options
@click.pass_obj
def workers(home: Path, **options) -> None:
    """The list of workers: each worker with a period matching the search, with the start
    and end of the relation and the joint committees and worker types used."""
    run_search(home, "workers", **options)


@register.command()
@search_options
@click.pass_obj
def periods(home: Path, **options) -> None:
    """The list of periods matching the search (seed 000's "Lijst van de periodes")."""
    run_search(home, "periods", **options)


@register.command()
@search_options
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.pass_obj
def monthly(home: Path, month: str, **options) -> None:
    """The monthly overview: per worker and day, the periods worked and their hours."""
    run_search(home, "monthly", month, **options)


@register.command(name="period")
@click.argument("period_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@as_of_option
@click.pass_obj
def period_detail(home: Path, period_id: int, as_json: bool, as_of) -> None:
    """A period with its worker, its declarations and its notifications."""
    with views_at(home, as_of, declaration=period_id) as views:
        found = found_or_exit(views.period(period_id), f"no period {period_id}" + (
            f" at {as_of.isoformat()}" if as_of else ""))
    emit(found, as_json, print_period)


def print_period(found: dict) -> None:
    print_worker(found["worker"])
    print_period_line(found["period"])
    click.echo("Declarations:")
    print_table(found["declarations"], ["receivedAt", "declarationId", "declarationType",
                                        "startDate", "startHour", "endDate", "endHour",
                                        "plannedHoursNumber", "result", "anomalies"])
    if found.get("registrations"):
        click.echo("Daily registrations:")
        print_table(found["registrations"], PERIOD_REGISTRATION_COLUMNS)
    print_notifications(found["notifications"])


# Seed 002's list of daily registrations of a period.
PERIOD_REGISTRATION_COLUMNS = ["status", "registrationId", "receivedAt", "startDate",
                               "startAt", "endDate", "endAt", "cancelled", "hours"]


def print_period_line(p: dict) -> None:
    click.echo(f"Period {p['periodId']}: {p['startDate']} {p['startHour'] or ''} to "
               f"{'daily' if p['daily'] else (p['endDate'] or '-')} {p['endHour'] or ''}  "
               f"JC {p['jointCommission']}  type {p['workerType']}  duration "
               f"{p['duration'] or '-'}  cancelled {'yes' if p['cancelled'] else 'no'}")
    for line in period_particulars(p):
        click.echo(f"  {line}")


def period_particulars(p: dict) -> list[str]:
    """What only some INs give, when the period has it: a public employer's sub-entity,
    a construction worker's C3.2A control cards, an intern's small statutes."""
    cards, statutes = p.get("constructionControlCards"), p.get("smallStatutesInformation")
    lines = [f"Sub-entity {p['subEntityNumber']}"] if p.get("subEntityNumber") else []
    if cards:
        lines.append(f"C3.2A control cards: first month {cards.get('firstMonthC32ANumber') or '-'}"
                     f", next month {cards.get('nextMonthC32ANumber') or '-'}")
    if statutes:
        risk = statutes.get("activityWithRisk")
        lines.append("Small statutes: employment nature "
                     f"{statutes.get('employmentNature') or '-'}, activity with risk "
                     f"{'-' if risk is None else risk_class_text(risk)}, worker status "
                     f"{statutes.get('workerStatus') or '-'}")
    return lines




def print_worker(w: dict | None) -> None:
    if w is None:
        return
    click.echo(f"Worker {w['ssin']} {w['familyName'] or ''} {w['givenName'] or ''}  born "
               f"{w['birthDate'] or '-'}  relation {w['relationStart'] or '-'} to "
               f"{w['relationEnd'] or '-'}  JC -{'-'.join(w['jointCommissions'])}-  types "
               f"-{'-'.join(w['workerTypes'])}-")


def print_notifications(rows: list[dict]) -> None:
    """Seed 002's list of notifications: before and after as start - end (hours)."""
    click.echo("Notifications:" + ("" if rows else " none"))
    if rows:
        print_table([{**r, "periodBefore": _change(r["periodBefore"]),
                      "periodAfter": _change(r["periodAfter"]),
                      "anomalyCodes": " ".join(r["anomalyCodes"]) or "-"} for r in rows],
                    ["sentAt", "declarationId", "channel", "recipient", "periodBefore",
                     "periodAfter", "anomalyCodes"])


def _change(side: dict | None) -> str:
    if side is None:
        return "-"
    start = f"{side['startDate']} {side['startHour'] or ''}".strip()
    end = f"{side['endDate'] or ''} {side['endHour'] or ''}".strip()
    hours = f" ({side['plannedHoursNumber']} h)" if side["plannedHoursNumber"] else ""
    return f"{start} - {end}{hours}" + (" cancelled" if side["cancelled"] else "")


@register.command(name="declaration")
@click.argument("declaration_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@as_of_option
@click.pass_obj
def declaration_detail(home: Path, declaration_id: int, as_json: bool, as_of) -> None:
    """The six parts of a declaration's detail: criteria, worker, period, technical data,
    content, notifications."""
    with views_at(home, as_of, declaration=declaration_id) as views:
        found = found_or_exit(views.declaration(declaration_id),
                              f"no declaration {declaration_id} " + (
                                  f"at {as_of.isoformat()}" if as_of else "(yet)"))
    emit(found, as_json, print_declaration)


def print_declaration(found: dict) -> None:
    print_criteria(found["criteria"])
    print_worker(found["worker"])
    if found["period"]:
        print_period_line(found["period"])
    for part in ("technical", "content"):
        click.echo(f"{part.title()}: " + "  ".join(
            f"{k} {v if v not in (None, {}) else '-'}" for k, v in found[part].items()))
    print_notifications(found["notifications"])


@register.command()
@click.option("--employer", required=True, help="NSSO number or enterprise number.")
@click.option("--ssin", help="Only this worker.")
@click.option("--year", type=int, default=lambda: datetime.date.today().year,
              show_default="this year")
@click.option("--json", "as_json", is_flag=True)
@as_of_option
@click.pass_obj
def quotas(home: Path, employer: str, ssin: str | None, year: int, as_json: bool,
           as_of) -> None:
    """Quotas of a year: the employer's horeca days, and its students' hours and extras'
    days, used and left over every employer (as of a moment: every employer's history is
    replayed)."""
    from services.projections.application import BadQuery
    try:
        with views_at(home, as_of, everyone=True) as views:
            found = views.quotas(employer, year, ssin)
    except BadQuery as exc:
        raise click.UsageError(str(exc)) from None
    emit(found, as_json, print_quotas)


def print_quotas(found: dict) -> None:
    days = found["horecaDays"]
    click.echo(f"{found['year']}: horeca days of the employer {days['used']} used, "
               f"{days['left']} left of {days['limit']}")
    print_table([{"ssin": w["ssin"], "name": f"{w['familyName'] or ''} {w['givenName'] or ''}",
                  "studentHoursUsed": w["studentHours"]["used"],
                  "studentHoursLeft": w["studentHours"]["left"],
                  "horecaDaysUsed": w["horecaDays"]["used"],
                  "horecaDaysLeft": w["horecaDays"]["left"]} for w in found["workers"]],
                ["ssin", "name", "studentHoursUsed", "studentHoursLeft", "horecaDaysUsed",
                 "horecaDaysLeft"])


@register.command()
@click.option("--employer", required=True, help="NSSO number or enterprise number.")
@click.option("--period", type=int, help="Only the registrations of this period.")
@click.option("--from", "from_", type=click.DateTime(["%Y-%m-%d"]),
              help="Registrations starting between --from and --to (YYYY-MM-DD).")
@click.option("--to", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--limit", type=click.IntRange(1), help="At most this many rows.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of the rows.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
@as_of_option
@click.pass_obj
def registrations(home: Path, employer: str, period: int | None, from_, to,
                  limit: int | None, offset: int, as_json: bool, as_csv: bool,
                  as_of) -> None:
    """The daily registrations of an employer's fixed workers, by start: number, period,
    worker, reception, start and end, hours, status."""
    from services.projections.application import BadQuery, Page, RegistrationFilters
    one_format(as_json, as_csv)
    try:
        with views_at(home, as_of, employer=employer) as views:
            found = views.registrations(employer, RegistrationFilters(
                period, from_ and from_.date(), to and to.date()), Page(limit, offset))
    except BadQuery as exc:
        raise click.UsageError(str(exc)) from None
    emit_listing("registrations", found, found["items"], as_json, as_csv, print_registrations)


def one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("give at most one of --json and --csv")


def emit_listing(name: str, found: dict, items: list[dict], as_json: bool, as_csv: bool,
                 show) -> None:
    """CSV rows, the JSON list of the items, or the table for people."""
    from services.projections.application import csv_rows
    if as_csv:
        emit_csv(csv_rows(name, items))
    elif as_json:
        emit_json(items)
    else:
        show(found)


def print_registrations(found: dict) -> None:
    print_employer(found["employer"])
    print_criteria(found["criteria"] or {"register": "full"})
    print_table([{**r, "name": f"{r['familyName'] or ''} {r['givenName'] or ''}".strip()}
                 for r in found["items"]],
                ["status", "registrationId", "periodId", "ssin", "name", "receivedAt",
                 "startAt", "endAt", "hours"])
    first = found["offset"] + 1 if found["items"] else 0
    click.echo(f"{first} to {found['offset'] + len(found['items'])} of {found['total']} "
               "results")


@register.command()
@click.option("--employer", required=True, help="NSSO number or enterprise number.")
@click.option("--quarter", required=True, help="The quarter, e.g. 2026Q3.")
@click.option("--json", "as_json", is_flag=True, help="The whole view as one JSON document.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: one row per worker and day.")
@as_of_option
@click.pass_obj
def presence(home: Path, employer: str, quarter: str, as_json: bool, as_csv: bool,
             as_of) -> None:
    """The presence of an employer's fixed workers in a quarter: per worker, the days with a
    daily registration (counted on the day it starts) and the hours registered."""
    from services.projections.application import BadQuery
    one_format(as_json, as_csv)
    try:
        with views_at(home, as_of, employer=employer) as views:
            found = views.presence(employer, quarter)
    except BadQuery as exc:
        raise click.UsageError(str(exc)) from None
    if as_csv:
        from services.projections.application import csv_rows
        emit_csv(csv_rows("presence", found["workers"]))
    else:
        emit(found, as_json, print_presence)


def print_presence(found: dict) -> None:
    """One line per worker and day, then the worker's totals and the quarter's."""
    click.echo(f"{found['employer']['name'] or 'Employer'}  {found['quarter']} "
               f"({found['from']} to {found['to']})")
    rows = []
    for w in found["workers"]:
        name = f"{w['familyName'] or ''} {w['givenName'] or ''}".strip()
        rows += [{"ssin": w["ssin"], "name": name, "date": d["date"], "hours": d["hours"],
                  "registrations": d["registrations"], "open": "open" if d["open"] else ""}
                 for d in w["days"]]
        rows.append({"ssin": w["ssin"], "name": name, "date": f"{w['totalDays']} days",
                     "hours": w["totalHours"],
                     "open": "periods " + " ".join(map(str, w["periodIds"]))})
    print_table(rows, ["ssin", "name", "date", "hours", "registrations", "open"])
    totals = found["totals"]
    click.echo(f"{totals['workers']} workers, {totals['days']} days, {totals['hours']} hours")


@register.command()
@click.option("--keep", type=click.IntRange(1), default=3, show_default=True,
              help="How many snapshots to keep, the newest.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def snapshot(home: Path, keep: int, as_json: bool) -> None:
    """Take a snapshot of the register, replayed from the event store: `--as-of` a later
    moment starts from it and replays only what was recorded since (run it nightly)."""
    started = time.monotonic()
    with progress_bars() as bars:
        name, count = StackClient(home).snapshot(keep, bars)
    seconds = round(time.monotonic() - started, 3)
    if as_json:
        emit_json({"snapshot": name, "decisions": count, "seconds": seconds})
    else:
        click.echo(f"snapshot {name}: {count} decisions replayed in {seconds:.1f}s")
