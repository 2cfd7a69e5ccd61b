"""The register as it stood at a moment (docs/interface.md §4, `--as-of`): rebuilt from the
event store and the notifier's log, never read from the live tables.

The decisions the validator had recorded at that moment (the time of their event), and the
notifications the notifier had recorded, are applied to fresh tables in a schema of their
own, through the register's own writer, exactly as `dimona rebuild` applies them; the
register's queries then read that schema. Only one employer's history is replayed for its
views (its decisions are found in the stored bytes before anything is decoded); the quotas,
which count a worker's days and hours over every employer, replay everyone's. The schema
is dropped when the answer is read.

A snapshot of the register (`dimona register snapshot`, itself a replay of the event store
kept beside the live register) shortens the replay: the newest one taken at or before the
moment gives the rows it holds, and only the decisions and notifications recorded after it
are replayed.

While it exists, the schema's maker holds an advisory lock named after it; a schema whose
lock nobody holds was left by a process that died before dropping it (a killed request), and
the next answer drops it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from multiprocessing import get_context
from uuid import uuid4

import psycopg
from psycopg_pool import ConnectionPool

from services.common.db import open_pool
from services.notifier.queries import SentLog
from services.projections.application import UpdateRegister
from services.projections.projection import Rows
from services.projections.rebuild import open_reader_log, reader_log, snapshots
from services.projections.writer import TABLES, migrate
from services.validator.eventlog import EventLog

PREFIX = "register_as_of_"
LOCKS = 0x41534F46  # the advisory locks' first key ("ASOF"); the second: the schema's name
Progress = Callable[[int, float], None]  # decisions applied, seconds since the start


SPAN = 30_000  # positions of the event store a reader process reads at once
READERS = 2  # processes that read and decode spans while this one writes (as a rebuild)


@contextmanager
def register_as_of(database_url: str, moment: datetime,
                   employer_keys: Sequence[str] | None,
                   progress: Progress = lambda n, s: None) -> Iterator[str]:
    """The name of a schema holding the register as it stood at `moment` (of these
    employers only; of all: None), dropped on exit."""
    if moment.tzinfo is None:
        raise ValueError("the moment needs its time zone")
    schema = f"{PREFIX}{uuid4().hex[:16]}"
    with psycopg.connect(database_url, autocommit=True) as holder:  # the schema's lock
        holder.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCKS, schema))
        drop_abandoned(holder)
        try:
            migrate(database_url, schema)
            with open_pool(database_url, 1) as pool:
                _replay(database_url, pool, schema, moment, employer_keys, progress)
            yield schema
        finally:
            try:
                holder.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            except psycopg.OperationalError:  # the database restarted: the next answer drops it
                pass


def _replay(database_url: str, pool: ConnectionPool, schema: str, moment: datetime,
            employer_keys: Sequence[str] | None, progress: Progress) -> None:
    """Fill `schema` with the register at `moment`: a snapshot's rows, then the decisions
    and the notifications recorded after it."""
    started, count = time.monotonic(), 0
    register = UpdateRegister(pool, schema)
    with pool.connection() as conn, conn.transaction():
        _unlogged(conn, schema)
        after, sent_after = _from_snapshot(conn, schema, moment, employer_keys)
    if after:
        migrate(database_url, schema)  # its indexes again, built once over the copy
    for rows, position in _rows(database_url, moment, employer_keys, after):
        if rows.event_ids:
            with pool.connection() as conn, conn.transaction():
                register.apply_rows(conn, rows, position)
            count += len(rows.event_ids)
            progress(count, time.monotonic() - started)
    with pool.connection() as conn, conn.transaction():
        register.record_in(conn, SentLog(conn).sent_until(moment, employer_keys, sent_after),
                           None)


def held(conn: psycopg.Connection, schema: str) -> bool:
    """Whether an as-of schema's maker still holds its lock, and so its rows: a restart of
    the database ends the maker's session, and a crash empties unlogged tables."""
    return conn.execute(
        "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
        "AND objid::int = hashtext(%s) AND objsubid = 2 AND granted)",
        (LOCKS, schema)).fetchone()[0]


