"""The audit log on the real embedded PostgreSQL (issue 7): what is recorded of each
declaration, the auditor's timeline, the append-only guards, and `verify` finding every
kind of tampering done directly in the database."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from schemas.events import Origin
from services.audit.application import AuditTrail, Selection, VerifyLogs
from services.audit.domain import text
from services.audit.queries import AuditStore
from services.common.auditchain import chain, event_content
from services.common.db import open_pool
from services.common.tracking import catch_up
from services.directory import adapter
from services.directory.cache import Snapshot
from services.directory.domain import EmployerIndex
from services.notifier.application import NotifyDecisions
from services.notifier.outbox import Outbox
from services.projections.application import UpdateRegister
from services.validator.domain.version import RULES_VERSION
from services.validator.eventlog import EventLog
from tests.integration.test_directory_history import KROON as DIRECTORY_KROON
from tests.integration.test_directory_history import load
from tests.integration.test_exactly_once import PERIOD, decider
from tests.integration.test_rebuild import history, sql
from tests.unit.factories import IN, KROON, submitted

pytestmark = pytest.mark.integration
TOKEN = "directory:0123456789abcdef"
REPLICA = "SET session_replication_role = replica"  # what a superuser can do: no triggers


def record(url: str, first_position: int | None = None) -> None:
    """The history of test_rebuild received over HTTP, decided, projected and notified."""
    if first_position is not None:
        sql(url, "SELECT setval(pg_get_serial_sequence('validator_events', "
                 "'notification_id'), %s)", (first_position,))
    subs = [s.model_copy(update={"origin": Origin(
        via="POST /declarations", token=TOKEN,
        raw=s.declaration.model_dump_json(by_alias=True, exclude_none=True) + " ")})
        for s in history()]
    decided = decider(url)(subs)
    register = UpdateRegister(open_pool(url))
    catch_up(EventLog(url).decisions_after, 0, register.apply)
    NotifyDecisions(Outbox(register.pool), lambda: Snapshot(EmployerIndex([KROON])))(
        decided, None)


def audit(url: str) -> tuple[AuditTrail, VerifyLogs]:
    store = AuditStore(open_pool(url))
    keys = {"0403170701": ["175110801", "0403170701"], "175110801": ["175110801"]}
    return (AuditTrail(store, EventLog(url).app.mapper, lambda n: keys.get(n, [n])),
            VerifyLogs(store))


def tamper(url: str, *statements: tuple[str, tuple]) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(REPLICA)
        for query, params in statements:
            conn.execute(query, params)


def decided_position(url: str, declaration_id: int) -> int:
    [(position,)] = sql(url, "SELECT notification_id FROM validator_events WHERE topic LIKE "
                             "'%%Declaration.Decided' AND convert_from(state, 'UTF8') LIKE %s",
                        (f'%"declaration_id":{declaration_id},%',))
    return position


def test_the_timeline_shows_reception_decision_and_notifications(database_url):
    record(database_url)
    trail, _ = audit(database_url)
    entries = [e.to_json() for e in trail.entries(Selection(declaration=PERIOD))]
    assert [e["event"] for e in entries] == ["received", "decided", "notified"]
    received, decided, notified = entries
    assert received["raw"].endswith("} ") and received["token"] == TOKEN
    assert (received["via"], received["channel"], received["declarant"]) == (
        "POST /declarations", "webservice", "0403170701")
    assert (decided["result"], decided["ruleVersion"], decided["periodId"]) == (
        "A", RULES_VERSION, PERIOD)
    assert decided["log"] == received["log"] == "validator"
    assert (notified["log"], notified["channel"], notified["recipient"]) == (
        "notifier", "ebox", "0403170701")
    refused = [e.to_json() for e in trail.entries(Selection(declaration=680725378224))]
    assert refused[1]["result"] == "B" and refused[1]["anomalies"][0]["code"]


def test_a_refusal_names_its_rule_and_the_employer_as_the_directory_knew_it(database_url):
    """The facts are the directory's as of reception: a load after it changes nothing."""
    mandate = {"declarant": "0477472701", "employerId": 175110801, "from": "2020-01-01"}
    received = load(database_url, employers=[DIRECTORY_KROON], mandates=[mandate])
    refused = [submitted({**IN, "worker": {"ssin": "72011136173"}}, number=680725378224,
                         received=received),
               submitted({**IN, "employer": {"enterpriseNumber": "0403170701"},
                          "worker": {"ssin": "72011136173"}}, number=680725378521,
                         employer_key="0403170701", received=received)]
    decider(database_url)(refused)
    load(database_url, employers=[{**DIRECTORY_KROON, "name": "De Kroon BV", "active": False}],
         mandates=[{**mandate, "to": "2026-06-30"}])
    trail, _ = audit(database_url)
    for number in (680725378224, 680725378521):  # by NSSO number, by enterprise number
        _, decided = trail.entries(Selection(declaration=number))
        found = decided.to_json()
        assert found["result"] == "B"
        [invalid] = [a for a in found["anomalies"] if a["code"] == "00024-003"]
        assert [r["function"] for r in invalid["rules"]] == [
            "services.validator.domain.identifiers.ssin_invalid"]
        assert found["facts"]["employer"] == {**DIRECTORY_KROON, "language": "nl",
                                              "securedChannelsOnly": False, "active": True,
                                              "sector": "private", "subEntities": [],
                                              "mandates": [{**mandate, "to": None}]}
        assert "00024-003 ← identifiers.ssin_invalid (docs/sources.md §8): " in "\n".join(
            text(decided))
    now = adapter.directory_as_of(database_url, datetime.now(UTC)).employers
    assert (now.by_key("175110801").name, now.by_key("175110801").active) == (
        "De Kroon BV", False)


