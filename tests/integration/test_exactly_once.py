"""Exactly-once pieces on the real embedded PostgreSQL: the event store, the register, the
e-Box, and the catch-up from the event store."""

from __future__ import annotations

import psycopg
import pytest

from services.common.db import open_pool
from services.common.tracking import catch_up
from services.directory.cache import Snapshot
from services.directory.domain import Directory, EmployerIndex
from services.notifier.application import NotifyDecisions
from services.notifier.outbox import Outbox
from services.notifier.queries import Ebox
from services.projections.application import UpdateRegister
from services.projections.domain import Filters
from services.projections.queries import RegisterQueries
from services.validator.application import DecideDeclarations
from services.validator.eventlog import EventLog, open_event_store
from tests.unit.factories import IN, KROON, submitted

pytestmark = pytest.mark.integration
PERIOD = 680725377630


OPEN_IN = {**IN, "dimonaIn": {"startDate": "2026-07-08",
                               "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}}}


def a_batch():
    return [submitted(OPEN_IN, number=PERIOD),
            submitted({"dimonaOut": {"periodId": PERIOD, "endDate": "2026-07-09"}},
                      number=680725377729),
            submitted({**IN, "worker": {"ssin": "72011136173"}}, number=680725377828)]


def decider(database_url: str) -> DecideDeclarations:
    return DecideDeclarations(open_event_store(database_url, create_table=False),
                              lambda: Directory([KROON]))


def count(database_url: str, query: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(query).fetchone()[0]


def test_a_redelivered_batch_returns_the_recorded_decisions(database_url):
    first = decider(database_url)(a_batch())
    assert [d.result for d in first] == ["A", "A", "B"]
    again = decider(database_url)(a_batch())  # a fresh process: nothing cached
    assert [d.model_dump_json() for d in again] == [d.model_dump_json() for d in first]
    # 3 Declaration aggregates, 1 Period (opened, then changed by the OUT) and its relation
    # (started with the period, then the OUT's change recorded): 7 events.
    assert count(database_url, "SELECT count(*) FROM validator_events") == 7


def test_a_batch_holding_the_same_declaration_twice_records_it_once(database_url):
    batch = a_batch()
    decided = decider(database_url)([batch[0], batch[0], batch[1]])
    assert decided[0] == decided[1]
    assert count(database_url, "SELECT count(*) FROM validator_events") == 6


def test_the_register_applies_each_decision_once_and_never_goes_back(database_url):
    decided = decider(database_url)(a_batch())
    writer = UpdateRegister(open_pool(database_url))
    writer.apply(decided, None)
    writer.apply(decided, None)  # redelivered
    writer.apply([decided[0]], None)
    assert count(database_url, "SELECT count(*) FROM register.declarations") == 3
    _, periods = RegisterQueries(writer.pool).periods(["175110801"], Filters())
    assert [(p["periodId"], p["endDate"]) for p in periods] == [(PERIOD, "2026-07-09")]


def test_the_ebox_gets_one_message_per_declaration(database_url):
    decided = decider(database_url)(a_batch())
    pool = open_pool(database_url)
    notify = NotifyDecisions(Outbox(pool), lambda: Snapshot(EmployerIndex([KROON]), {}))
    notify(decided, None)
    notify(decided[:2], None)
    total, listed = Ebox(pool).messages(recipient="0403170701")
    assert total == len(listed) == 3
    assert count(database_url, "SELECT count(*) FROM notifier.notifications") == 3


def test_catch_up_from_the_event_store_applies_what_kafka_lost(database_url):
    decided = decider(database_url)(a_batch())
    writer = UpdateRegister(open_pool(database_url))
    writer.apply(decided[:1], None)  # only the first arrived through Kafka
    log = EventLog(database_url)
    assert catch_up(log.decisions_after, writer.watermark(), writer.apply, page=2) == 3
    assert count(database_url, "SELECT count(*) FROM register.declarations") == 3
    # the watermark moved on
    assert catch_up(log.decisions_after, writer.watermark(), writer.apply) == 0
    assert log.decided([PERIOD, 680725377729, 1]) == {PERIOD, 680725377729}
