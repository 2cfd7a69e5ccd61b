"""A transactional outbox's relay: publishes, in order, what a service recorded but has
not yet handed to Kafka, and marks it published once the broker has it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from faststream.kafka import KafkaBroker

log = logging.getLogger("dimona")


class Unpublished(Protocol):
    def unpublished(self, limit: int) -> Sequence[tuple[object, str, str]]: ...
    def mark_published(self, ids: Sequence) -> None: ...


class Relay:
    """Publishes `store.unpublished()` rows (id, key, event JSON) on `topic`, the row's id as
    the message's correlation id; `wake` is set by whoever records new rows, and every
    `idle_s` the store is looked at anyway."""

    def __init__(self, store: Unpublished, broker: KafkaBroker, topic: str, batch: int,
                 idle_s: float, wake: asyncio.Event):
        self.store, self.broker, self.topic, self.batch, self.idle_s, self.wake = (
            store, broker, topic, batch, idle_s, wake)

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                published = await self.publish_pending()
                backoff = 0.5
            except Exception:  # broker or database away: retry, never lose
                log.exception("relay to %s failed; retrying in %.1fs", self.topic, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
                continue
            if published < self.batch:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), self.idle_s)
                except TimeoutError:
                    pass

    async def publish_pending(self) -> int:
        rows = await asyncio.to_thread(self.store.unpublished, self.batch)
        pending = [await self.broker.publish(event.encode(), self.topic,
                                             key=key.encode(), no_confirm=True,
                                             headers={"content-type": "application/json"},
                                             correlation_id=str(row_id))
                   for row_id, key, event in rows]
        await asyncio.gather(*pending)
        if rows:
            await asyncio.to_thread(self.store.mark_published, [r[0] for r in rows])
        return len(rows)
