"""POST /declarations, POST /multi-dimona, GET /declarations/{id} and POST /oauth/token on
the real PostgreSQL, in-process: who may declare for whom (mandates), what is recorded of
each request, and who may read which result."""

from __future__ import annotations

import json

import psycopg
import pytest

from schemas.events import DeclarationSubmitted
from tests.integration.http_world import (
    AUDITOR,
    KROON,
    MAX_BODY_BYTES,
    NOBODY,
    PARC,
    SECRETARIAT,
    World,
)

pytestmark = pytest.mark.integration


def submission(world: World, number: int) -> tuple[str, str | None, dict]:
    with psycopg.connect(world.url) as conn:
        channel, declarant, event = conn.execute(
            "SELECT channel, declarant, event FROM intake.submissions WHERE declaration_id = %s",
            (number,)).fetchone()
    return channel, declarant, json.loads(event)


def test_a_declaration_is_recorded_as_received_and_numbered(world):
    body = world.other_in()
    text = json.dumps(body, indent=1)
    answer = world.client.post("/declarations", content=text,
                               headers={**KROON, "Content-Type": "application/json"})
    assert answer.status_code == 201
    number = answer.json()["declarationId"]
    assert answer.headers["Location"] == f"/declarations/{number}"
    channel, declarant, event = submission(world, number)
    assert (channel, declarant) == ("webservice", "0403170701")
    assert event["origin"]["via"] == "POST /declarations"
    assert event["origin"]["raw"] == text  # byte for byte, for the audit log
    assert event["origin"]["token"].startswith("directory:")


def test_without_a_token_it_is_the_non_secured_channel(world):
    number = world.declare(NOBODY)
    assert submission(world, number)[:2] == ("web-unsecured", None)


@pytest.mark.parametrize(("headers", "employer_id", "status"), [
    (KROON, 175110801, 201), (SECRETARIAT, 175110801, 201),  # itself; a mandate
    (SECRETARIAT, 197100119, 201), (PARC, 197100119, 201),
    (KROON, 197100119, 403), (PARC, 175110801, 403),  # no mandate
    (AUDITOR, 175110801, 403), ({"Authorization": "Bearer nope"}, 175110801, 401),
    ({"Authorization": "Basic a2Vy"}, 175110801, 401)])
def test_a_declarant_declares_for_itself_or_for_its_mandators(world, headers, employer_id,
                                                              status):
    answer = world.client.post("/declarations", json=world.other_in(employer_id),
                               headers=headers)
    assert answer.status_code == status, answer.text
    if status != 201:
        assert answer.headers["content-type"] == "application/problem+json"


def test_bad_bodies_are_problems(world):
    invalid = world.client.post("/declarations", headers=KROON,
                                json={"dimonaCancel": {"periodId": "x"}, "colour": "blue"})
    assert invalid.status_code == 400
    assert {i["name"] for i in invalid.json()["issues"]} == {"dimonaCancel.periodId", "colour"}
    not_json = world.client.post("/declarations", content=b"{not json", headers={
        **KROON, "Content-Type": "application/json"})
    assert not_json.status_code == 400
    assert not_json.json()["issues"] == [{"in": "body", "name": "body",
                                          "detail": "not valid JSON"}]
    too_large = world.client.post("/declarations", headers=KROON, content=b" " * (
        MAX_BODY_BYTES + 1))
    assert too_large.status_code == 413


def test_a_retry_with_the_same_key_gets_the_first_answer(world):
    body, headers = world.other_in(), {**KROON, "Idempotency-Key": "retry-1"}
    first = world.client.post("/declarations", json=body, headers=headers)
    again = world.client.post("/declarations", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    other = world.client.post("/declarations", json=world.other_in(), headers=headers)
    assert other.status_code == 422
    # the key is the principal's: another declarant may use the same one
    parc = world.client.post("/declarations", json=world.other_in(197100119),
                             headers={**PARC, "Idempotency-Key": "retry-1"})
    assert parc.status_code == 201 and parc.json() != first.json()


def test_multi_dimona_records_one_declaration_per_worker_and_day(world):
    workers = [world.new_ssin(), world.new_ssin()]
    days = [{"date": "2030-01-07", "startHour": "0800", "endHour": "1400"},
            {"date": "2030-01-08", "startHour": "1400", "endHour": "1800"}]
    multi = {"employer": {"employerId": 175110801},
             "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"},
             "days": days, "workers": [{"ssin": s} for s in workers]}
    answer = world.client.post("/multi-dimona", json=multi, headers=SECRETARIAT)
    assert answer.status_code == 201
    made = answer.json()["declarations"]
    assert [(m["worker"]["ssin"], m["startDate"]) for m in made] == [
        (s, d["date"]) for s in workers for d in days]
    [(via, raw)] = {(e["origin"]["via"], e["origin"]["raw"]) for e in (
        submission(world, m["declarationId"])[2] for m in made)}
    assert via == "POST /multi-dimona" and json.loads(raw) == multi
    forbidden = world.client.post("/multi-dimona", json={
        **multi, "employer": {"employerId": 175110801}}, headers=PARC)
    assert forbidden.status_code == 403


