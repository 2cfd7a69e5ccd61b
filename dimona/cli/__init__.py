"""The `dimona` command line (docs/interface.md §4). Exit codes: 0 ok, 1 a problem was found,
2 usage or connection errors (one line on stderr).

One module per group of commands; this one holds the `main` group and attaches them.
dimona.cli.output writes what they print. Every command but `up` and `bench` (which run a
stack of their own) rides through an outage of the database or the broker (dimona.retry):
run again from the start while it has printed nothing, else going on where its output is."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from dimona import retry
from dimona.cli import audit, batches, directory, ebox, flexi, ops, register, stack
from dimona.client import StackError
from services.common.outages import away, reason


class Cli(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (StackError, retry.GaveUp) as exc:
            click.echo(f"dimona: {exc}", err=True)
            sys.exit(2)


class Watched:
    """sys.stdout, noting whether anything was written to it."""

    def __init__(self, stream):
        self.stream, self.written = stream, False

    def write(self, text):
        self.written = self.written or bool(text)
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


def riding_through(command: click.Command) -> click.Command:
    """`command` (each command of a group) run again after an outage, from the start, as
    long as it has printed nothing (the streams it prints go on by themselves:
    dimona.client); once it has, an outage that reaches here ends it (exit code 2)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            riding_through(sub)
        return command
    callback = command.callback

    @functools.wraps(callback)
    def run(*args, **kwargs):
        retrying, stdout = retry.current(), sys.stdout
        sys.stdout = watched = Watched(stdout)
        try:
            while True:
                try:
                    return callback(*args, **kwargs)
                except Exception as exc:
                    if watched.written and (what := away(exc)):
                        raise retry.GaveUp(f"{what} went away while this command was "
                                           f"printing ({reason(exc)}); run it again"
                                           ) from None
                    retrying.wait(exc)
        finally:
            sys.stdout = stdout

    command.callback = run
    return command


@click.group(cls=Cli)
@click.option("--home", envvar="DIMONA_HOME", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory holding var/ (data, logs, stack.json).")
@click.option("--retry-deadline", "deadline_s", envvar="DIMONA_RETRY_DEADLINE_S",
              default=retry.DEFAULT_DEADLINE_S, show_default=True,
              type=click.FloatRange(min=0), metavar="SECONDS",
              help="How long the database or the broker may be away before a command gives "
                   "up (exit code 2); meanwhile it retries with backoff. 0: never retry.")
@click.pass_context
def main(ctx: click.Context, home: Path, deadline_s: float) -> None:
    """Dimona back-end: run the stack, submit declarations, read the register."""
    ctx.obj = home.resolve()
    retry.CURRENT.set(retry.Retry(deadline_s, say=lambda line: click.echo(line, err=True)))


for command in (stack.up, stack.migrate_command, directory.directory, batches.submit,
                batches.status, batches.deadletters, ops.rebuild, ops.replay, ops.bench,
                register.register, ebox.ebox, audit.audit, flexi.flexi):
    main.add_command(command if command in (stack.up, ops.bench) else riding_through(command))
