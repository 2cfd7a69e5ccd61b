"""Exactly-once application of decisions by the downstream services (register, notifier).

Each consumer records the id of every event it applied, in the same transaction as the
effect: an event seen again (redelivery, or a decision both caught up from the event store
and received from Kafka) changes nothing. At start, before consuming Kafka, a consumer
catches up from the event store from its watermark, because the embedded broker forgets
everything when it stops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

import psycopg

from schemas.events import DeclarationDecided
from services.validator.eventlog import EventLog

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS {schema}.applied_events (event_id uuid PRIMARY KEY);
CREATE TABLE IF NOT EXISTS {schema}.catchup (
  name text PRIMARY KEY, position bigint NOT NULL);
"""

Apply = Callable[[Sequence[DeclarationDecided], int | None], None]


def first_seen(conn: psycopg.Connection, schema: str, event_ids: Sequence[UUID]) -> set[UUID]:
    """Record these event ids as applied; return those that were not applied before."""
    rows = conn.execute(
        f"INSERT INTO {schema}.applied_events SELECT unnest(%s::uuid[]) "
        "ON CONFLICT DO NOTHING RETURNING event_id", (list(event_ids),)).fetchall()
    return {r[0] for r in rows}


def watermark(conn: psycopg.Connection, schema: str) -> int:
    row = conn.execute(f"SELECT position FROM {schema}.catchup WHERE name = 'eventstore'"
                       ).fetchone()
    return row[0] if row else 0


def set_watermark(conn: psycopg.Connection, schema: str, position: int) -> None:
    conn.execute(
        f"INSERT INTO {schema}.catchup VALUES ('eventstore', %s) ON CONFLICT (name) "
        "DO UPDATE SET position = GREATEST(EXCLUDED.position, catchup.position)", (position,))


def catch_up(log: EventLog, start: int, apply: Apply, page: int = 1000) -> int:
    """Apply every recorded decision after `start`, page by page; returns how many."""
    position, count = start, 0
    while decisions := log.decisions_after(position, page):
        position = decisions[-1][0]
        apply([d for _, d in decisions], position)
        count += len(decisions)
    return count
