"""The `dimona` command line (docs/interface.md §4). Exit codes: 0 ok, 1 a problem was found,
2 usage or connection errors (one line on stderr).

One module per group of commands; this one holds the `main` group and attaches them.
dimona.cli.output writes what they print."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dimona.cli import audit, batches, directory, ebox, flexi, ops, register, stack
from dimona.client import StackError


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


for command in (stack.up, stack.migrate_command, directory.directory, batches.submit,
                batches.status, batches.deadletters, ops.rebuild, ops.bench,
                register.register, ebox.ebox, audit.audit, flexi.flexi):
    main.add_command(command)
