"""Intake's outbox on the real broker: recorded declarations are published, and whatever
the broker lost (no decision in the event store) is published again."""

from __future__ import annotations

import asyncio

import pytest

from dimona.embedded import create_topics
from schemas import topics
from schemas.declaration import Declaration
from services.common.db import open_pool
from services.common.doorbell import Doorbell
from services.common.kafka import make_broker, topic_exists
from services.common.relay import Relay, TopicMissing
from services.common.settings import CommonSettings
from services.intake.adapter import IntakeStore
from services.intake.application import Intake
from services.intake.domain import Principal
from services.intake.reconciler import Reconciler
from services.validator.eventlog import EventLog
from tests.conftest import declaration_ids_on
from tests.integration.test_exactly_once import decider
from tests.unit.factories import IN

pytestmark = pytest.mark.integration


async def published_ids(bootstrap: str, wanted: set[int]) -> list[int]:
    return await declaration_ids_on(bootstrap, topics.SUBMISSIONS, lambda ids: wanted <= set(ids))


def test_relay_publishes_and_reconciler_republishes_the_undecided(infra, database_url):
    async def scenario() -> None:
        store = IntakeStore(open_pool(database_url))
        intake = Intake(store)
        cancel = Declaration.model_validate({"dimonaCancel": {"periodId": 1}})
        numbers = intake.submit([Declaration.model_validate(IN), cancel],
                                Principal("declarant", "0403170701"))
        broker = make_broker(CommonSettings(kafka_bootstrap=infra.broker.bootstrap))
        await broker.start()
        relay = Relay(store, broker, topics.SUBMISSIONS, 100, 0.1,
                      Doorbell(database_url), infra.broker.bootstrap)
        assert await relay.publish_pending() == 2
        assert await relay.publish_pending() == 0  # nothing left to publish
        assert set(numbers) <= set(await published_ids(infra.broker.bootstrap, set(numbers)))

        # The first one gets decided; the broker "loses" the second.
        assert store.unpublished(10) == []  # everything is marked published
        submitted_first = _submitted(database_url, numbers[0])
        decider(database_url)([submitted_first])
        reconciler = Reconciler(store, EventLog(database_url), 0.0, asyncio.Event())
        assert reconciler.reconcile(0.0) == (1, 0)  # one settled; is the validator idle?
        assert reconciler.reconcile(0.0) == (0, 1)  # it is: the other one was lost
        assert [r[0] for r in store.unpublished(10)] == [numbers[1]]
        assert await relay.publish_pending() == 1
        seen = await published_ids(infra.broker.bootstrap, set(numbers))
        assert seen.count(numbers[1]) == 2 and seen.count(numbers[0]) == 1
        await broker.stop()

    asyncio.run(scenario())


def test_the_undecided_are_not_republished_while_the_validator_works(infra, database_url):
    """A backlog is not a loss: re-publishing it fed the validator copies of what it had
    not reached yet (docs/performance.md)."""
    store = IntakeStore(open_pool(database_url))
    numbers = Intake(store).submit([Declaration.model_validate(IN)] * 3,
                                   Principal("declarant", "0403170701"))
    store.mark_published(numbers)  # all three on Kafka, none decided yet
    reconciler = Reconciler(store, EventLog(database_url), 0.0, asyncio.Event())
    reconciler.last_position = 0  # not a first round: the store was seen empty before
    decide = decider(database_url)
    decide([_submitted(database_url, numbers[0])])  # the validator is at work
    assert reconciler.reconcile(0.0) == (1, 0)  # the first settled, the others still queued
    assert store.unpublished(10) == []
    # A round later the event store has not grown: the validator has nothing left to do,
    # so what is still undecided was lost.
    assert reconciler.reconcile(0.0) == (0, 2)
    assert sorted(r[0] for r in store.unpublished(10)) == sorted(numbers[1:])


def _submitted(database_url: str, number: int):
    import psycopg

    from schemas.events import DeclarationSubmitted
    with psycopg.connect(database_url) as conn:
        event = conn.execute("SELECT event FROM intake.submissions WHERE declaration_id = %s",
                             (number,)).fetchone()[0]
    return DeclarationSubmitted.model_validate_json(event)


