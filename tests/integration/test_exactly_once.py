"""Exactly-once pieces on the real embedded PostgreSQL: the event store, the register, the
e-Box, and the catch-up from the event store."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from services.common.db import open_pool
from services.common.tracking import catch_up
from services.directory.cache import Snapshot
from services.directory.domain import Directory, EmployerIndex, SystemChoice
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


# Daily registrations (issue 22): Kroon chose the Dimona system long before; a fixed
# worker's evening is created without its end hour, then completed by an update.
CREATED, COMPLETED = 680725377927, 680725378026
CHOSE_DIMONA = SystemChoice(employer_key="175110801", system="dimona",
                            chosen_at=datetime(2026, 1, 5, tzinfo=UTC), chosen_by="0403170701")


def an_evening():
    return [submitted(OPEN_IN, number=PERIOD),
            submitted({"dailyRegistration": {
                "action": "create", "periodId": PERIOD, "startDate": "2026-07-08",
                "startHour": "1800", "endDate": "2026-07-09"}}, number=CREATED),
            submitted({"dailyRegistration": {"action": "update", "registrationId": CREATED,
                                             "endHour": "0200"}}, number=COMPLETED)]


def registration_decider(database_url: str) -> DecideDeclarations:
    chosen = Directory([KROON], choices=[CHOSE_DIMONA],
                       read_at=datetime(2026, 12, 1, tzinfo=UTC))
    return DecideDeclarations(open_event_store(database_url, create_table=False),
                              lambda: chosen)


def registration_rows(database_url: str) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT registration_id, period_id, end_date::text, end_hour, "
                            "status, version, last_declaration_id "
                            "FROM register.registrations").fetchall()


def test_registration_decisions_delivered_twice_change_nothing(database_url):
    decided = registration_decider(database_url)(an_evening())
    assert [(d.result, d.registration_id) for d in decided] == [
        ("A", None), ("A", CREATED), ("A", CREATED)]
    again = registration_decider(database_url)(an_evening())  # redelivered to the validator
    assert [d.model_dump_json() for d in again] == [d.model_dump_json() for d in decided]

    pool = open_pool(database_url)
    writer = UpdateRegister(pool)
    writer.apply(decided[:2], None)  # the update did not come through Kafka (yet)
    log = EventLog(database_url)
    assert catch_up(log.decisions_after, writer.watermark(), writer.apply) == 3
    writer.apply(decided, None)  # and then it comes, with the rest again
    writer.apply([decided[1]], None)  # the create once more, after its update
    completed = [(CREATED, PERIOD, "2026-07-09", "0200", "active", 2, COMPLETED)]
    assert registration_rows(database_url) == completed
    assert count(database_url, "SELECT count(*) FROM register.declarations") == 3

    notify = NotifyDecisions(Outbox(pool), lambda: Snapshot(EmployerIndex([KROON]), {}))
    notify(decided, None)
    notify(decided[1:], None)
    notify(again, None)
    total, listed = Ebox(pool).messages(recipient="0403170701")
    assert total == len(listed) == 3
    assert sorted(m["declarationId"] for m in listed) == [PERIOD, CREATED, COMPLETED]
    assert count(database_url, "SELECT count(*) FROM notifier.notifications") == 3
    assert registration_rows(database_url) == completed


# Flexi at work (issue 23): Kroon declares its flexi-jobber's day of 8 July (IN, an FLX day),
# then sends the July payslip, 50 EUR, and corrects it to 55 EUR by a modify.
FLEXI_DAY, CREATED_WAGE, MODIFIED_WAGE = 680725378125, 680725378224, 680725378323
SITUATION = "175110801:85073003328:4f1c2a9e-0d2e-4792-9bc0-ef3dc24b404f"


def a_payslip(action: str, cents: int) -> dict:
    return {"flexiWage": {
        "action": action, "debtor": {"employerId": 175110801},
        "beneficiary": {"ssin": "85073003328"},
        "relation": {"uuid": "4f1c2a9e-0d2e-4792-9bc0-ef3dc24b404f", "reference": "c-12"},
        "calculation": {"startDate": "2026-07-01", "endDate": "2026-07-31",
                        "calculationDate": "2026-07-31", "features": [{
                            "employerCategory": "017", "workerCode": "050",
                            "financialElements": [{"code": "0001001000",
                                                   "amountCents": cents}]}]}}}


def a_payslip_corrected(database_url: str):
    """The FLX day, then (decided after it) the payslip's create and its modify."""
    decide = decider(database_url)
    day = decide([submitted(IN, number=FLEXI_DAY)])
    return day + decide([submitted(a_payslip("create", 5000), number=CREATED_WAGE),
                         submitted(a_payslip("modify", 5500), number=MODIFIED_WAGE)])


def situation_rows(database_url: str) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT situation_key, ticket, year, wages_cents, cancelled, "
                            "version FROM register.flexi_situations").fetchall()


def test_flexi_wage_decisions_delivered_twice_change_nothing(database_url):
    decided = a_payslip_corrected(database_url)
    assert [(d.declaration_type, d.result) for d in decided] == [
        ("DIMONA_IN", "A"), ("FLEXI_WAGE", "A"), ("FLEXI_WAGE", "A")]
    assert [d.situation_after.wages_cents for d in decided[1:]] == [5000, 5500]

    pool = open_pool(database_url)
    writer = UpdateRegister(pool)
    writer.apply(decided[:2], None)  # the modify did not come through Kafka (yet)
    log = EventLog(database_url)
    assert catch_up(log.decisions_after, writer.watermark(), writer.apply) == 3
    writer.apply(decided, None)  # and then it comes, with the rest again
    writer.apply([decided[1]], None)  # the create once more, after its modify
    corrected = [(SITUATION, MODIFIED_WAGE, 2026, 5500, False, 2)]
    assert situation_rows(database_url) == corrected
    assert count(database_url, "SELECT count(*) FROM register.declarations") == 3
    totals, _ = RegisterQueries(pool).flexi_income("85073003328", 2026)
    assert (totals["wagesCents"], totals["premiumsCents"]) == (5500, 0)  # not 10,500

    notify = NotifyDecisions(Outbox(pool), lambda: Snapshot(EmployerIndex([KROON]), {}))
    notify(decided, None)
    notify(decided[1:], None)
    notify([decided[2], decided[1]], None)
    total, listed = Ebox(pool).messages(recipient="0403170701")
    assert total == len(listed) == 3
    assert sorted(m["declarationId"] for m in listed) == [FLEXI_DAY, CREATED_WAGE,
                                                          MODIFIED_WAGE]
    assert count(database_url, "SELECT count(*) FROM notifier.notifications") == 3
    assert situation_rows(database_url) == corrected
