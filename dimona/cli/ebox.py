"""`dimona ebox`: the e-Box confirmations, listed, shown, marked read."""

from __future__ import annotations

from pathlib import Path

import click

from dimona.cli.output import emit, found_or_exit, print_table
from dimona.client import StackClient

COLUMNS = ["messageId", "declarationId", "result", "recipient", "createdAt", "readAt",
           "subject"]


@click.group()
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
    emit(rows, as_json, lambda r: print_table(r, COLUMNS))


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
