"""Rebuilding the register from the event store (issue 5 point 4) on the real PostgreSQL:
a mixed history rebuilds to the live register; a tampered live row is found by --verify
and repaired by the swap; the live writer goes on writing into the swapped-in tables."""

from __future__ import annotations

import psycopg
import pytest

from schemas.events import stable_id
from services.common.db import open_pool
from services.common.tracking import catch_up
from services.directory.cache import Snapshot
from services.directory.domain import EmployerIndex
from services.notifier.application import NotifyDecisions
from services.notifier.outbox import Outbox
from services.projections.application import UpdateRegister, catch_up_notifications
from services.projections.rebuild import REBUILD_LOCK, Rebuild, RebuildRunning
from services.validator.eventlog import EventLog
from tests.integration.test_exactly_once import OPEN_IN, PERIOD, decider
from tests.unit.factories import IN, KROON, submitted

pytestmark = pytest.mark.integration
SECOND = 680725377927


def history() -> list:
    """IN, UPDATE, OUT, a refused IN, a second period cancelled, a student's period (a
    quota row): every kind of change, in every table of the register."""
    return [submitted(OPEN_IN, number=PERIOD),
            submitted({"dimonaUpdate": {"periodId": PERIOD, "startDate": "2026-07-09"}},
                      number=680725378026),
            submitted({"dimonaOut": {"periodId": PERIOD, "endDate": "2026-07-20"}},
                      number=680725378125),
            submitted({**IN, "worker": {"ssin": "72011136173"}}, number=680725378224),
            submitted({**IN, "worker": {"ssin": "73011136173"}}, number=SECOND),
            submitted({"dimonaCancel": {"periodId": SECOND}}, number=680725378323),
            submitted({**IN, "worker": {"ssin": "74011136194"}, "dimonaIn": {
                "startDate": "2026-07-08", "endDate": "2026-07-31", "plannedHoursNumber": 40,
                "features": {"jointCommissionNumber": "XXX", "workerType": "STU"}}},
                number=680725378521)]


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_rebuild_equals_live_finds_tampering_and_repairs_it(database_url):
    decided = decider(database_url)(history())
    assert [d.result for d in decided] == ["A", "A", "A", "B", "A", "A", "A"]
    live = UpdateRegister(open_pool(database_url))
    catch_up(EventLog(database_url).decisions_after, 0, live.apply)
    notify = NotifyDecisions(Outbox(live.pool), lambda: Snapshot(EmployerIndex([KROON])))
    notify(decided, None)
    assert catch_up_notifications(live) == 7
    seen: list[int] = []

    count, found = Rebuild(database_url, lambda n, s: seen.append(n), span=3).run(verify=True)
    assert (count, found) == (7, [])
    assert len(seen) > 2 and seen == sorted(seen) and seen[-1] == 7  # progress, span by span

    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE register.periods SET end_hour = '2359' WHERE period_id = %s",
                     (PERIOD,))
        conn.execute("DELETE FROM register.declarations WHERE declaration_id = %s",
                     (SECOND,))
        conn.execute("UPDATE register.workers SET worker_types = '{STG}' WHERE ssin = %s",
                     ("85073003328",))
        conn.execute("DELETE FROM register.quota_usage")
        conn.execute("DELETE FROM register.notifications WHERE declaration_id = %s",
                     (SECOND,))
    _, found = Rebuild(database_url).run(verify=True)
    lost = stable_id("notification", decided[4].event_id, "ebox", "0403170701")
    assert sorted((d.table, str(d.key), d.columns[:1]) for d in found) == [
        ("declarations", str(SECOND), ("declaration_id",)),
        ("notifications", str(lost), ("notification_id",)),
        ("periods", str(PERIOD), ("end_hour",)),
        ("quota_usage", "680725378521/STUDENT", ("period_id",)),
        ("workers", "175110801/85073003328", ("worker_types",))]
    [tampered] = [d for d in found if d.table == "periods"]
    assert (tampered.live["end_hour"], tampered.rebuilt["end_hour"]) == ("2359", None)

    assert Rebuild(database_url).run(verify=False) == (7, [])  # swapped in
    assert sql(database_url, "SELECT end_hour, cancelled FROM register.periods ORDER BY "
               "period_id") == [(None, False), ("1400", True), (None, False)]
    assert sql(database_url, "SELECT worker_types FROM register.workers WHERE ssin = %s",
               ("85073003328",)) == [(["OTH"],)]
    assert sql(database_url, "SELECT count(*) FROM register.notifications") == [(7,)]
    assert Rebuild(database_url).run(verify=True) == (7, [])
    assert sql(database_url, "SELECT count(*) FROM information_schema.schemata WHERE "
               "schema_name LIKE 'register_%%'") == [(0,)]

    # The live writer keeps its pool and goes on, now into the swapped-in tables; what it
    # applied before is known there, so a redelivery changes nothing.
    live.apply(decided, None)
    later = decider(database_url)([submitted({**IN, "worker": {"ssin": "71011136174"}},
                                             number=680725378422)])
    live.apply(later, None)
    assert sql(database_url, "SELECT count(*) FROM register.declarations") == [(8,)]
    assert Rebuild(database_url).run(verify=True) == (8, [])


def test_one_rebuild_at_a_time(database_url):
    with psycopg.connect(database_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (REBUILD_LOCK,))
        with pytest.raises(RebuildRunning):
            Rebuild(database_url).run(verify=True)
    assert Rebuild(database_url).run(verify=True) == (0, [])
