"""Rebuild the register from the event store (docs/architecture.md decision 6;
docs/interface.md §4), and its notifications from the notifier's log of what it sent.

The events are replayed into a shadow schema while the live register keeps serving. Then,
in one transaction, the live writer is held (its next write waits on a lock; reads go on),
the events decided meanwhile are replayed too, and the shadow is either swapped in
(`rebuild`) or compared with the live register row by row (`verify`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from multiprocessing import get_context

import psycopg

from services.common.db import open_pool
from services.common.tracking import catch_up, watermark
from services.notifier.queries import SentLog
from services.projections.application import UpdateRegister
from services.projections.projection import Rows
from services.projections.writer import SCHEMA, SENT_LOG, TABLES, migrate
from services.validator.eventlog import EventLog

SHADOW = "register_rebuild"
SNAPSHOT = "register_snapshot_"  # + the last position of the event store it holds
REBUILD_LOCK = 4_242_002  # pg advisory lock key: one rebuild at a time
Progress = Callable[[int, float], None]  # decisions replayed, seconds since the start


class RebuildRunning(RuntimeError):
    """Another rebuild holds the shadow schema."""


@dataclass(frozen=True)
class Difference:
    table: str
    key: object
    columns: tuple[str, ...]  # the columns that differ; all of them when a side lacks the row
    live: dict | None
    rebuilt: dict | None


class Rebuild:
    """`span`: how many positions of the event store one task reads (about a third of them
    are decisions); `workers`: the processes that read, decode and turn decisions into
    rows while this one copies them into PostgreSQL, in order."""

    def __init__(self, database_url: str, progress: Progress = lambda n, s: None,
                 span: int = 15_000, workers: int = 2):
        self.database_url, self.progress = database_url, progress
        self.span, self.workers = span, workers

    def run(self, verify: bool, max_differences: int = 50) -> tuple[int, list[Difference]]:
        """Replays every decision; swaps the result in, or (verify) compares it with the
        live register and drops it. Returns (decisions replayed, differences)."""
        started = time.monotonic()
        with psycopg.connect(self.database_url, autocommit=True) as guard, \
                self._shadow(guard) as readers:
            return self._rebuild(readers, verify, max_differences, started)

    @contextmanager
    def _shadow(self, guard: psycopg.Connection) -> Iterator[ProcessPoolExecutor]:
        """A fresh shadow schema, one rebuild or snapshot at a time (the lock is held as
        long as `guard` is open), and the reader processes."""
        if not guard.execute("SELECT pg_try_advisory_lock(%s)", (REBUILD_LOCK,)).fetchone()[0]:
            raise RebuildRunning("another rebuild or snapshot is running")
        guard.execute(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
        migrate(self.database_url, SHADOW)
        with ProcessPoolExecutor(self.workers, get_context("spawn"), open_reader_log,
                                 (self.database_url,)) as readers:
            yield readers

    def snapshot(self, keep: int = 3) -> tuple[str, int]:
        """Replays every decision recorded so far, and the notifications sent, into a
        snapshot of the register (schema register_snapshot_<last position>), kept beside
        the live one: the register as of a later moment starts from it
        (services.projections.as_of). Keeps the `keep` newest. Returns (its schema, the
        decisions replayed)."""
        started = time.monotonic()
        with psycopg.connect(self.database_url, autocommit=True) as guard:
            with self._shadow(guard) as readers:
                log, pool = EventLog(self.database_url), open_pool(self.database_url, 2)
                try:
                    position, count = self._first_pass(log, pool, readers, started)
                finally:
                    log.close()
                    pool.close()
            # every decision and notification it holds was committed before this moment
            guard.execute(f"CREATE TABLE {SHADOW}.taken AS SELECT now() AS taken_at")
            name = f"{SNAPSHOT}{position}"
            guard.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            guard.execute(f"ALTER SCHEMA {SHADOW} RENAME TO {name}")
            for old, *_ in snapshots(guard)[:-keep or None]:
                guard.execute(f"DROP SCHEMA {old} CASCADE")
        return name, count

    def _first_pass(self, log: EventLog, pool, readers: ProcessPoolExecutor,
                    started: float) -> tuple[int, int]:
        """Every decision recorded so far, and every notification sent, into the shadow."""
        shadow = UpdateRegister(pool, SHADOW)

        def apply(rows: Rows, position: int) -> None:
            with pool.connection() as conn, conn.transaction():
                shadow.apply_rows(conn, rows, position)
        position, count = self._replay(log, readers, apply, 0, 0, started)
        with pool.connection() as conn:
            catch_up(SentLog(conn).after, 0, shadow.record, 5000)
        return position, count

    def _rebuild(self, readers: ProcessPoolExecutor, verify: bool, max_differences: int,
                 started: float) -> tuple[int, list[Difference]]:
        log, pool = EventLog(self.database_url), open_pool(self.database_url, 2)
        shadow = UpdateRegister(pool, SHADOW)
        try:
            position, count = self._first_pass(log, pool, readers, started)
            with pool.connection() as conn, conn.transaction():
                conn.execute(f"LOCK TABLE {SCHEMA}.applied_events, {SCHEMA}.notifications "
                             "IN EXCLUSIVE MODE")
                _, count = self._replay(log, readers, partial(shadow.apply_rows, conn),
                                        position, count, started)
                catch_up(SentLog(conn).after, watermark(conn, SHADOW, SENT_LOG),
                         partial(shadow.record_in, conn), 5000)
                if verify:
                    found = differences(conn, max_differences)
                    conn.execute(f"DROP SCHEMA {SHADOW} CASCADE")
                    return count, found
                conn.execute(f"ALTER SCHEMA {SCHEMA} RENAME TO {SCHEMA}_old")
                conn.execute(f"ALTER SCHEMA {SHADOW} RENAME TO {SCHEMA}")
                conn.execute(f"DROP SCHEMA {SCHEMA}_old CASCADE")
            return count, []
        finally:
            log.close()
            pool.close()

    def _replay(self, log: EventLog, readers: ProcessPoolExecutor,
                apply: Callable[[Rows, int], None], position: int, count: int,
                started: float) -> tuple[int, int]:
        """Apply every decision after `position`, span by span in their order, until none
        is left; the readers work ahead, a few spans at most."""
        while (end := log.last_position()) > position:
            ahead: deque = deque()
            for after in range(position, end, self.span):
                ahead.append(readers.submit(_rows_between, after, min(after + self.span, end)))
                if len(ahead) > 2 * self.workers:
                    count = self._apply_next(ahead, apply, count, started)
            while ahead:
                count = self._apply_next(ahead, apply, count, started)
            position = end
        return position, count

    def _apply_next(self, ahead: deque, apply, count: int, started: float) -> int:
        rows, upto = ahead.popleft().result()
        if rows.event_ids:
            apply(rows, upto)
            count += len(rows.event_ids)
            self.progress(count, time.monotonic() - started)
        return count


_log: EventLog | None = None  # each reader process's own connection to the event store


def open_reader_log(database_url: str) -> None:
    """A reader process's initializer: its own connection to the event store."""
    global _log
    _log = EventLog(database_url)


