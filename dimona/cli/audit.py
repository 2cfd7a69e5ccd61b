"""`dimona audit`: who declared what, when, through which channel, what was answered; and the
proof that nothing recorded was altered."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dimona.cli.output import emit, emit_json, emit_json_lines, found_or_exit, progress_bars
from dimona.client import StackClient


@click.group()
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
    and rule version, and why (the rules that raise each anomaly; in --json also the facts
    they read: the period before, the quotas, the employer as the directory knew it); what
    was sent. Give exactly one of the options."""
    from services.audit.application import NoSelection, Selection
    from services.audit.domain import text
    try:
        selection = Selection(employer, ssin, period, declaration)
    except NoSelection as exc:
        raise click.UsageError(str(exc)) from None
    found = False
    for entry in StackClient(home).audit_entries(selection):  # streamed, entry by entry
        found = True
        if as_json:
            emit_json(entry.to_json())
        else:
            click.echo("\n".join(text(entry)))
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
    with progress_bars() as bars:
        report = StackClient(home).verify_audit(anchors, progress=bars)
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
    emit_json_lines(StackClient(home).audit_verifier().checkpoints(), ensure_ascii=True)
