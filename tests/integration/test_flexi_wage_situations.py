"""Flexi at work on the real PostgreSQL, in-process (issue 23): intake routing a flexi wage
to its debtor and the HTTP edge checking the debtor's mandate; the validator recording a
situation's events (opened, replaced whole by a modify, cancelled) in the real event store,
checked against the flexi Dimona it finds there; a redelivery decided once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from schemas.events import DeclarationDecided, DeclarationSubmitted
from services.directory import adapter as directory
from services.directory.cache import DirectoryCache
from services.validator.application import DecideDeclarations
from services.validator.domain import Declaration, Situation
from services.validator.eventlog import open_event_store
from tests.integration.http_world import KROON, PARC, SECRETARIAT, World

pytestmark = pytest.mark.integration
TOPIC = "services.validator.domain.aggregates:Situation"


def rows(world: World, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(world.url) as conn:
        return conn.execute(query, params).fetchall()


def decider(world: World) -> DecideDeclarations:
    """A fresh validator: its cache knows nothing."""
    cached = DirectoryCache(lambda: directory.directory(world.url))
    return DecideDeclarations(open_event_store(world.url, False), cached)


def decide(world: World, *numbers: int) -> list[DeclarationDecided]:
    """What a fresh validator does with these submissions, as intake recorded them."""
    events = rows(world, "SELECT event FROM intake.submissions WHERE declaration_id = ANY(%s) "
                         "ORDER BY declaration_id", (list(numbers),))
    return decider(world)([DeclarationSubmitted.model_validate_json(e) for (e,) in events])


def flexi_day() -> date:
    """A day a week ahead: a flexi Dimona for it is in time and not too early."""
    return datetime.now(ZoneInfo("Europe/Brussels")).date() + timedelta(days=7)


def flexi_in(ssin: str, day: date) -> dict:
    return {"employer": {"employerId": 175110801}, "worker": {"ssin": ssin},
            "dimonaIn": {"startDate": day.isoformat(), "startHour": "1800",
                         "endDate": day.isoformat(), "endHour": "2300",
                         "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}


def flexi_wage(action: str, ssin: str, uuid: str, day: date | None = None,
               amount: int = 9000, debtor: dict | None = None, **extra) -> dict:
    body = {"action": action, "debtor": debtor or {"employerId": 175110801},
            "beneficiary": {"ssin": ssin}, "relation": {"uuid": uuid}, **extra}
    if day is not None:
        body["calculation"] = {
            "startDate": day.isoformat(), "endDate": day.isoformat(),
            "calculationDate": day.isoformat(), "features": [{
                "employerCategory": "000", "workerCode": "050", "financialElements": [
                    {"code": "0001001000", "amountCents": amount}]}]}
    return {"flexiWage": body}


def situation_events(world: World, key: str) -> list[tuple[int, str]]:
    return rows(world, "SELECT originator_version, topic FROM validator_events WHERE "
                       "originator_id = %s ORDER BY originator_version",
                (Situation.create_id(key),))


def test_a_situation_opened_replaced_and_cancelled_in_the_event_store(world):
    ssin, day, uuid = world.new_ssin(), flexi_day(), "7d444840-9dc0-11d1-b245-5ffdce74fad2"
    [dimona] = decide(world, world.declare(KROON, flexi_in(ssin, day)))
    assert dimona.result == "A", dimona.anomalies
    create = world.declare(KROON, flexi_wage("create", ssin, uuid, day, payslipReference="P1"))
    [created] = decide(world, create)
    assert (created.result, created.anomalies) == ("A", ())  # the flexi Dimona is found
    key = f"175110801:{ssin}:{uuid}"
    after = created.situation_after
    assert (after.situation_key, after.ticket, after.wages_cents, after.year) == (
        key, create, 9000, day.year)
    modify = world.declare(KROON, flexi_wage("modify", ssin, uuid, day, amount=12000))
    [modified] = decide(world, modify)
    assert (modified.result, modified.situation_before) == ("A", after)
    assert (modified.situation_after.wages_cents, modified.situation_after.payslip_reference,
            modified.situation_after.ticket) == (12000, None, modify)  # replaced whole
    cancel = world.declare(KROON, flexi_wage("cancel", ssin, uuid))
    [cancelled] = decide(world, cancel)
    assert (cancelled.result, cancelled.situation_after.cancelled) == ("A", True)
    assert situation_events(world, key) == [(1, f"{TOPIC}.Opened"), (2, f"{TOPIC}.Changed"),
                                            (3, f"{TOPIC}.Changed")]
    stored = open_event_store(world.url, False).load_many([Situation.create_id(key)])
    assert stored[Situation.create_id(key)].current == cancelled.situation_after
    # refused: a modify of a cancelled situation adds no event
    again = world.declare(KROON, flexi_wage("modify", ssin, uuid, day))
    [refused] = decide(world, again)
    assert ([a.code for a in refused.anomalies], refused.situation_after) == (
        ["90900-355"], None)
    assert len(situation_events(world, key)) == 3


def test_without_a_flexi_dimona_the_situation_is_recorded_with_a_warning(world):
    ssin, uuid = world.new_ssin(), "7d444840-9dc0-11d1-b245-5ffdce74fad3"
    number = world.declare(KROON, flexi_wage("create", ssin, uuid, flexi_day()))
    [decided] = decide(world, number)
    assert (decided.result, [a.code for a in decided.anomalies]) == ("W", ["00024-152"])
    assert len(situation_events(world, f"175110801:{ssin}:{uuid}")) == 1


def test_a_redelivered_flexi_wage_gives_one_decision_and_one_event(world):
    ssin, uuid = world.new_ssin(), "7d444840-9dc0-11d1-b245-5ffdce74fad4"
    number = world.declare(KROON, flexi_wage("create", ssin, uuid, flexi_day()))
    first = decide(world, number)
    again = decide(world, number)  # redelivered to another validator
    both = decider(world)([DeclarationSubmitted.model_validate_json(e) for (e,) in rows(
        world, "SELECT event FROM intake.submissions WHERE declaration_id = %s",
        (number,))] * 2)  # and twice in one batch
    assert first[0].result == "W"
    assert [d.model_dump_json() for d in again] == [d.model_dump_json() for d in first]
    assert [d.model_dump_json() for d in both] == [first[0].model_dump_json()] * 2
    assert len(situation_events(world, f"175110801:{ssin}:{uuid}")) == 1
    assert rows(world, "SELECT count(*) FROM validator_events WHERE originator_id = %s",
                (Declaration.create_id(number),)) == [(1,)]


def test_a_flexi_wage_goes_to_its_debtor_and_a_mandatary_needs_its_mandate(world):
    ssin, uuid = world.new_ssin(), "7d444840-9dc0-11d1-b245-5ffdce74fad5"
    body = flexi_wage("create", ssin, uuid, flexi_day())
    refused = world.client.post("/declarations", json=body, headers=PARC)
    assert refused.status_code == 403, refused.text  # the Parc has no mandate for Kroon
    by_mandatary = world.declare(SECRETARIAT, body)
    by_enterprise = world.declare(KROON, flexi_wage(
        "create", ssin, "7d444840-9dc0-11d1-b245-5ffdce74fad6", flexi_day(),
        debtor={"enterpriseNumber": "0403170701"}))
    assert rows(world, "SELECT declaration_id, employer_key FROM intake.submissions WHERE "
                       "declaration_id = ANY(%s) ORDER BY declaration_id",
                ([by_mandatary, by_enterprise],)) == [(by_mandatary, "175110801"),
                                                      (by_enterprise, "0403170701")]
    decided = decide(world, by_mandatary, by_enterprise)
    assert [d.result for d in decided] == ["W", "W"]  # no flexi Dimona for this worker
    assert decided[0].declarant == "0477472701"
