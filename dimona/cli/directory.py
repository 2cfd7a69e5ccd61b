"""`dimona directory`: the employers, declarants, mandates and auditors."""

from __future__ import annotations

from pathlib import Path

import click

from dimona.cli.output import emit
from dimona.client import StackClient
from services.directory.domain import DAILY_REGISTRATION_SYSTEMS


@click.group()
def directory() -> None:
    """The directory of employers, declarants, mandates and auditors, and the employers'
    choices."""


@directory.command(name="load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def directory_load(home: Path, file: Path) -> None:
    """Load or update the directory from FILE (docs/interface.md §6); idempotent."""
    counts = StackClient(home).load_directory(file)
    click.echo("loaded " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@directory.command(name="daily-registration")
@click.argument("employer_id")
@click.argument("system", type=click.Choice(DAILY_REGISTRATION_SYSTEMS))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def directory_daily_registration(home: Path, employer_id: str, system: str,
                                 as_json: bool) -> None:
    """Record the SYSTEM that the employer (NSSO or enterprise number) chose for its daily
    registrations, from now on (docs/interface.md §6)."""
    answer = StackClient(home).choose_daily_registration_system(employer_id, system)
    emit(answer, as_json, lambda a: click.echo(
        f"employer {a['employerId']}: daily registrations through {a['system']} "
        f"from {a['chosenAt']}"))
