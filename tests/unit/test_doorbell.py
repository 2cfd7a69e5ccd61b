"""The consumers' poll with a doorbell (services.common.doorbell.wake_on_ring), against a
fake consumer: a batch is returned as soon as records are there; after consumer_idle_ms
without records the partitions are paused (no fetch) until the bell rings or the idle poll
passes, and resumed after."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest

from services.common import doorbell as doorbell_module
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


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The doorbell's clock, in seconds since the subscriber was made (asyncio keeps its own)."""
    now = [0.0]
    monkeypatch.setattr(doorbell_module, "monotonic", lambda: now[0])
    return now


def poll(idle_ms: int, idle_poll_s: float) -> tuple:
    settings = CommonSettings(consumer_idle_ms=idle_ms, consumer_idle_poll_s=idle_poll_s,
                              batch_timeout_ms=100, batch_max_records=3,
                              fetch_max_wait_ms=10)
    subscriber, doorbell = SimpleNamespace(), Doorbell("never rung")
    wake_on_ring(subscriber, doorbell, "topic", settings)
    return subscriber.get_msg, doorbell._bells["topic"][0]


def test_records_are_returned_at_once_with_the_subscribers_limits():
    get_msg, _ = poll(idle_ms=0, idle_poll_s=60)
    consumer = FakeConsumer([{"p0": ["a", "b"], "p1": ["c"]}])
    assert asyncio.run(get_msg(consumer)) == ("a", "b", "c")
    assert consumer.calls == [("getmany", 100, 3)]  # no pause, no wait


def test_a_long_idle_consumer_pauses_until_the_bell_rings(clock):
    get_msg, bell = poll(idle_ms=0, idle_poll_s=60)
    clock[0] = 3600  # idle for an hour: it looks again after the idle poll, a minute
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
    assert consumer.calls == [("getmany", 100, 3), ("pause", ["p0", "p1"]),
                              ("resume", ["p0", "p1"])]
    assert consumer.paused() == set()


def test_an_idle_consumer_looks_anyway_after_its_idle_poll_with_one_short_fetch(clock):
    get_msg, _ = poll(idle_ms=0, idle_poll_s=0.2)
    clock[0] = 3600
    consumer = FakeConsumer([])

    async def twice() -> None:
        started = time.monotonic()
        await get_msg(consumer)
        assert 0.15 < time.monotonic() - started < 1  # no ring came: the idle poll passed
        assert consumer.paused() == set()
        await get_msg(consumer)

    asyncio.run(twice())
    # the look after the idle poll waits for two fetches of 10 ms at most, not 100 ms
    assert [c for c in consumer.calls if c[0] == "getmany"] == [
        ("getmany", 100, 3), ("getmany", 25, 3)]


def test_soon_after_records_an_idle_consumer_looks_again_soon(clock):
    """A lost ring costs a quarter of the time the consumer has been idle, not a minute."""
    get_msg, _ = poll(idle_ms=200, idle_poll_s=60)
    consumer = FakeConsumer([])
    clock[0] = 0.4  # idle for 400 ms: it looks again after 100 ms
    assert scenario_seconds(lambda: get_msg(consumer)) < 0.5
    assert consumer.calls[1:] == [("pause", ["p0", "p1"]), ("resume", ["p0", "p1"])]


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
