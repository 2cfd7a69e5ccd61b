"""The register as it stood at a moment (docs/interface.md §4, `--as-of`): rebuilt from the
event store and the notifier's log, never read from the live tables.

The decisions the validator had recorded at that moment (the time of their event), and the
notifications the notifier had recorded, are applied to fresh tables in a schema of their
own, through the register's own writer, exactly as `dimona rebuild` applies them; the
register's queries then read that schema. Only one employer's history is replayed for its
views (its decisions are found in the stored bytes before anything is decoded); the quotas,
which count a worker's days and hours over every employer, replay everyone's. The schema
is dropped when the answer is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from uuid import uuid4

import psycopg

from services.common.db import open_pool
from services.notifier.queries import SentLog
from services.projections.application import UpdateRegister
from services.projections.projection import Rows
from services.projections.writer import migrate
from services.validator.eventlog import EventLog

PREFIX = "register_as_of_"
Progress = Callable[[int, float], None]  # decisions applied, seconds since the start


@contextmanager
def register_as_of(database_url: str, moment: datetime,
                   employer_keys: Sequence[str] | None,
                   progress: Progress = lambda n, s: None) -> Iterator[str]:
    """The name of a schema holding the register as it stood at `moment` (of these
    employers only; of all: None), dropped on exit."""
    if moment.tzinfo is None:
        raise ValueError("the moment needs its time zone")
    schema = f"{PREFIX}{uuid4().hex[:16]}"
    started = time.monotonic()
    migrate(database_url, schema)
    pool = open_pool(database_url, 1)
    try:
        register, log = UpdateRegister(pool, schema), EventLog(database_url)
        count = 0
        try:
            for position, decisions in log.decisions_until(moment, employer_keys):
                if decisions:
                    with pool.connection() as conn, conn.transaction():
                        register.apply_rows(conn, Rows.of(decisions), position)
                    count += len(decisions)
                    progress(count, time.monotonic() - started)
        finally:
            log.close()
        with pool.connection() as conn, conn.transaction():
            register.record_in(conn, SentLog(conn).sent_until(moment, employer_keys), None)
        yield schema
    finally:
        pool.close()
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
