"""`dimona submit`, `status` and `deadletters`: batches in, results and undecodable records
out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dimona.cli.output import (
    console,
    emit,
    emit_json_lines,
    emit_pieces,
    found_or_exit,
    print_table,
    progress_bars,
    shown,
    table,
)
from dimona.client import StackClient, StackError

REJECTED_SHOWN = 20


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "declarant", help="Declarant enterprise number (default: the first).")
@click.option("--wait", is_flag=True, help="Return when every line has a result.")
@click.option("--json", "as_json", is_flag=True,
              help="The acknowledgement as JSON; with --wait, one result per line (JSON Lines).")
@click.option("--timeout", "timeout_s", default=3600.0, show_default=True,
              help="Seconds --wait waits at most.")
@click.pass_obj
@click.option("--name", help="An official XML file's FI name, when FILE has another name.")
def submit(home: Path, file: Path, declarant: str | None, wait: bool, as_json: bool,
           timeout_s: float, name: str | None) -> None:
    """Submit a JSON Lines batch FILE through the batch channel (docs/interface.md §5). The
    same file again is acknowledged as a duplicate and processed once. An official XML file
    (named FI.DIMN.… or FI.FLEX.…, or FILE.xml with --name) is taken as if its sender had
    sent its GO: its ACRF is printed and written in the sender's OUT folder
    (docs/interface.md §10)."""
    client = StackClient(home)
    name = name or file.name
    official = name.startswith("FI.") or file.suffix.lower() == ".xml"
    summary = (submit_official(client, file, name, as_json) if official
               else client.submit(file, declarant))
    if as_json and not wait:
        emit_pieces(client.acknowledgement(summary))
        return
    if not as_json and not official:
        print_summary(summary, client.rejected_lines(summary["batchRef"]))
    if not wait:
        return
    with progress_bars() as bars:
        complete = client.wait_for_batch(summary, timeout_s, progress=bars)
    if not complete:
        click.echo("dimona: timed out waiting for results", err=True)
        sys.exit(1)
    results = client.batch_results(summary["batchRef"])
    if as_json:
        emit_json_lines(results)
        return
    for row in results:  # streamed: a batch may have many lines
        click.echo(f"line {row['line']}: " + (
            f"{row.get('declarationId')} {row['result']} "
            + " ".join(a["code"] for a in row["anomalies"]) if "result" in row
            else f"rejected: {row['rejected']}"))


def submit_official(client: StackClient, file: Path, name: str, as_json: bool) -> dict:
    """Takes an official file; exits 1 when its ACRF refuses it. Returns its summary."""
    if not name.startswith("FI."):
        raise StackError(f"{file}: an official file needs its FI name: rename it or give "
                         "--name FI.DIMN.<senderId>.<YYYYMMDD>.<sequence>.<R|T|S>.1.1")
    answer = client.submit_official(file, name)
    if not answer.accepted:
        click.echo(f"{name}: refused, ACRF {' '.join(answer.errors)}: {answer.detail} "
                   f"(ticket {answer.ticket}, {answer.acrf})", err=True)
        sys.exit(1)
    summary = answer.summary
    if not as_json:
        click.echo(f"{name}: accepted, ticket {answer.ticket}, {summary['accepted']} forms "
                   f"(ACRF {answer.acrf})")
    return summary


def print_summary(summary: dict, rejected, shown_at_most: int = REJECTED_SHOWN) -> None:
    """The acknowledgement, then the first rejected lines and their reason."""
    dup = " (duplicate: already received, nothing processed twice)" if summary[
        "duplicate"] else ""
    click.echo(f"batch {summary['batchRef']} {summary['fileName']}: {summary['lines']} lines, "
               f"{summary['accepted']} accepted, {summary['rejectedLines']} rejected{dup}")
    rows = []
    for r in rejected:
        if len(rows) == shown_at_most:
            break
        rows.append({"line": r.line, "reason": r.reason})
    if rows:
        print_table(rows, ["line", "reason"])
    if summary["rejectedLines"] > len(rows):
        click.echo(f"... and {summary['rejectedLines'] - len(rows)} more (see --json)")


@click.command()
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


@click.command()
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many of the latest dead letters to list.")
@click.option("--json", "as_json", is_flag=True,
              help="{total, byTopic: [{topic, consumerGroup, count, lastRecordedAt}], "
                   "latest: [...]}.")
@click.pass_obj
def deadletters(home: Path, limit: int, as_json: bool) -> None:
    """Kafka records a consumer could not decode (docs/architecture.md §2, decision 9): how
    many per topic and consumer group, and the latest ones with their reason."""
    emit(StackClient(home).dead_letters(limit), as_json, print_dead_letters)


def print_dead_letters(found: dict) -> None:
    click.echo(f"{found['total']} dead letters")
    out = console()
    if found["byTopic"]:
        out.print(table(found["byTopic"], ["topic", "consumerGroup", "count",
                                           "lastRecordedAt"]))
    if found["latest"]:
        click.echo("Latest:")
        out.print(table([{**r, "reason": shown(r["reason"], 80),
                               "value": shown(r["value"], 40)} for r in found["latest"]],
                        ["recordedAt", "topic", "partition", "offset", "consumerGroup",
                         "reason", "value"]))
