"""Intake's transactional outbox: publish what was recorded; recover what Kafka lost."""

from __future__ import annotations

import asyncio
import logging

from faststream.kafka import KafkaBroker

from schemas import topics
from services.intake.adapter import IntakeStore
from services.validator.eventlog import EventLog

log = logging.getLogger("dimona.intake")


class Relay:
    """Publishes recorded submissions that are not yet on Kafka (a transactional outbox)."""

    def __init__(self, store: IntakeStore, broker: KafkaBroker, batch: int, idle_s: float,
                 wake: asyncio.Event):
        self.store, self.broker, self.batch, self.idle_s, self.wake = (
            store, broker, batch, idle_s, wake)

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                published = await self.publish_pending()
                backoff = 0.5
            except Exception:  # broker or database away: retry, never lose
                log.exception("relay failed; retrying in %.1fs", backoff)
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
        pending = [await self.broker.publish(event.encode(), topics.SUBMISSIONS,
                                             key=key.encode(), no_confirm=True,
                                             headers={"content-type": "application/json"})
                   for _, key, event in rows]
        await asyncio.gather(*pending)
        if rows:
            await asyncio.to_thread(self.store.mark_published, [r[0] for r in rows])
        return len(rows)


class Reconciler:
    """Re-publishes what was published but never decided (the embedded broker forgets
    everything when it stops), and settles what the event store shows as decided."""

    def __init__(self, store: IntakeStore, log_: EventLog, republish_after_s: float,
                 wake: asyncio.Event, page: int = 50_000):
        self.store, self.eventlog, self.republish_after_s, self.wake, self.page = (
            store, log_, republish_after_s, wake, page)

    def reconcile(self, after_s: float) -> tuple[int, int]:
        """Returns (settled, re-published)."""
        ids = self.store.unsettled(after_s, self.page)
        decided = self.eventlog.decided(ids)
        lost = [i for i in ids if i not in decided]
        self.store.settle(list(decided))
        self.store.unpublish(lost)
        return len(decided), len(lost)

    async def run(self, interval_s: float) -> None:
        after_s = 0.0  # at start, the broker may be new: check everything at once
        while True:
            try:
                settled, republished = await asyncio.to_thread(self.reconcile, after_s)
                if republished:
                    log.info("re-publishing %d undecided declarations", republished)
                    self.wake.set()
                after_s = self.republish_after_s
            except Exception:
                log.exception("reconciliation failed")
            await asyncio.sleep(interval_s)