def drop_abandoned(conn: psycopg.Connection) -> list[str]:
    """Drop the as-of schemas whose maker is gone (nobody holds their lock): those a
    process left when it was killed before dropping its own. Returns their names."""
    dropped = []
    for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                  (PREFIX.replace("_", r"\_") + "%",)).fetchall():
        if conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                        (LOCKS, schema)).fetchone()[0]:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (LOCKS, schema))
            dropped.append(schema)
    return dropped


def _unlogged(conn: psycopg.Connection, schema: str) -> None:
    """Tables read once and dropped: no write-ahead log."""
    for table in (*TABLES, "applied_events", "catchup"):
        conn.execute(f"ALTER TABLE {schema}.{table} SET UNLOGGED")


def _drop_indexes(conn: psycopg.Connection, schema: str) -> None:
    """Every index but the keys: a bulk copy is faster into bare tables, with the indexes
    built once afterwards."""
    for (index,) in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE connamespace = %s::regnamespace)",
            (schema, schema)).fetchall():
        conn.execute(f"DROP INDEX {schema}.{index}")


def _from_snapshot(conn: psycopg.Connection, schema: str, moment: datetime,
                   employer_keys: Sequence[str] | None) -> tuple[int, int]:
    """Copy into `schema` the rows of the newest snapshot of the register taken at or
    before `moment` (`dimona register snapshot`), of these employers (of all: None).
    Returns the positions it holds up to: of the event store, of the notifier's log."""
    taken = [s for s in snapshots(conn) if s[1] <= moment and _same_tables(conn, s[0], schema)]
    if not taken:
        return 0, 0
    source, _, position, sent = taken[-1]
    _drop_indexes(conn, schema)
    mine = "true" if employer_keys is None else "employer_key = ANY(%(keys)s)"
    for table, where in (
            ("declarations", mine), ("periods", mine), ("workers", mine),
            ("registrations", mine), ("flexi_situations", mine.replace("employer_key",
                                                                       "debtor_key")),
            ("quota_usage", f"period_id IN (SELECT period_id FROM {source}.periods "
                            f"WHERE {mine})"),
            ("notifications", f"declaration_id IN (SELECT declaration_id FROM "
                              f"{source}.declarations WHERE {mine})")):
        conn.execute(f"INSERT INTO {schema}.{table} SELECT * FROM {source}.{table} "
                     f"WHERE {where}", {"keys": list(employer_keys or ())})
    return position, sent


def _same_tables(conn: psycopg.Connection, source: str, schema: str) -> bool:
    """Whether a snapshot has the register's tables as this version makes them (one taken
    before an upgrade that changed them is not used)."""
    columns = ("SELECT table_name, column_name, ordinal_position, data_type FROM "
               "information_schema.columns WHERE table_schema = %s AND table_name = ANY(%s) "
               "ORDER BY 1, 3")
    return (conn.execute(columns, (source, list(TABLES))).fetchall()
            == conn.execute(columns, (schema, list(TABLES))).fetchall())


def _rows(database_url: str, moment: datetime, employer_keys: Sequence[str] | None,
          first: int) -> Iterator[tuple[Rows, int]]:
    """The rows of the decisions after position `first` to apply, span by span in the
    order of the store: read and decoded by reader processes (each with its own event log,
    as a rebuild's) when the store is long, here when it is short."""
    log = EventLog(database_url)
    try:
        last = log.last_position()
        spans = [(after, min(after + SPAN, last)) for after in range(first, last, SPAN)]
        if len(spans) <= 1:
            yield from (_decided_rows(log, moment, employer_keys, span) for span in spans)
            return
    finally:
        log.close()
    with ProcessPoolExecutor(READERS, get_context("spawn"), open_reader_log,
                             (database_url,)) as readers:
        yield from readers.map(partial(_span_rows, moment, employer_keys), spans)


