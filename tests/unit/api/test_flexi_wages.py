"""The Flexi at work routes over fakes (issue 23): POST /flexi-wages hands a flexiWage to
intake's use case as a Declaration; who reads a ticket, an employer's transfers, a
flexi-jobber's details; only auditors read the income over every employer."""

import pytest

from services.api import deps
from services.intake.domain import Forbidden
from tests.unit.api.fakes import AUDITOR, KROON, NOBODY, PARC, app_with, fake_readers
from tests.unit.api.test_declarations import FakeDeclare
from tests.unit.situations import block, calculation

TICKET = 680725377630
SITUATION = block("create", calculation())
ITEM = {"ticket": TICKET, "status": "A", "action": "create", "receivedAt": "2026-08-03T10:00",
        "ssin": "85073003328", "familyName": "Maes", "givenName": "Zoë",
        "relation": {"uuid": "018e32eb-0d2e-7792-bea7-ef3dc24b404f",
                     "reference": "contract-12"},
        "payslipReference": "ABC123456789", "year": 2026, "startDate": "2026-07-01",
        "endDate": "2026-07-31", "calculationDate": "2026-08-02",
        "capacities": calculation()["features"], "wagesCents": 9400, "premiumsCents": 5000,
        "totalCents": 14400, "cancelled": False, "anomalies": []}


class FakeFlexi:
    """FlexiViews over Kroon's (175110801) one transfer."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def transfers(self, employer, filters, page):
        self.asked.append(("transfers", employer, filters, page))
        return {"employer": {"name": "Kroon"}, "criteria": filters.criteria(), "total": 3,
                "offset": page.offset, "limit": page.limit, "items": [ITEM]}

    def decision(self, ticket):
        if ticket != TICKET:
            return None
        return {"answer": {"ticket": TICKET, "action": "create", "result": "A",
                           "anomalies": [], "situation": {"wagesCents": 9400}},
                "declarant": "0477472701", "employerKey": "175110801"}

    def worker(self, employer, ssin):
        self.asked.append(("worker", employer, ssin))
        return {"worker": {"ssin": ssin}, "flexiAtWork": [ITEM], "dimonaPeriods": []}

    def income(self, ssin, year):
        return {"ssin": ssin, "year": year, "totalCents": 14400, "ceilingCents": 1_800_000}


@pytest.fixture
def flexi():
    return FakeFlexi()


@pytest.fixture
def declare():
    return FakeDeclare()


@pytest.fixture
def client(flexi, declare):
    app, client = app_with(fake_readers(flexi=flexi))
    app.dependency_overrides[deps.declare] = lambda: declare
    return client


def test_a_situation_gets_its_ticket_and_location(client, declare):
    answer = client.post("/flexi-wages", json=SITUATION,
                         headers={**KROON, "Idempotency-Key": "payslip-1"})
    assert answer.status_code == 201
    assert answer.json() == {"ticket": TICKET}
    assert answer.headers["Location"] == f"/flexi-wages/{TICKET}"
    [(who, [declaration], key, via, body)] = declare.calls
    assert (who.declarant, key, via) == ("0403170701", "payslip-1", "POST /flexi-wages")
    assert declaration.declaration_type == "FLEXI_WAGE"
    assert declaration.flexi_wage.situation_key.startswith("175110801:85073003328:")
    assert (declaration.employer, declaration.worker) == (None, None)
    assert body == answer.request.content.decode()  # the raw request, for the audit log


def test_a_replayed_situation_says_so():
    app, client = app_with()
    app.dependency_overrides[deps.declare] = lambda: FakeDeclare(replayed=True)
    answer = client.post("/flexi-wages", json=SITUATION, headers=KROON)
    assert answer.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("body", [
    {**SITUATION, "action": "delete"},
    {key: value for key, value in SITUATION.items() if key != "relation"},
    {**SITUATION, "relation": {"uuid": "not-a-uuid"}},
    {**SITUATION, "calculation": {**calculation(), "features": []}},
    {"flexiWage": SITUATION}])  # the situation itself, not wrapped
def test_a_body_that_is_not_a_situation_is_a_400_problem(client, declare, body):
    answer = client.post("/flexi-wages", json=body, headers=KROON)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["issues"]
    assert declare.calls == []


def test_a_situation_needs_a_declarants_token(client, declare):
    answer = client.post("/flexi-wages", json=SITUATION)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    assert declare.calls == []


def test_no_mandate_or_an_auditor_is_403():
    app, client = app_with()
    app.dependency_overrides[deps.declare] = lambda: FakeDeclare(
        raises=Forbidden("declarant 0876543270 has no mandate for employer 175110801"))
    assert client.post("/flexi-wages", json=SITUATION, headers=PARC).status_code == 403


READS = [(KROON, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401)]


@pytest.mark.parametrize(("headers", "status"), READS)
def test_a_ticket_is_read_by_its_employer_sender_and_auditors(client, headers, status):
    answer = client.get(f"/flexi-wages/{TICKET}", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert answer.json() == {"ticket": TICKET, "action": "create", "result": "A",
                                 "anomalies": [], "situation": {"wagesCents": 9400}}


def test_a_ticket_not_decided_yet_is_404(client):
    assert client.get(f"/flexi-wages/{TICKET + 99}", headers=KROON).status_code == 404


@pytest.mark.parametrize(("headers", "status"), READS)
def test_an_employers_transfers_are_scoped_as_its_register(client, flexi, headers, status):
    answer = client.get("/flexi-wages?employer=175110801&ssin=85073003328&year=2026"
                        "&from=2026-07-01&to=2026-07-31&limit=5&offset=2", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["items"] == [ITEM]
        [(_, employer, filters, page)] = flexi.asked
        assert (employer, filters.ssin, filters.year, str(filters.start_from),
                str(filters.start_to), page.limit, page.offset) == (
            "175110801", "85073003328", 2026, "2026-07-01", "2026-07-31", 5, 2)


def test_the_transfers_as_csv(client):
    answer = client.get("/flexi-wages?employer=175110801&format=csv", headers=KROON)
    assert answer.status_code == 200
    assert answer.headers["X-Total-Count"] == "3"
    header, row = answer.text.splitlines()
    assert header.startswith("status,ticket,action,receivedAt,ssin,familyName")
    assert row.startswith(f"A,{TICKET},create,")
    assert ",-017/050-,9400,5000,14400,False," in row


@pytest.mark.parametrize("query", ["from=2026-07-01", "from=2026-08-01&to=2026-07-01",
                                   "year=12", "ssin=abc"])
def test_a_wrong_query_is_400(client, query):
    answer = client.get(f"/flexi-wages?employer=175110801&{query}", headers=KROON)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("headers", "status"), READS)
def test_a_flexi_jobbers_details_are_scoped_as_the_register(client, flexi, headers, status):
    answer = client.get("/flexi-wages/workers/85073003328?employer=175110801", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["flexiAtWork"] == [ITEM]
        assert flexi.asked == [("worker", "175110801", "85073003328")]


@pytest.mark.parametrize(("headers", "status"), [(AUDITOR, 200), (KROON, 403), (PARC, 403),
                                                 (NOBODY, 401)])
def test_the_income_over_every_employer_is_for_auditors(client, headers, status):
    answer = client.get("/flexi-income?ssin=85073003328&year=2026", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["ceilingCents"] == 1_800_000


def test_the_income_needs_a_worker_and_a_year(client):
    assert client.get("/flexi-income?ssin=85073003328", headers=AUDITOR).status_code == 400
    assert client.get("/flexi-income?year=2026", headers=AUDITOR).status_code == 400
