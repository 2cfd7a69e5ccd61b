"""`dimona directory`: the employers, declarants, mandates and auditors."""

from __future__ import annotations

from pathlib import Path

import click

from dimona.client import StackClient


@click.group()
def directory() -> None:
    """The directory of employers, declarants, mandates and auditors."""


@directory.command(name="load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def directory_load(home: Path, file: Path) -> None:
    """Load or update the directory from FILE (docs/interface.md §6); idempotent."""
    counts = StackClient(home).load_directory(file)
    click.echo("loaded " + ", ".join(f"{v} {k}" for k, v in counts.items()))
