"""Rebuilding a register that holds daily registrations (issue 22), on the real PostgreSQL:
registrations declared over HTTP and decided by the validator rebuild to the live register;
a tampered registration, registration declaration or notification is found by --verify and
repaired by the swap."""

from __future__ import annotations

import psycopg
import pytest

from services.projections.application import catch_up_notifications
from services.projections.rebuild import Rebuild
from tests.integration.http_world import KROON, World

pytestmark = pytest.mark.integration


@pytest.fixture
def world(infra):
    made = World(infra.new_database())
    yield made
    made.close()


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def create(period: int, day: str, start: str, end_day: str, end: str | None = None) -> dict:
    block = {"action": "create", "periodId": period, "startDate": day, "startHour": start,
             "endDate": end_day}
    return {"dailyRegistration": block | ({"endHour": end} if end else {})}


def test_a_register_with_registrations_rebuilds_to_the_live_one(world):
    assert world.client.put("/employers/175110801/daily-registration-system",
                            json={"system": "dimona"}, headers=KROON).status_code == 200
    period = world.declare(KROON)  # an open OTH period of JC XXX from 7 January 2030
    world.settle()
    night = world.declare(KROON, create(period, "2030-01-08", "1800", "2030-01-09"))
    lunch = world.declare(KROON, create(period, "2030-01-09", "1000", "2030-01-09", "1400"))
    assert [d.result for d in world.settle()] == ["A", "A"]
    closing = world.declare(KROON, {"dailyRegistration": {
        "action": "update", "registrationId": night, "endHour": "0200"}})
    cancelling = world.declare(KROON, {"dailyRegistration": {
        "action": "cancel", "registrationId": lunch}})
    overlapping = world.declare(KROON, create(period, "2030-01-08", "2300", "2030-01-08",
                                              "2330"))
    assert [d.result for d in world.settle()] == ["A", "A", "B"]
    catch_up_notifications(world.register)
    # a refused create is a declaration of its period, and makes no registration
    assert sql(world.url, "SELECT declaration_type, result, registration_id, about_period_id "
               "FROM register.declarations WHERE declaration_id = %s", (overlapping,)) == [
        ("DAILY_REGISTRATION", "B", None, period)]
    assert sql(world.url, "SELECT registration_id, status, end_hour, cancelled, version, "
               "last_declaration_id FROM register.registrations ORDER BY 1") == [
        (night, "active", "0200", False, 2, closing),
        (lunch, "cancelled", "1400", True, 2, cancelling)]
    assert sql(world.url, "SELECT count(*) FROM register.notifications WHERE "
               "registration_id IS NOT NULL") == [(4,)]
    assert Rebuild(world.url).run(verify=True) == (6, [])

    with psycopg.connect(world.url) as conn:
        conn.execute("UPDATE register.registrations SET end_hour = '0300' "
                     "WHERE registration_id = %s", (night,))
        conn.execute("DELETE FROM register.registrations WHERE registration_id = %s",
                     (lunch,))
        conn.execute("UPDATE register.declarations SET registration_id = NULL "
                     "WHERE declaration_id = %s", (closing,))
        conn.execute("UPDATE register.notifications SET registration_after = NULL "
                     "WHERE declaration_id = %s", (closing,))
    _, found = Rebuild(world.url).run(verify=True)
    # a row one side lacks differs in all its columns, the key first
    assert sorted((d.table, str(d.key), d.columns[:1]) for d in found
                  if d.table != "notifications") == sorted([
        ("declarations", str(closing), ("registration_id",)),
        ("registrations", str(lunch), ("registration_id",)),
        ("registrations", str(night), ("end_hour",))])
    [notification] = [d for d in found if d.table == "notifications"]
    assert notification.columns == ("registration_after",)
    assert notification.rebuilt["registration_after"]["endHour"] == "0200"

    assert Rebuild(world.url).run(verify=False) == (6, [])  # swapped in
    assert sql(world.url, "SELECT registration_id, end_hour FROM register.registrations "
               "ORDER BY 1") == [(night, "0200"), (lunch, "1400")]
    assert Rebuild(world.url).run(verify=True) == (6, [])

