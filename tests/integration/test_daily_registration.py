"""The daily registration on the real PostgreSQL, in-process (issue 22): the employer's
choice of system over HTTP and who may make it, intake routing a registration to its
employer, the validator deciding on the real event store as of the reception time with a
copy of the directory read before the choice, and redeliveries."""

from __future__ import annotations

import psycopg
import pytest

from schemas.events import DeclarationDecided, DeclarationSubmitted
from services.directory import adapter as directory
from services.directory.cache import DirectoryCache
from services.validator.application import DecideDeclarations
from services.validator.domain import Registration
from services.validator.eventlog import open_event_store
from tests.integration.http_world import AUDITOR, KROON, NOBODY, PARC, SECRETARIAT, World

pytestmark = pytest.mark.integration
SYSTEM = "/employers/{}/daily-registration-system"


def choose(world: World, employer: str, system: str, headers: dict):
    return world.client.put(SYSTEM.format(employer), json={"system": system}, headers=headers)


def rows(world: World, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(world.url) as conn:
        return conn.execute(query, params).fetchall()


def decide(decider: DecideDeclarations, world: World, *numbers: int) -> list[DeclarationDecided]:
    """What the validator does with these submissions, as intake recorded them."""
    events = rows(world, "SELECT event FROM intake.submissions WHERE declaration_id = ANY(%s) "
                         "ORDER BY declaration_id", (list(numbers),))
    return decider([DeclarationSubmitted.model_validate_json(e) for (e,) in events])


def registration(action: str, **fields) -> dict:
    return {"dailyRegistration": {"action": action, **fields}}


def day(start_hour: str, end_hour: str, period_id: int) -> dict:
    return registration("create", periodId=period_id, startDate="2030-01-08",
                        startHour=start_hour, endDate="2030-01-08", endHour=end_hour)


def test_the_employer_or_its_mandatary_chooses_and_the_choice_is_kept_dated(world):
    answer = choose(world, "175110801", "dimona", KROON)
    assert answer.status_code == 200, answer.text
    assert answer.json()["employerId"] == 175110801 and answer.json()["system"] == "dimona"
    assert choose(world, "0403170701", "dimona+cashRegister", SECRETARIAT).status_code == 200
    kept = rows(world, "SELECT employer_key, system, chosen_by FROM "
                       "directory.daily_registration_systems ORDER BY chosen_at")
    assert kept == [("175110801", "dimona", "0403170701"),
                    ("175110801", "dimona+cashRegister", "0477472701")]


@pytest.mark.parametrize(("employer", "system", "headers", "status"), [
    ("175110801", "dimona", PARC, 403),  # no mandate for Kroon
    ("175110801", "dimona", AUDITOR, 403),
    ("175110801", "dimona", NOBODY, 401),
    ("175110802", "dimona", KROON, 404),
    ("175110801", "cashRegister", KROON, 422),
])
def test_who_may_not_choose(world, employer, system, headers, status):
    before = rows(world, "SELECT count(*) FROM directory.daily_registration_systems")
    assert choose(world, employer, system, headers).status_code == status
    assert rows(world, "SELECT count(*) FROM directory.daily_registration_systems") == before


def test_the_choices_are_append_only(world):
    with pytest.raises(psycopg.errors.InsufficientPrivilege), psycopg.connect(world.url) as c:
        c.execute("UPDATE directory.daily_registration_systems SET system = 'dimona'")


def test_a_registration_is_decided_as_of_its_reception_even_with_a_stale_directory(world):
    """The Parc's fixed worker: a registration sent before the Parc chose is refused
    (00913-461) though decided after; one sent right after the choice is accepted by a
    validator whose copy of the directory was read before the choice."""
    cached = DirectoryCache(lambda: directory.directory(world.url), refresh_s=3600)
    decider = DecideDeclarations(open_event_store(world.url, False), cached)
    fixed_in = world.declare(PARC, world.other_in(197100119))
    [opened] = decide(decider, world, fixed_in)  # the copy is read here, before the choice
    assert opened.result == "A"
    early = world.declare(PARC, day("0800", "1200", fixed_in))
    assert choose(world, "197100119", "dimona", PARC).status_code == 200
    late = world.declare(PARC, day("1300", "1700", fixed_in))
    early_d, late_d = decide(decider, world, early, late)
    assert ([a.code for a in early_d.anomalies], early_d.registration_id) == (["00913-461"], None)
    assert (late_d.result, late_d.registration_id, late_d.period_id) == ("A", late, fixed_in)
    # an update names the registration only: intake finds its employer, the mandate is checked
    update = registration("update", registrationId=late, endHour="1730")
    assert world.client.post("/declarations", json=update, headers=KROON).status_code == 403
    changed = world.declare(SECRETARIAT, update)
    assert rows(world, "SELECT employer_key FROM intake.submissions WHERE declaration_id = %s",
                (changed,)) == [("197100119",)]
    [updated] = decide(decider, world, changed)
    assert (updated.result, updated.registration_id) == ("A", late)
    assert updated.registration_after.end_hour == "1730"


def test_a_registration_delivered_twice_gives_one_decision_and_one_registration(world):
    cached = DirectoryCache(lambda: directory.directory(world.url))
    fixed_in = world.declare(KROON, world.other_in())
    decide(DecideDeclarations(open_event_store(world.url, False), cached), world, fixed_in)
    create = world.declare(KROON, day("0800", "1630", fixed_in))
    first = decide(DecideDeclarations(open_event_store(world.url, False), cached), world,
                   create)
    again = decide(DecideDeclarations(open_event_store(world.url, False), cached), world,
                   create)
    assert first[0].result == "A"
    assert [d.model_dump_json() for d in again] == [d.model_dump_json() for d in first]
    events = rows(world, "SELECT count(*) FROM validator_events WHERE originator_id = %s",
                  (Registration.create_id(create),))
    assert events == [(1,)]
    overlapping = world.declare(KROON, day("1600", "2000", fixed_in))
    [refused] = decide(DecideDeclarations(open_event_store(world.url, False), cached), world,
                       overlapping)
    assert [a.code for a in refused.anomalies] == ["90480-334"]


def test_the_operator_records_a_choice_with_the_cli_client(world, tmp_path):
    """dimona directory daily-registration, through StackClient, on the stack's database."""
    import json

    from dimona.client import StackClient, StackError
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "stack.json").write_text(json.dumps({"database_url": world.url}))
    client = StackClient(tmp_path)
    answer = client.choose_daily_registration_system("0876543270", "dimona+cashRegister")
    assert (answer["employerId"], answer["system"]) == (197100119, "dimona+cashRegister")
    assert rows(world, "SELECT system, chosen_by FROM directory.daily_registration_systems "
                       "WHERE employer_key = '197100119' ORDER BY chosen_at DESC LIMIT 1") == [
        ("dimona+cashRegister", "dimona CLI")]
    for employer, system in (("175110802", "dimona"), ("175110801", "cash")):
        with pytest.raises(StackError):
            client.choose_daily_registration_system(employer, system)
    client.pool.close()