def test_a_result_is_found_once_decided_and_read_by_whom_may(world):
    own = world.declare(KROON)
    for_kroon = world.declare(SECRETARIAT)
    assert world.client.get(f"/declarations/{own}", headers=KROON).status_code == 404
    world.settle()
    answer = world.client.get(f"/declarations/{own}", headers=KROON)
    assert answer.status_code == 200
    status = answer.json()["declarationStatus"]
    assert (status["declarationId"], status["result"], status["anomalies"],
            status["period"]) == (own, "A", [], {"id": own})
    assert answer.json()["dimonaIn"]["features"]["workerType"] == "OTH"

    def visible(number: int, headers: dict) -> int:
        return world.client.get(f"/declarations/{number}", headers=headers).status_code
    assert [visible(own, h) for h in (AUDITOR, PARC, SECRETARIAT, NOBODY)] == [
        200, 404, 404, 401]  # the secretariat's mandate is not Kroon's own data
    assert [visible(for_kroon, h) for h in (SECRETARIAT, KROON, PARC)] == [200, 200, 404]
    assert visible(680725377630, AUDITOR) == 404
    assert visible(-1, AUDITOR) == 400


def test_a_decision_is_answered_once_recorded_before_the_register_has_it(world):
    """GET /declarations/{id} reads the event store when the register has not applied the
    decision yet: the same answer, as soon as the validator recorded it."""
    numbers = [world.declare(KROON), world.declare(KROON, {**world.other_in(), "dimonaIn": {
        "startDate": "2030-01-07", "features": {"jointCommissionNumber": "XXX",
                                                "workerType": "BAD"}}})]
    with psycopg.connect(world.url) as conn:
        events = [DeclarationSubmitted.model_validate_json(e) for (e,) in conn.execute(
            "SELECT event FROM intake.submissions WHERE declaration_id = ANY(%s) "
            "ORDER BY declaration_id", (numbers,))]
    decided = world.decide(events)  # recorded in the event store, not in the register
    early = [world.client.get(f"/declarations/{n}", headers=KROON) for n in numbers]
    assert [a.status_code for a in early] == [200, 200]
    assert [a.json()["declarationStatus"]["result"] for a in early] == ["A", "B"]
    assert early[1].json()["declarationStatus"]["anomalies"][0]["code"] == "00655-003"
    assert world.client.get(f"/declarations/{numbers[0]}", headers=PARC).status_code == 404
    world.register.apply(decided, None)
    assert [world.client.get(f"/declarations/{n}", headers=KROON).json() for n in numbers
            ] == [a.json() for a in early]


def test_an_oauth_token_declares_as_its_declarant(world):
    issued = world.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "403170701",
        "client_secret": "kroon-secret-token"})
    assert issued.status_code == 200
    assert issued.json()["expires_in"] == 600 and issued.json()["token_type"] == "Bearer"
    token = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    number = world.declare(token)
    channel, declarant, event = submission(world, number)
    assert (channel, declarant) == ("webservice", "0403170701")
    assert event["origin"]["token"].startswith("oauth:")
    assert world.client.post("/declarations", json=world.other_in(197100119),
                             headers=token).status_code == 403
    by_basic = world.client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=("0876543270", "parc-secret-token"))
    assert by_basic.status_code == 200


@pytest.mark.parametrize(("client_id", "secret"), [
    ("0403170701", "wrong"), ("0477472701", "kroon-secret-token"),
    ("Inspectie", "auditor-secret-token")])
def test_an_oauth_client_is_a_declarant_with_its_own_secret(world, client_id, secret):
    answer = world.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    assert (answer.status_code, answer.json()) == (401, {"error": "invalid_client"})
