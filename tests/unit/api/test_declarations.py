"""POST /declarations, POST /multi-dimona and GET /declarations/{id} over fakes: what the
routes hand to intake's use case, and the status codes of who may read what."""

import pytest

from services.api import deps
from services.api.routes.declarations import declaration_status
from services.intake.application import IdempotencyConflict
from services.intake.domain import Forbidden
from tests.unit.api.fakes import AUDITOR, KROON, NOBODY, PARC, app_with, fake_readers
from tests.unit.factories import IN

NUMBER = 680725377630


class FakeDeclare:
    """Declare (services.intake.application) that numbers from NUMBER, or raises."""

    def __init__(self, replayed: bool = False, raises: Exception | None = None):
        self.calls: list[tuple] = []
        self.replayed, self.raises = replayed, raises

    def __call__(self, who, declarations, key, via, body):
        self.calls.append((who, declarations, key, via, body))
        if self.raises is not None:
            raise self.raises
        return [NUMBER + 99 * i for i in range(len(declarations))], self.replayed


@pytest.fixture
def declare():
    return FakeDeclare()


@pytest.fixture
def client(declare):
    app, client = app_with()
    app.dependency_overrides[deps.declare] = lambda: declare
    return client


def test_a_declaration_is_numbered_with_its_location(client, declare):
    answer = client.post("/declarations", json=IN, headers={**KROON, "Idempotency-Key": "k1"})
    assert answer.status_code == 201
    assert answer.json() == {"declarationId": NUMBER}
    assert answer.headers["Location"] == f"/declarations/{NUMBER}"
    assert "Idempotent-Replayed" not in answer.headers
    [(who, [declaration], key, via, body)] = declare.calls
    assert (who.declarant, key, via) == ("0403170701", "k1", "POST /declarations")
    assert declaration.employer.employer_id == 175110801
    assert body == answer.request.content.decode()  # the raw request, for the audit log


def test_without_a_token_it_is_the_non_secured_channel(client, declare):
    assert client.post("/declarations", json=IN).status_code == 201
    assert declare.calls[0][0].channel == "web-unsecured"


def test_a_replayed_answer_says_so():
    app, client = app_with()
    app.dependency_overrides[deps.declare] = lambda: FakeDeclare(replayed=True)
    answer = client.post("/declarations", json=IN, headers={**KROON, "Idempotency-Key": "k"})
    assert (answer.status_code, answer.headers["Idempotent-Replayed"]) == (201, "true")


@pytest.mark.parametrize(("raised", "status"), [
    (Forbidden("no mandate"), 403), (IdempotencyConflict("another request"), 422)])
def test_what_the_use_case_refuses_is_a_problem(raised, status):
    app, client = app_with()
    app.dependency_overrides[deps.declare] = lambda: FakeDeclare(raises=raised)
    answer = client.post("/declarations", json=IN, headers=KROON)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == str(raised)


def test_bad_requests_never_reach_the_use_case(client, declare):
    unknown = client.post("/declarations", json=IN, headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401 and unknown.headers["WWW-Authenticate"] == "Bearer"
    basic = client.post("/declarations", json=IN, headers={"Authorization": "Basic a2V5"})
    assert basic.status_code == 401
    invalid = client.post("/declarations", json={**IN, "colour": "blue"}, headers=KROON)
    assert invalid.status_code == 400
    assert [i["name"] for i in invalid.json()["issues"]] == ["colour"]
    long_key = client.post("/declarations", json=IN,
                           headers={**KROON, "Idempotency-Key": "k" * 256})
    assert long_key.status_code == 400
    assert declare.calls == []


def test_multi_dimona_answers_one_declaration_per_worker_and_day(client, declare):
    multi = {"employer": {"employerId": 175110801},
             "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"},
             "days": [{"date": "2026-07-08", "startHour": "0800", "endHour": "1400"},
                      {"date": "2026-07-09", "startHour": "1400", "endHour": "1800"}],
             "workers": [{"ssin": "85073003328"}, {"ssin": "90050100151"}]}
    answer = client.post("/multi-dimona", json=multi, headers=KROON)
    assert answer.status_code == 201
    made = answer.json()["declarations"]
    assert [(m["worker"]["ssin"], m["startDate"], m["startHour"], m["endHour"])
            for m in made] == [(s, d["date"], d["startHour"], d["endHour"])
                               for s in ("85073003328", "90050100151") for d in multi["days"]]
    assert [m["href"] for m in made] == [f"/declarations/{m['declarationId']}" for m in made]
    assert declare.calls[0][3] == "POST /multi-dimona" and len(declare.calls[0][1]) == 4
    assert client.post("/multi-dimona", json={**multi, "days": []},
                       headers=KROON).status_code == 400


class Queries:
    """Readers.result over one decided declaration of Kroon's, declared by the
    secretariat."""

    def result(self, declaration_id):
        if declaration_id != NUMBER:
            return None
        return {"result": {"declarationId": NUMBER, "declarationType": "DIMONA_IN",
                           "result": "A", "periodId": NUMBER, "anomalies": []},
                "declaration": IN, "line": None, "declarant": "0477472701",
                "employerKey": "175110801"}


@pytest.mark.parametrize(("headers", "status"), [
    (KROON, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401),
    ({"Authorization": "Bearer nope"}, 401)])
def test_a_result_is_read_by_its_employer_declarant_or_an_auditor(headers, status):
    _, client = app_with(fake_readers(result=Queries().result))
    answer = client.get(f"/declarations/{NUMBER}", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert answer.json() == {**IN, "declarationStatus": {
            "declarationId": NUMBER, "result": "A", "anomalies": [],
            "period": {"id": NUMBER}}}


def test_an_undecided_or_impossible_number_is_not_found():
    _, client = app_with(fake_readers(result=Queries().result))
    assert client.get(f"/declarations/{NUMBER + 1}", headers=AUDITOR).status_code == 404
    assert client.get("/declarations/-1", headers=AUDITOR).status_code == 400
    assert client.get(f"/declarations/{2**63}", headers=AUDITOR).status_code == 400


def test_the_status_names_the_period_only_when_there_is_one():
    refused = {"result": "B", "anomalies": [{"code": "00024-003"}]}
    assert declaration_status(1, refused) == {"declarationId": 1, "result": "B",
                                              "anomalies": [{"code": "00024-003"}]}
    assert declaration_status(1, {**refused, "periodId": 7})["period"] == {"id": 7}


def test_the_status_of_a_daily_registration_names_the_registration_and_its_period():
    result = {"result": "A", "anomalies": [], "dailyRegistration": {"id": 5, "periodId": 7},
              "periodId": 7}
    assert declaration_status(5, result) == {"declarationId": 5, "result": "A",
                                             "anomalies": [], "dailyRegistration": {
                                                 "id": 5, "periodId": 7}}
