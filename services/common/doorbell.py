"""The consumers' doorbell: who publishes records on a topic rings (a PostgreSQL NOTIFY on
channel `dimona_records`, the topic as payload) once the broker has them; a consumer with
nothing to do stops fetching and waits for its topic's ring.

Why: the embedded broker holds an empty fetch for the whole `fetch_max_wait_ms`, even when
a record arrives meanwhile (Apache Kafka answers at once). Long waits put up to half a
second on every hop of an idle stack; short waits answered empty a hundred times a second
cost half a core while idle. With the doorbell a consumer fetches with short waits while
there is work, and not at all when there is none: a record published on an idle stack is
fetched within a few milliseconds of its ring. A ring that is lost (the database away) only
costs latency: an idle consumer looks anyway, soon after its last records, then every
`consumer_idle_poll_s`.
docs/adr/0014-consumer-doorbell.md tells the choice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from itertools import chain
from time import monotonic

import psycopg
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from services.common.settings import CommonSettings

log = logging.getLogger("dimona")
CHANNEL = "dimona_records"
MIN_LOOK_S = 0.05
"""An idle consumer looks again after a quarter of the time it has been idle, at least this
and at most `consumer_idle_poll_s`."""


class Doorbell:
    """One per process: `ring(topic)` after publishing, `bell(topic)` to be woken."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self._bells: dict[str, list[asyncio.Event]] = defaultdict(list)
        self._ringer: psycopg.AsyncConnection | None = None
        self._listener: asyncio.Task | None = None

    def bell(self, topic: str) -> asyncio.Event:
        """An event set whenever records were published on `topic` (and when the doorbell
        may have missed rings: at start and after its connection came back)."""
        event = asyncio.Event()
        self._bells[topic].append(event)
        return event

    async def ring(self, topic: str) -> None:
        """Tell the consumers of `topic` that records are there. Never fails: a lost ring
        delays a consumer by its idle poll at most."""
        try:
            if self._ringer is None or self._ringer.closed:
                self._ringer = await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True)
            await self._ringer.execute("SELECT pg_notify(%s, %s)", (CHANNEL, topic))
        except psycopg.Error as exc:
            log.debug("doorbell: ring on %s lost (%s)", topic, exc)
            await self._close_ringer()

    def start(self) -> None:
        """Listen for rings, if anything in this process waits for one."""
        if self._bells and self._listener is None:
            self._listener = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self._close_ringer()

    async def _close_ringer(self) -> None:
        if self._ringer is not None:
            with contextlib.suppress(psycopg.Error):
                await self._ringer.close()
            self._ringer = None

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.database_url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    backoff = 0.5
                    self._ring_all()  # what was published while nobody listened
                    async for note in conn.notifies():
                        for event in self._bells.get(note.payload, ()):
                            event.set()
            except psycopg.Error as exc:
                log.warning("doorbell: not listening (%s); consumers poll every idle poll "
                            "until it is back", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)

    def _ring_all(self) -> None:
        for event in chain.from_iterable(self._bells.values()):
            event.set()


def wake_on_ring(subscriber, doorbell: Doorbell, topic: str, settings: CommonSettings
                 ) -> None:
    """Replace the batch subscriber's poll (faststream's `get_msg`, which sleeps
    `batch_timeout_ms` after every empty poll) by one that takes a batch as soon as records
    are there, and that, after `consumer_idle_ms` without records, pauses its partitions
    until the doorbell rings for `topic` or a quarter of the time it has been idle passed
    (at most `consumer_idle_poll_s`); then, if no ring came, it looks once (a fetch or two)
    before it pauses again."""
    bell = doorbell.bell(topic)
    idle_after_s, idle_poll_s = settings.consumer_idle_ms / 1000, settings.consumer_idle_poll_s
    # an idle consumer's look when no ring came: one or two fetches, not a whole poll's worth
    look_ms = min(settings.batch_timeout_ms, 2 * settings.fetch_max_wait_ms + 5)
    last_records, looking = monotonic(), False

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[ConsumerRecord, ...]:
        nonlocal last_records, looking
        bell.clear()  # a ring from now on wakes the wait below
        batches = await consumer.getmany(
            timeout_ms=look_ms if looking else settings.batch_timeout_ms,
            max_records=settings.batch_max_records)
        looking = False
        if batches:
            last_records = monotonic()
            return tuple(chain.from_iterable(batches.values()))
        if (idle_s := monotonic() - last_records) >= idle_after_s:
            # soon after records, look again soon (a lost ring costs little); then seldom
            await _paused_until(consumer, bell, min(idle_poll_s, max(MIN_LOOK_S, idle_s / 4)))
            if bell.is_set():  # rung: records are coming, fetch until they are here
                last_records = monotonic()
            else:
                looking = True
        return ()

    subscriber.get_msg = get_msg


async def _paused_until(consumer: AIOKafkaConsumer, bell: asyncio.Event, timeout_s: float
                        ) -> None:
    """No fetch at all (the broker is not asked) until `bell` or `timeout_s`."""
    consumer.pause(*consumer.assignment())
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bell.wait(), timeout_s)
    finally:
        consumer.resume(*consumer.paused())  # a rebalance may have changed the assignment
