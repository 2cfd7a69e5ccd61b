"""Intake's outbox on the real broker: recorded declarations are published, and whatever
the broker lost (no decision in the event store) is published again."""

from __future__ import annotations

import asyncio

import pytest

from schemas import topics
from schemas.declaration import Declaration
from services.common.db import open_pool
from services.common.kafka import make_broker
from services.common.relay import Relay
from services.common.settings import CommonSettings
from services.intake.adapter import IntakeStore
from services.intake.application import Intake
from services.intake.domain import Principal
from services.intake.relay import Reconciler
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
        relay = Relay(store, broker, topics.SUBMISSIONS, 100, 0.1, asyncio.Event())
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
