"""A transactional outbox's relay: publishes, in order, what a service recorded but has
not yet handed to Kafka, and marks it published once the broker has it.

The writer hands the relay the rows it has just committed (`hand`), so the relay need not
read back what was written a moment ago: reading the outbox's wide rows back cost
PostgreSQL about as much as writing them (docs/performance.md). The store stays the
truth: the relay reads it whenever nothing was handed over (at start, when woken by a
reconciler that re-queued rows, every `idle_s` when idle), after a failure, and every
`LOOK_EVERY_S` anyway (rows another process recorded, e.g. `dimona submit`). Rows both
handed over and read back are published once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Protocol

from faststream.kafka import KafkaBroker

from services.common.doorbell import Doorbell
from services.common.kafka import Row, publish_records, topic_exists

log = logging.getLogger("dimona")

LOOK_EVERY_S = 10.0
MAX_HANDED = 100_000


class TopicMissing(RuntimeError):
    """The broker does not have the topic (yet): a new broker whose topics are being made."""


class Unpublished(Protocol):
    def unpublished(self, limit: int) -> Sequence[Row]: ...
    def mark_published(self, ids: Sequence) -> None: ...


class Relay:
    """Publishes rows (id, key, event JSON) on `topic`, the row's id as the message's
    correlation id: those handed over by the writer, else `store.unpublished()`. Whoever
    records rows calls `hand` with them once committed (on the loop's thread), or sets
    `wake` to have the store looked at."""

    def __init__(self, store: Unpublished, broker: KafkaBroker, topic: str, batch: int,
                 idle_s: float, doorbell: Doorbell, bootstrap: str):
        self.store, self.broker, self.topic, self.batch, self.idle_s = (
            store, broker, topic, batch, idle_s)
        self.doorbell, self.bootstrap = doorbell, bootstrap
        self.topic_seen = True  # until a failure: the broker may then be a new one
        self.wake = asyncio.Event()
        self.handed: list[Row] = []
        self.look = True  # the store may hold rows nobody handed over (a start)
        self.looked_at = 0.0

    def hand(self, rows: Sequence[Row]) -> None:
        """Committed rows to publish. Not thread-safe: call it on the relay's loop. Past
        `MAX_HANDED` rows waiting (the broker is away) they are dropped: the store has them."""
        self.handed.extend(rows)
        if len(self.handed) > MAX_HANDED:
            self.handed, self.look = [], True
        self.wake.set()

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                published = await self.publish_pending()
                backoff = 0.5
            except Exception:  # broker or database away: retry, never lose
                log.exception("relay to %s failed; retrying in %.1fs", self.topic, backoff)
                self.look = True  # what was handed is in the store, maybe half published
                self.topic_seen = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
                continue
            if published < self.batch and not self.handed:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.idle_s)

    async def publish_pending(self) -> int:
        """Publishes one batch: what was handed over, else (or when the store must be
        looked at) the store's; returns how many rows."""
        if not self.topic_seen:  # after a failure: publish once the topic is there
            if not await topic_exists(self.bootstrap, self.topic):
                raise TopicMissing(f"{self.topic} is not on the broker yet")
            self.topic_seen = True
        looking = (self.look or not self.handed
                   or time.monotonic() - self.looked_at > LOOK_EVERY_S)
        if looking:
            rows = list(await asyncio.to_thread(self.store.unpublished, self.batch))
            self.looked_at, self.look = time.monotonic(), len(rows) == self.batch
        else:
            rows, self.handed = self.handed[:self.batch], self.handed[self.batch:]
        await publish_records(self.broker, self.topic, rows, self.doorbell)
        if rows:
            await asyncio.to_thread(self.store.mark_published, [r[0] for r in rows])
        if looking and self.handed:  # handed over and read back: publish them once
            published = {r[0] for r in rows}
            self.handed = [r for r in self.handed if r[0] not in published]
        return len(rows)
