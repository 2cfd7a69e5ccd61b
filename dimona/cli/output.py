"""What the commands print. `--json` and `--csv` are for scripts: written exactly as they
always were (json.dumps, the csv module). Tables for people are rich's, on stdout; progress
bars (rate, time left) are rich's too, on stderr and only when it is a terminal, so that
stdout holds nothing but the answer."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

import click
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TimeRemainingColumn,
)
from rich.table import Column, Table
from rich.text import Text

# On a pipe a table is as wide as its content, not cut at rich's default of 80 columns.
PIPE_WIDTH = 10_000


def emit_json(data, *, ensure_ascii: bool = False, default: Callable | None = None) -> None:
    """One JSON document on a line."""
    click.echo(json.dumps(data, ensure_ascii=ensure_ascii, default=default))


def emit_json_lines(rows: Iterable, *, ensure_ascii: bool = False) -> None:
    """JSON Lines, each row written as soon as it comes."""
    for row in rows:
        emit_json(row, ensure_ascii=ensure_ascii)


def emit_pieces(pieces: Iterable[str]) -> None:
    """A document already serialised, in pieces, then a newline."""
    for piece in pieces:
        click.echo(piece, nl=False)
    click.echo()


def emit_csv(rows: Iterable[list]) -> None:
    """CSV rows (the header first), "\\n" after each."""
    csv.writer(sys.stdout, lineterminator="\n").writerows(rows)


def emit(data, as_json: bool, show: Callable) -> None:
    """`data` as JSON, or shown to people by `show`."""
    if as_json:
        emit_json(data)
    else:
        show(data)


def found_or_exit(found, missing: str):
    """What a command looked up, or exit 1 saying what is missing."""
    if found is None:
        click.echo(f"dimona: {missing}", err=True)
        sys.exit(1)
    return found


def console() -> Console:
    """Rich on stdout. The data is shown as it is: no markup, emoji or highlighting read into
    it; colours only on a terminal."""
    return Console(markup=False, highlight=False, emoji=False,
                   width=None if sys.stdout.isatty() else PIPE_WIDTH)


def cell(value) -> str:
    return "" if value is None else str(value)


def table(rows: list[Mapping], columns: list[str], *, header: bool = True) -> Table:
    """Rows (dicts) under a header of `columns`; None shows empty; columns of numbers are
    aligned right."""
    shown = Table(box=box.SIMPLE_HEAD if header else None, show_header=header,
                  show_edge=False, pad_edge=False)
    for c in columns:
        values = [r.get(c) for r in rows if r.get(c) is not None]
        numeric = bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                        for v in values)
        shown.add_column(c, justify="right" if numeric else "left")
    for r in rows:
        shown.add_row(*(Text(cell(r.get(c))) for c in columns))
    return shown


def print_table(rows: list[Mapping], columns: list[str], *, header: bool = True) -> None:
    console().print(table(rows, columns, header=header))


def shown(text: str, width: int) -> str:
    """Untrusted text on one line of a terminal: control characters escaped, cut short."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:width])


class CountColumn(ProgressColumn):
    """"20 lines acknowledged, 12/20 results": what, how many done of how many, of what."""

    def render(self, task: Task) -> Text:
        total = "" if task.total is None else f"/{task.total:.0f}"
        return Text(f"{task.description}, {task.completed:.0f}{total} "
                    f"{task.fields.get('unit', '')}".rstrip())


class RateColumn(ProgressColumn):
    """Items per second, lately."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text("")
        return Text(f"{speed:.1f}/s" if speed < 10 else f"{speed:.0f}/s")


class ProgressBars:
    """Rich progress bars on stderr, one per task, drawn while the context is open. A
    dimona.client.Progress: `bars(what, done, total, unit)` adds or moves the bar of `what`;
    `bars.say(line)` prints a line above them."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True, markup=False, highlight=False,
                                          emoji=False)
        self.bars = Progress(CountColumn(table_column=Column(no_wrap=True)),
                             BarColumn(bar_width=None), RateColumn(),
                             TimeRemainingColumn(elapsed_when_finished=True),
                             console=self.console, redirect_stdout=False, expand=True,
                             refresh_per_second=5)
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> ProgressBars:
        self.bars.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bars.stop()

    def __call__(self, what: str, done: int, total: int | None, unit: str) -> None:
        if what not in self.tasks:
            self.tasks[what] = self.bars.add_task(what, total=total, completed=done, unit=unit)
        self.bars.update(self.tasks[what], completed=done, total=total)

    def say(self, line: str) -> None:
        self.console.print(Text(line))


@contextmanager
def progress_bars() -> Iterator[ProgressBars | None]:
    """Progress bars when stderr is a terminal; None (nothing shown) otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    with ProgressBars() as bars:
        yield bars