def test_a_database_from_before_the_outbox_keeps_what_was_still_to_publish(database_url):
    """Submissions used to carry their own publication state; the migration moves what was
    not settled into intake.outbox and drops those columns."""
    import psycopg

    from services.intake.adapter import migrate
    from tests.integration.test_rebuild import sql
    with psycopg.connect(database_url) as conn:  # intake's tables as they were
        conn.execute(
            "DROP SCHEMA intake CASCADE; CREATE SCHEMA intake;"
            "CREATE TABLE intake.submissions (declaration_id bigint PRIMARY KEY,"
            " employer_key text NOT NULL, received_at timestamptz NOT NULL,"
            " channel text NOT NULL, declarant text, batch_ref text, line integer,"
            " event text NOT NULL, published_at timestamptz,"
            " publish_count integer NOT NULL DEFAULT 0, settled boolean NOT NULL DEFAULT false);"
            "INSERT INTO intake.submissions VALUES"
            " (1, 'k', now(), 'batch', NULL, NULL, NULL, '{}', now(), 1, true),"
            " (2, 'k', now(), 'batch', NULL, NULL, NULL, '{}', now(), 2, false),"
            " (3, 'k', now(), 'batch', NULL, NULL, NULL, '{}', NULL, 0, false)")
    migrate(database_url)
    migrate(database_url)  # every start runs it: the second changes nothing
    assert sql(database_url, "SELECT declaration_id, published_at IS NOT NULL, publish_count "
               "FROM intake.outbox ORDER BY 1") == [(2, True, 2), (3, False, 0)]
    assert IntakeStore(open_pool(database_url)).unpublished(10) == [(3, "k", "{}")]


class Spied(IntakeStore):
    """The real store, noting what the relay reads back and marks published."""

    def __init__(self, pool):
        super().__init__(pool)
        self.reads, self.marked = 0, []

    def unpublished(self, limit):
        self.reads += 1
        return super().unpublished(limit)

    def mark_published(self, ids):
        self.marked += list(ids)
        super().mark_published(ids)


async def values_on(bootstrap: str, topic: str, wanted: set[bytes]) -> list[bytes]:
    """Every value on the topic, from the start, until all of `wanted` were seen."""
    from aiokafka import AIOKafkaConsumer
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap,
                                auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    seen: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while not wanted <= set(seen):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    seen += [r.value for r in records]
    finally:
        await consumer.stop()
    return seen


def test_the_relay_publishes_what_it_is_handed_without_reading_it_back(infra, database_url):
    """services.common.relay: committed rows handed over are published from memory; the
    store is read when nothing was handed (rows another process recorded, e.g. the CLI),
    and what was both handed over and read back is published once."""
    async def scenario() -> None:
        store = Spied(open_pool(database_url))
        broker = make_broker(CommonSettings(kafka_bootstrap=infra.broker.bootstrap))
        await broker.start()
        relay = Relay(store, broker, topics.SUBMISSIONS, 100, 0.1,
                      Doorbell(database_url), infra.broker.bootstrap)
        assert await relay.publish_pending() == 0 and store.reads == 1  # a start: it looks
        principal = Principal("declarant", "0403170701")
        handing = Intake(store, recorded=relay.hand)
        by_cli = Intake(store)  # the CLI hands nothing over
        handed = handing.submit([Declaration.model_validate(IN)] * 3, principal)
        assert await relay.publish_pending() == 3 and store.reads == 1  # not read back
        assert store.marked == handed and store.unpublished(10) == []
        store.reads = 0
        cli = by_cli.submit([Declaration.model_validate(IN)], principal)
        assert await relay.publish_pending() == 1 and store.reads == 1  # nothing handed
        again = handing.submit([Declaration.model_validate(IN)] * 2, principal)
        relay.look = True  # as after a failure: the handed rows are read back from the store
        assert await relay.publish_pending() == 2 and relay.handed == []
        assert await relay.publish_pending() == 0
        assert sorted(store.marked) == sorted(handed + cli + again)  # each once
        events = {e.encode() for (e,) in _events(database_url)}
        assert sorted(v for v in await values_on(infra.broker.bootstrap, topics.SUBMISSIONS,
                                                 events) if v in events) == sorted(events)
        await broker.stop()

    asyncio.run(scenario())


def _events(database_url: str) -> list[tuple[str]]:
    from tests.integration.test_rebuild import sql
    return sql(database_url, "SELECT event FROM intake.submissions")


def test_after_a_failure_the_relay_waits_for_its_topic_and_never_creates_it(infra,
                                                                            database_url):
    """A new broker has no topics until `dimona up` makes them: the relay that failed asks
    for its topic first (listing, which creates nothing) and publishes once it is there."""
    topic = "dimona.relay-test-not-yet"

    async def scenario() -> None:
        store = IntakeStore(open_pool(database_url))
        broker = make_broker(CommonSettings(kafka_bootstrap=infra.broker.bootstrap))
        await broker.start()
        relay = Relay(store, broker, topic, 100, 0.1, Doorbell(database_url),
                      infra.broker.bootstrap)
        relay.topic_seen = False  # as after a failure
        try:
            with pytest.raises(TopicMissing):
                await relay.publish_pending()
            assert not await topic_exists(infra.broker.bootstrap, topic)
            await asyncio.to_thread(create_topics, infra.broker.bootstrap, (topic,), 1)
            assert await relay.publish_pending() == 0 and relay.topic_seen
        finally:
            await broker.stop()
    asyncio.run(scenario())
