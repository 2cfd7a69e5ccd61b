"""`dimona flexi`: Flexi at work (docs/interface.md §9): an employer's transfers, a ticket's
decision, a flexi-jobber's details at an employer and its income counter of a year."""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from dimona.cli.output import emit, found_or_exit, print_table
from dimona.cli.register import (
    as_of_option,
    emit_listing,
    one_format,
    print_criteria,
    print_employer,
    views_at,
)

TRANSFER_COLUMNS = ["status", "ticket", "action", "receivedAt", "ssin", "name", "relation",
                    "payslipReference", "period", "wages", "premiums", "anomalies"]


@click.group()
def flexi() -> None:
    """Flexi at work: the wage data of flexi-jobbers' payslips, their decisions and the
    yearly income counter."""


@flexi.command(name="list")
@click.option("--employer", required=True, help="NSSO number or enterprise number.")
@click.option("--ssin", help="Only this flexi-jobber.")
@click.option("--year", type=int, help="Only this income year.")
@click.option("--from", "from_", type=click.DateTime(["%Y-%m-%d"]),
              help="Calculation periods with a day between --from and --to (YYYY-MM-DD).")
@click.option("--to", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--limit", type=click.IntRange(1), help="At most this many rows.")
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of the transfers.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
@as_of_option
@click.pass_obj
def flexi_list(home: Path, employer: str, ssin: str | None, year: int | None, from_, to,
               limit: int | None, offset: int, as_json: bool, as_csv: bool, as_of) -> None:
    """An employer's transfers: the decided ones by ticket (result A, W or B), then those
    still pending."""
    from services.projections.application import (
        BadFlexiQuery,
        BadQuery,
        FlexiFilters,
        Page,
    )
    one_format(as_json, as_csv)
    try:
        with views_at(home, as_of, flexi=True, employer=employer) as views:
            found = views.transfers(employer, FlexiFilters(
                ssin, year, from_ and from_.date(), to and to.date()), Page(limit, offset))
    except (BadQuery, BadFlexiQuery) as exc:
        raise click.UsageError(str(exc)) from None
    emit_listing("flexi-wages", found, found["items"], as_json, as_csv, print_transfers)


def print_transfers(found: dict) -> None:
    print_employer(found["employer"])
    print_criteria(found["criteria"] or {"register": "full"})
    print_table([transfer_row(t) for t in found["items"]], TRANSFER_COLUMNS)
    first = found["offset"] + 1 if found["items"] else 0
    click.echo(f"{first} to {found['offset'] + len(found['items'])} of {found['total']} "
               "results")


def transfer_row(t: dict) -> dict:
    from services.projections.application import euros
    period = f"{t['startDate']} - {t['endDate']}" if t["startDate"] else "-"
    return {**t, "name": f"{t['familyName'] or ''} {t['givenName'] or ''}".strip(),
            "relation": t["relation"]["reference"] or t["relation"]["uuid"],
            "period": period + (" cancelled" if t["cancelled"] else ""),
            "wages": euros(t["wagesCents"]), "premiums": euros(t["premiumsCents"]),
            "anomalies": " ".join(t["anomalies"]) or "-"}


@flexi.command()
@click.argument("ticket", type=int)
@click.option("--json", "as_json", is_flag=True)
@as_of_option
@click.pass_obj
def status(home: Path, ticket: int, as_json: bool, as_of) -> None:
    """A ticket's decision: its result, anomalies and the situation after it (before it,
    when refused); exit 1 while it is not decided."""
    with views_at(home, as_of, flexi=True, declaration=ticket) as views:
        found = found_or_exit(views.decision(ticket), f"no decision for ticket {ticket} " + (
            f"at {as_of.isoformat()}" if as_of else "(yet)"))
    emit(found["answer"], as_json, print_decision)


def print_decision(d: dict) -> None:
    click.echo(f"{d['ticket']} FLEXI_WAGE {d['action']} {d['result']} situation "
               f"{d['situationKey']}" + "".join(
                   f"\n  {a['code']} ({a['severity']}) {a['labelEn']}"
                   for a in d["anomalies"]))
    click.echo("situation " + situation_line(d["situation"]))


def situation_line(s: dict | None) -> str:
    from services.projections.application import euros
    if s is None:
        return "-"
    c = s["calculation"] or {}
    capacities = " ".join(f"{f['employerCategory']}/{f['workerCode']}"
                          for f in c.get("features", []))
    return (f"{c.get('startDate', '-')} - {c.get('endDate', '-')} ({capacities or '-'}) "
            f"wages {euros(s['wagesCents'])} premiums {euros(s['premiumsCents'])} EUR, "
            f"year {s['year']}, version {s['version']}"
            + (" cancelled" if s["cancelled"] else ""))


@flexi.command()
@click.option("--employer", required=True, help="NSSO number or enterprise number.")
@click.option("--ssin", required=True, help="The flexi-jobber's SSIN.")
@click.option("--json", "as_json", is_flag=True)
@as_of_option
@click.pass_obj
def worker(home: Path, employer: str, ssin: str, as_json: bool, as_of) -> None:
    """A flexi-jobber's details at an employer: its transfers ("Flexi at work"), its
    situations as they are now and its Dimona periods there."""
    from services.projections.application import BadQuery
    try:
        with views_at(home, as_of, flexi=True, employer=employer) as views:
            found = views.worker(employer, ssin)
    except BadQuery as exc:
        raise click.UsageError(str(exc)) from None
    emit(found, as_json, print_worker)


def print_worker(found: dict) -> None:
    w = found["worker"]
    click.echo(f"{found['employer']['name'] or 'Employer'}: flexi-jobber {w['ssin']} "
               f"{w['familyName'] or ''} {w['givenName'] or ''}".rstrip())
    click.echo("Flexi at work:" + ("" if found["flexiAtWork"] else " none"))
    if found["flexiAtWork"]:
        print_table([transfer_row(t) for t in found["flexiAtWork"]], TRANSFER_COLUMNS)
    click.echo("Dimona periods:" + ("" if found["dimonaPeriods"] else " none"))
    if found["dimonaPeriods"]:
        print_table(found["dimonaPeriods"], ["status", "periodId", "jointCommission",
                                             "workerType", "startDate", "startHour",
                                             "endDate", "endHour", "lastDeclarationAt"])


@flexi.command()
@click.option("--ssin", required=True, help="The flexi-jobber's SSIN.")
@click.option("--year", type=int, default=lambda: datetime.date.today().year,
              show_default="this year", help="The income year.")
@click.option("--json", "as_json", is_flag=True)
@as_of_option
@click.pass_obj
def income(home: Path, ssin: str, year: int, as_json: bool, as_of) -> None:
    """A flexi-jobber's income of the year over every employer (wages and premiums of the
    situations that are not cancelled), the year's ceiling and what is left of it."""
    with views_at(home, as_of, flexi=True, everyone=True) as views:
        found = views.income(ssin, year)
    emit(found, as_json, print_income)


def print_income(found: dict) -> None:
    from services.projections.application import euros
    click.echo(f"{found['ssin']} income {found['year']}: wages {euros(found['wagesCents'])} "
               f"+ premiums {euros(found['premiumsCents'])} = "
               f"{euros(found['totalCents'])} EUR")
    if found["ceilingCents"] is None:
        why = (f"retired from {found['retiredFrom']}" if found["retiredFrom"]
               else "none known for this year")
        click.echo(f"ceiling: none ({why})")
    else:
        note = "" if found["ceilingConfirmed"] else " (amount NOT CONFIRMED)"
        click.echo(f"ceiling {euros(found['ceilingCents'])} EUR{note}: counted "
                   f"{euros(found['subjectCents'])}, left {euros(found['leftCents'])}"
                   + (f", exceeded by {euros(found['exceededCents'])}"
                      if found["exceededCents"] else ""))
    print_table([{**s, "period": f"{s['startDate'] or '-'} - {s['endDate'] or '-'}",
                  "wages": euros(s["wagesCents"]), "premiums": euros(s["premiumsCents"]),
                  "retired": "retired" if s["retired"] else ""}
                 for s in found["situations"]],
                ["debtorKey", "ticket", "relationReference", "period", "wages", "premiums",
                 "retired"])
