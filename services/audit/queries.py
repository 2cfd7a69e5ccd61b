"""The auditor's published reads (docs/adr/0007-audit.md): the two recorded logs (the
validator's event store, position = its notification id; the notifier's log of
notifications sent), their links and checkpoints in schema `audit`, and the declarations an
auditor asks for. The links are written by the logs' own writers, in their transactions
(services.common.auditchain); what is created here is the schema they write in and the
append-only guards of both logs, once both logs' tables exist (dimona.stack.migrate)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from services.common.auditchain import (
    LINKS_DDL,
    Link,
    append_only,
    event_content,
    notification_content,
)
from services.common.db import ensure_schema
from services.validator.eventlog import EVENTS_TABLE

# Runs after the event store's and the notifier's tables exist (dimona.stack.migrate).
DDL = LINKS_DDL + append_only(
    (EVENTS_TABLE, "audit.links", "audit.checkpoints", "notifier.notifications"))

# Each log's records: position, then the columns its content is made of, in that order.
RECORDS = {
    "validator": (f"SELECT notification_id, originator_id, originator_version, topic, state "
                  f"FROM {EVENTS_TABLE} ORDER BY notification_id", event_content),
    "notifier": ("SELECT position, notification_id, employer_key, event "
                 "FROM notifier.notifications ORDER BY position", notification_content)}


def migrate(database_url: str) -> None:
    ensure_schema(database_url, DDL)


class AuditStore:
    """Reads of the recorded logs, their links and checkpoints, and the declarations an
    auditor asks for."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def snapshot(self) -> psycopg.Connection:
        """A connection to read a log, its links and checkpoints as of one instant (the
        writers go on meanwhile)."""
        conn = psycopg.connect(self.pool.conninfo, autocommit=False)
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        return conn

    @staticmethod
    def records(conn: psycopg.Connection, log: str) -> Iterator[tuple[int, bytes]]:
        """(position, content) of every record of a log, in position order, streamed."""
        query, content = RECORDS[log]
        for position, *columns in _stream(conn, f"records_{log}", query, ()):
            yield position, content(*columns)

    @staticmethod
    def links(conn: psycopg.Connection, log: str) -> Iterator[Link]:
        rows = _stream(conn, f"links_{log}", "SELECT position, previous, hash FROM "
                       "audit.links WHERE log = %s ORDER BY position", (log,))
        return (Link(p, q, bytes(h)) for p, q, h in rows)

    @staticmethod
    def checkpoints(conn: psycopg.Connection) -> list[dict]:
        rows = conn.execute("SELECT log, position, hash, created_at FROM audit.checkpoints "
                            "ORDER BY log, position").fetchall()
        return [{"log": g, "position": p, "hash": bytes(h).hex(), "createdAt": t.isoformat()}
                for g, p, h, t in rows]

    def describe(self, log: str, position: int) -> str | None:
        """What the record at a position is, when it is still there."""
        with self.pool.connection() as conn:
            if log == "validator":
                row = conn.execute(f"SELECT topic, originator_id, originator_version FROM "
                                   f"{EVENTS_TABLE} WHERE notification_id = %s",
                                   (position,)).fetchone()
                return row and f"{row[0].rpartition(':')[2]} of {row[1]}, version {row[2]}"
            row = conn.execute("SELECT notification_id, declaration_id FROM "
                               "notifier.notifications WHERE position = %s",
                               (position,)).fetchone()
            return row and f"notification {row[0]} of declaration {row[1]}"

    def declaration_ids(self, *, employer_keys: Sequence[str] | None = None,
                        ssin: str | None = None, period_id: int | None = None
                        ) -> Iterator[int]:
        """The declarations about an employer, a worker or a period, oldest received first,
        streamed (found through the register's declarations)."""
        if employer_keys is not None:
            where, params = "employer_key = ANY(%s)", (list(employer_keys),)
        elif ssin is not None:
            where, params = ("ssin = %s OR about_period_id IN (SELECT period_id FROM "
                             "register.periods WHERE ssin = %s)"), (ssin, ssin)
        else:
            where, params = "about_period_id = %s OR declaration_id = %s", (period_id,
                                                                           period_id)
        with self.pool.connection() as conn, conn.transaction():
            yield from (r[0] for r in _stream(
                conn, "audit_declarations", f"SELECT declaration_id FROM register.declarations "
                f"WHERE {where} ORDER BY received_at, declaration_id", params))

    def declaration_events(self, originator_ids: Sequence[UUID]
                           ) -> list[tuple[int, StoredEvent]]:
        """(position, stored event) of the events of these aggregates, in position order."""
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT notification_id, originator_id, originator_version, "
                                f"topic, state FROM {EVENTS_TABLE} WHERE originator_id = "
                                "ANY(%s) ORDER BY notification_id",
                                (list(originator_ids),)).fetchall()
        return [(p, StoredEvent(i, v, t, bytes(s))) for p, i, v, t, s in rows]

    def notifications(self, declaration_ids: Sequence[int]) -> list[tuple[int, str]]:
        """(position, NotificationSent JSON) sent about these declarations."""
        with self.pool.connection() as conn:
            return conn.execute("SELECT position, event FROM notifier.notifications WHERE "
                                "declaration_id = ANY(%s) ORDER BY position",
                                (list(declaration_ids),)).fetchall()


def _stream(conn: psycopg.Connection, name: str, query: str, params: tuple
            ) -> Iterator[tuple]:
    with conn.cursor(name=name, row_factory=tuple_row) as cur:
        cur.itersize = 5000
        cur.execute(query, params)
        yield from cur