def reader_log() -> EventLog:
    """In a reader process: its connection to the event store (open_reader_log)."""
    assert _log is not None
    return _log


def _rows_between(after: int, upto: int) -> tuple[Rows, int]:
    """In a reader process: the rows of the decisions at positions in (after, upto]."""
    return Rows.of([d for _, d in reader_log().decisions_between(after, upto)]), upto


def snapshots(conn: psycopg.Connection) -> list[tuple[str, datetime, int, int]]:
    """The snapshots of the register, oldest first: (schema, when it was taken, the last
    position of the event store it holds, the last of the notifier's log)."""
    names = [r[0] for r in conn.execute(
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s",
        (SNAPSHOT + "%",)).fetchall()]
    found = []
    for name in names:
        taken = conn.execute(f"SELECT taken_at FROM {name}.taken").fetchone()[0]
        found.append((name, taken, watermark(conn, name), watermark(conn, name, SENT_LOG)))
    return sorted(found, key=lambda s: s[1])


def differences(conn: psycopg.Connection, limit: int) -> list[Difference]:
    """Rows that differ between the live register and the shadow, table by table."""
    found: list[Difference] = []
    for table, key in TABLES.items():
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s ORDER BY ordinal_position", (SHADOW, table)).fetchall()]
        listed, keyed = ", ".join(columns), ", ".join(key)
        keys = conn.execute(
            f"(SELECT {keyed} FROM (SELECT {listed} FROM {SCHEMA}.{table} EXCEPT "
            f"SELECT {listed} FROM {SHADOW}.{table}) a UNION SELECT {keyed} FROM "
            f"(SELECT {listed} FROM {SHADOW}.{table} EXCEPT SELECT {listed} FROM "
            f"{SCHEMA}.{table}) b) ORDER BY {keyed} LIMIT %s", (limit - len(found),)
        ).fetchall()
        for k in keys:
            live, rebuilt = (_row(conn, schema, table, key, k, columns)
                             for schema in (SCHEMA, SHADOW))
            differing = tuple(c for c in columns if live is None or rebuilt is None
                              or live[c] != rebuilt[c])
            found.append(Difference(table, k[0] if len(k) == 1 else "/".join(map(str, k)),
                                    differing, live, rebuilt))
        if len(found) >= limit:
            break
    return found


def _row(conn: psycopg.Connection, schema: str, table: str, key: tuple[str, ...],
         values: tuple, columns: list[str]) -> dict | None:
    where = " AND ".join(f"{k} = %s" for k in key)
    row = conn.execute(f"SELECT {', '.join(columns)} FROM {schema}.{table} WHERE {where}",
                       values).fetchone()
    return dict(zip(columns, row, strict=True)) if row else None
