"""The doorbell on the real parts: a ring (PostgreSQL NOTIFY) reaches the bells of its
topic in another process's doorbell; an idle batch subscriber on the real broker stops
fetching, so a record published without a ring waits for the idle poll, and one published
with a ring is taken at once (services.common.doorbell, docs/adr/0014-consumer-doorbell.md)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from dimona.embedded import create_topics
from services.common import doorbell as doorbell_module
from services.common.doorbell import Doorbell
from services.common.kafka import batch_subscriber, make_broker, publish_records
from services.common.settings import CommonSettings

pytestmark = pytest.mark.integration


def test_a_ring_reaches_the_bells_of_its_topic(database_url):
    async def scenario() -> None:
        listening, ringing = Doorbell(database_url), Doorbell(database_url)
        ours, other = listening.bell("dimona.x"), listening.bell("dimona.y")
        listening.start()
        await asyncio.wait_for(ours.wait(), 5)  # rung once at start: nothing missed
        ours.clear(), other.clear()
        await ringing.ring("dimona.x")
        await asyncio.wait_for(ours.wait(), 5)
        assert not other.is_set()
        await listening.stop(), await ringing.stop()

    asyncio.run(scenario())


def test_an_idle_subscriber_waits_for_the_ring_not_for_its_idle_poll(infra, database_url,
                                                                      monkeypatch):
    topic = f"doorbell-{uuid.uuid4().hex[:8]}"
    create_topics(infra.broker.bootstrap, (topic,), 1)
    settings = CommonSettings(kafka_bootstrap=infra.broker.bootstrap, database_url=database_url,
                              consumer_idle_ms=100, consumer_idle_poll_s=60)

    async def scenario() -> tuple[float, float]:
        received: dict[str, float] = {}
        broker, doorbell = make_broker(settings), Doorbell(database_url)

        @batch_subscriber(broker, topic, settings, f"g-{topic}", doorbell)
        async def handle(body: list) -> None:
            for value in body:  # the values as they came (services.common.kafka.undecoded)
                received[json.loads(value)["n"]] = time.monotonic()

        await broker.start()
        doorbell.start()
        silent = Doorbell("postgresql://nobody@127.0.0.1:1/none")  # its rings are lost
        await asyncio.sleep(3)  # joined, then idle: paused, looking again now and then
        # from now on it has been idle for an hour, as the doorbell's clock says: its next
        # pause lasts its idle poll, a minute
        monkeypatch.setattr(doorbell_module, "monotonic", lambda: time.monotonic() + 3600)
        await asyncio.sleep(1.5)
        await publish_records(broker, topic, [("1", "k", '{"n": "unrung"}')], silent)
        await asyncio.sleep(2)
        assert "unrung" not in received  # nobody fetched: the idle poll is a minute away
        rung_at = time.monotonic()
        await publish_records(broker, topic, [("2", "k", '{"n": "rung"}')], doorbell)
        for _ in range(100):
            if "rung" in received:
                break
            await asyncio.sleep(0.05)
        await broker.stop(), await doorbell.stop()
        return received["rung"] - rung_at, received["unrung"] - rung_at

    rung_after_s, unrung_after_s = asyncio.run(scenario())
    assert rung_after_s < 2  # woken by the ring (a few ms on an idle machine)
    assert unrung_after_s >= 0  # the record published earlier came with it, not before