def _span_rows(moment: datetime, employer_keys: Sequence[str] | None,
               span: tuple[int, int]) -> tuple[Rows, int]:
    """In a reader process: the rows of the decisions of a span of positions."""
    return _decided_rows(reader_log(), moment, employer_keys, span)


def _decided_rows(log: EventLog, moment: datetime, employer_keys: Sequence[str] | None,
                  span: tuple[int, int]) -> tuple[Rows, int]:
    """The rows of the decisions of a span of positions, and the position it ends at."""
    return Rows.of([d for _, found in log.decisions_until(moment, employer_keys, *span)
                    for d in found]), span[1]


class KeptAnswers:
    """The as-of schemas a server keeps for a while after answering: the pages and exports
    of one search ask for the same employer at the same moment, and are then read from the
    schema made for the first (a web search's moment is to the minute). At most `size` are
    kept, each until `keep_s` after its last use (dropped by the next answer after that, or
    by `close`); one in use is never dropped. Only moments at least `settled_s` in the past
    are kept: a decision is dated before it commits, so a moment just past can still gain
    one."""

    def __init__(self, pool: ConnectionPool, database_url: str, size: int = 4,
                 keep_s: float = 600, settled_s: float = 60):
        self.pool, self.database_url, self.size, self.keep_s = pool, database_url, size, keep_s
        self.settled_s = settled_s
        self.lock = threading.Lock()
        self.kept: dict[tuple, _Kept] = {}

    @contextmanager
    def schema(self, moment: datetime, employer_keys: Sequence[str] | None,
               progress: Progress = lambda n, s: None) -> Iterator[str]:
        """As `register_as_of`, from a kept schema when there is one."""
        if (datetime.now(moment.tzinfo) - moment).total_seconds() < self.settled_s:
            with register_as_of(self.database_url, moment, employer_keys, progress) as name:
                yield name
            return
        key = (moment, None if employer_keys is None else tuple(sorted(employer_keys)))
        with self.lock:
            kept = self.kept.setdefault(key, _Kept())
            kept.users += 1
        try:
            with kept.building:  # the first builds it, the others wait for it
                if kept.name is not None and not self._held(kept.name):
                    kept.stack.close()
                    kept.name, kept.stack = None, ExitStack()
                if kept.name is None:
                    kept.name = kept.stack.enter_context(register_as_of(
                        self.database_url, moment, employer_keys, progress))
            yield kept.name
        finally:
            with self.lock:
                kept.users, kept.used = kept.users - 1, time.monotonic()
                stale = self._stale()
            self._drop(stale)

    def _held(self, schema: str) -> bool:
        with self.pool.connection() as conn:
            return held(conn, schema)

    def _stale(self) -> list[_Kept]:
        """Those to drop now (under the lock): unused, and old or beyond the size."""
        idle = sorted((k for k in self.kept.items() if k[1].users == 0),
                      key=lambda k: k[1].used)
        over = max(0, len(self.kept) - self.size)
        stale = [key for i, (key, kept) in enumerate(idle) if i < over or kept.name is None
                 or time.monotonic() - kept.used > self.keep_s]
        return [self.kept.pop(key) for key in stale]

    @staticmethod
    def _drop(stale: list[_Kept]) -> None:
        for kept in stale:
            kept.stack.close()

    def close(self) -> None:
        with self.lock:
            stale, self.kept = list(self.kept.values()), {}
        self._drop(stale)


@dataclass
class _Kept:
    """One kept schema: its name once built, who reads it, when it was last read."""

    name: str | None = None
    users: int = 0
    used: float = 0.0
    building: threading.Lock = field(default_factory=threading.Lock)
    stack: ExitStack = field(default_factory=ExitStack)
