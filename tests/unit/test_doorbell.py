"""The consumers' poll with a doorbell (services.common.doorbell.wake_on_ring), against a
fake consumer: a batch is returned as soon as records are there; after consumer_idle_ms
without records the partitions are paused (no fetch) until the bell rings or the idle poll
passes, and resumed after."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from services.common.doorbell import Doorbell, wake_on_ring
from services.common.settings import CommonSettings


class FakeConsumer:
    """getmany answers what `batches` holds next ({} when empty); pause/resume noted."""

    def __init__(self, batches: list[dict]):
        self.batches, self.calls, self._paused = batches, [], set()

    async def getmany(self, timeout_ms: int, max_records: int) -> dict:
        self.calls.append(("getmany", timeout_ms, max_records))
        return self.batches.pop(0) if self.batches else {}

    def assignment(self) -> set:
        return {"p0", "p1"}

    def pause(self, *partitions) -> None:
        self.calls.append(("pause", sorted(partitions)))
        self._paused |= set(partitions)

    def paused(self) -> set:
        return set(self._paused)

    def resume(self, *partitions) -> None:
        self.calls.append(("resume", sorted(partitions)))
        self._paused -= set(partitions)


def poll(idle_ms: int, idle_poll_s: float) -> tuple:
    settings = CommonSettings(consumer_idle_ms=idle_ms, consumer_idle_poll_s=idle_poll_s,
                              batch_timeout_ms=7, batch_max_records=3)
    subscriber, doorbell = SimpleNamespace(), Doorbell("never rung")
    wake_on_ring(subscriber, doorbell, "topic", settings)
    return subscriber.get_msg, doorbell._bells["topic"][0]


def test_records_are_returned_at_once_with_the_subscribers_limits():
    get_msg, _ = poll(idle_ms=0, idle_poll_s=60)
    consumer = FakeConsumer([{"p0": ["a", "b"], "p1": ["c"]}])
    assert asyncio.run(get_msg(consumer)) == ("a", "b", "c")
    assert consumer.calls == [("getmany", 7, 3)]  # no pause, no wait


def test_an_idle_consumer_pauses_until_the_bell_rings():
    get_msg, bell = poll(idle_ms=0, idle_poll_s=60)
    consumer = FakeConsumer([])

    async def scenario() -> float:
        started = time.monotonic()
        waiting = asyncio.create_task(get_msg(consumer))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # paused: the idle poll is a minute away
        assert consumer.paused() == {"p0", "p1"}
        bell.set()  # the doorbell rang for this topic
        assert await waiting == ()
        return time.monotonic() - started

    assert scenario_seconds(scenario) < 1
    assert consumer.calls == [("getmany", 7, 3), ("pause", ["p0", "p1"]),
                              ("resume", ["p0", "p1"])]
    assert consumer.paused() == set()


def test_an_idle_consumer_looks_anyway_after_its_idle_poll():
    get_msg, _ = poll(idle_ms=0, idle_poll_s=0.2)
    consumer = FakeConsumer([])
    assert 0.15 < scenario_seconds(lambda: get_msg(consumer)) < 1  # no ring came
    assert consumer.paused() == set()


def test_a_consumer_that_had_records_recently_keeps_fetching():
    get_msg, _ = poll(idle_ms=10_000, idle_poll_s=60)
    consumer = FakeConsumer([{"p0": ["a"]}])
    asyncio.run(get_msg(consumer))
    assert asyncio.run(get_msg(consumer)) == ()  # empty, but not idle long enough
    assert [c[0] for c in consumer.calls] == ["getmany", "getmany"]


def scenario_seconds(scenario) -> float:
    started = time.monotonic()
    result = asyncio.run(scenario())
    return result if isinstance(result, float) else time.monotonic() - started
