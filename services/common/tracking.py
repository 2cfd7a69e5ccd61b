"""Exactly-once application of decisions by the downstream services (register, notifier).

Each consumer records the id of every event it applied, in the same transaction as the
effect: an event seen again (redelivery, or a decision both caught up from the event store
and received from Kafka) changes nothing. At start, before consuming Kafka, a consumer
catches up from the event store from its watermark, because the embedded broker forgets
everything when it stops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from uuid import UUID

import psycopg

from schemas.events import DeclarationDecided

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS {schema}.applied_events (event_id uuid PRIMARY KEY);
CREATE TABLE IF NOT EXISTS {schema}.catchup (
  name text PRIMARY KEY, position bigint NOT NULL);
"""

T = TypeVar("T")
Apply = Callable[[Sequence[DeclarationDecided], int | None], None]


def first_seen(conn: psycopg.Connection, schema: str, event_ids: Sequence[UUID]) -> set[UUID]:
    """Record these event ids as applied; return those that were not applied before."""
    rows = conn.execute(
        f"INSERT INTO {schema}.applied_events SELECT unnest(%b::uuid[]) "
        "ON CONFLICT DO NOTHING RETURNING event_id", (list(event_ids),)).fetchall()
    return {r[0] for r in rows}


def watermark(conn: psycopg.Connection, schema: str, source: str = "eventstore") -> int:
    """How far the consumer has caught up from `source` (the event store, or the
    notifier's log of notifications)."""
    row = conn.execute(f"SELECT position FROM {schema}.catchup WHERE name = %s",
                       (source,)).fetchone()
    return row[0] if row else 0


def set_watermark(conn: psycopg.Connection, schema: str, position: int,
                  source: str = "eventstore") -> None:
    conn.execute(
        f"INSERT INTO {schema}.catchup VALUES (%s, %s) ON CONFLICT (name) "
        "DO UPDATE SET position = GREATEST(EXCLUDED.position, catchup.position)",
        (source, position))


def catch_up(read_after: Callable[[int, int], list[tuple[int, T]]], start: int,
             apply: Callable[[list[T], int], None], page: int = 1000) -> int:
    """Apply every event a log holds after `start` (the event store's decisions:
    `EventLog.decisions_after`), page by page; returns how many."""
    position, count = start, 0
    while found := read_after(position, page):
        position = found[-1][0]
        apply([event for _, event in found], position)
        count += len(found)
    return count