def test_selections_find_every_declaration_oldest_first(database_url):
    record(database_url)
    trail, _ = audit(database_url)

    def declarations(selection: Selection) -> list[int]:
        return list(dict.fromkeys(e.declaration_id for e in trail.entries(selection)))

    # all received at the same time: then in the order of their numbers
    everything = sorted(s.declaration_id for s in history())
    assert declarations(Selection(employer="0403170701")) == everything
    # the UPDATE and the OUT name only the period: found through it
    of_period = [PERIOD, 680725378026, 680725378125]  # the IN, its UPDATE and its OUT
    assert declarations(Selection(period=PERIOD)) == of_period
    assert declarations(Selection(ssin="72011136173")) == [680725378224]
    assert declarations(Selection(ssin=history()[0].declaration.worker.ssin)) == of_period
    assert declarations(Selection(employer="0999999999")) == []


def test_the_recorded_logs_are_append_only(database_url):
    record(database_url)
    for query in ("UPDATE validator_events SET topic = topic",
                  "DELETE FROM validator_events", "TRUNCATE validator_events",
                  "UPDATE notifier.notifications SET event = event",
                  "DELETE FROM audit.links", "TRUNCATE audit.checkpoints"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            sql(database_url, query)
    with psycopg.connect(database_url) as conn:  # the relay's bookkeeping is not the log
        assert conn.execute("DELETE FROM notifier.unpublished").rowcount == 7


def broken(url: str, exported: list | None = None) -> dict:
    report = audit(url)[1](exported or [])
    assert not report["ok"]
    [found] = [r["broken"] for r in report["logs"] if r["broken"]]
    return found


def test_an_intact_log_verifies(database_url):
    record(database_url)
    report = audit(database_url)[1]()
    assert report["ok"], report
    assert [(r["log"], r["records"] > 6) for r in report["logs"]] == [
        ("validator", True), ("notifier", True)]


def test_an_altered_decision_is_named(database_url):
    record(database_url)
    position = decided_position(database_url, PERIOD)
    tamper(database_url, ("UPDATE validator_events SET state = convert_to(replace(convert_from("
                          "state, 'UTF8'), '\"result\":\"A\"', '\"result\":\"W\"'), 'UTF8') "
                          "WHERE notification_id = %s", (position,)))
    found = broken(database_url)
    assert (found["position"], found["problem"]) == (
        position, "this record was altered or re-ordered")
    assert found["record"].startswith("Declaration.Decided of ")


def test_a_removed_event_is_named_with_or_without_its_link(database_url):
    record(database_url)
    position = decided_position(database_url, 680725378125)
    tamper(database_url, ("DELETE FROM validator_events WHERE notification_id = %s",
                          (position,)))
    assert broken(database_url)["problem"] == "this record was removed (its link remains)"
    tamper(database_url, ("DELETE FROM audit.links WHERE log = 'validator' AND position = %s",
                          (position,)))
    found = broken(database_url)
    assert (found["position"], found["problem"], found["record"]) == (
        position, "this record was removed, with its link", None)


def test_re_ordered_events_are_found(database_url):
    record(database_url)
    first, second = decided_position(database_url, PERIOD), decided_position(
        database_url, 680725378026)
    swap = "UPDATE validator_events SET notification_id = %s WHERE notification_id = %s"
    tamper(database_url, (swap, (-1, first)), (swap, (first, second)), (swap, (second, -1)))
    assert broken(database_url)["position"] == first


def test_an_altered_notification_is_named(database_url):
    record(database_url)
    [(position,)] = sql(database_url, "SELECT min(position) FROM notifier.notifications")
    tamper(database_url, ("UPDATE notifier.notifications SET event = replace(event, "
                          "'\"result\":\"A\"', '\"result\":\"W\"') WHERE position = %s",
                          (position,)))
    found = broken(database_url)
    assert found["position"] == position and found["record"].startswith("notification ")


def test_a_rewritten_chain_is_found_by_the_checkpoints(database_url):
    """Whoever alters an event and computes the chain again is found by the checkpoint
    after it; whoever rewrites the checkpoints too, by the checkpoints kept elsewhere."""
    record(database_url, first_position=9_995)  # the chain passes 10,000: a checkpoint
    _, verify_logs = audit(database_url)
    exported = verify_logs.checkpoints()
    assert [c["log"] for c in exported] == ["validator"] and exported[0]["position"] > 10_000
    position = decided_position(database_url, PERIOD)
    tamper(database_url, ("UPDATE validator_events SET state = convert_to(replace(convert_from("
                          "state, 'UTF8'), '\"result\":\"A\"', '\"result\":\"W\"'), 'UTF8') "
                          "WHERE notification_id = %s", (position,)))
    rows = sql(database_url, "SELECT notification_id, originator_id, originator_version, "
                             "topic, state FROM validator_events ORDER BY notification_id")
    links = chain(None, [(p, event_content(i, v, t, bytes(s))) for p, i, v, t, s in rows])
    tamper(database_url, ("DELETE FROM audit.links WHERE log = 'validator'", ()),
           *[("INSERT INTO audit.links VALUES ('validator', %s, %s, %s)",
              (k.position, k.previous, k.hash)) for k in links])
    found = broken(database_url)
    assert found["position"] == exported[0]["position"]
    assert "checkpoint here does not match" in found["problem"]
    tamper(database_url, ("UPDATE audit.checkpoints SET hash = %s", (links[-1].hash,)))
    assert audit(database_url)[1]()["ok"]  # the database alone cannot tell any more
    assert "exported checkpoint here does not match" in broken(database_url, exported)[
        "problem"]


def test_a_removed_tail_is_found_by_the_exported_checkpoints(database_url):
    record(database_url, first_position=9_995)
    exported = audit(database_url)[1].checkpoints()
    last = exported[0]["position"]
    tamper(database_url, ("DELETE FROM validator_events WHERE notification_id = %s", (last,)),
           ("DELETE FROM audit.links WHERE position = %s AND log = 'validator'", (last,)),
           ("DELETE FROM audit.checkpoints", ()))
    assert audit(database_url)[1]()["ok"]
    found = broken(database_url, exported)
    assert found["position"] == last and "records were removed from the end" in found["problem"]
