"""PUT /employers/{employerId}/daily-registration-system over fakes: the employer itself or
a declarant holding its mandate today records the choice; without token 401, an auditor or
a declarant without mandate 403, an unknown employer 404, an unknown system 422."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.api.deps import Services
from services.api.routes.employers import systems
from services.directory.domain import DirectoryEmployer, SystemChoice
from services.intake.domain import Forbidden, Principal
from tests.unit.api.fakes import AUDITOR, KROON, NOBODY, PARC, FakeAccess, fake_readers
from tests.unit.api.test_app import SETTINGS

NOW = datetime(2026, 7, 7, 8, 0, tzinfo=UTC)
EMPLOYERS = [DirectoryEmployer(employer_id=175110801, enterprise_number="0403170701",
                               name="Brasserie De Kroon"),
             DirectoryEmployer(enterprise_number="0876543270", name="Hôtel du Parc")]


class Access(FakeAccess):
    ACTS_FOR = {("0403170701", "175110801"), ("0876543270", "0876543270")}

    def check_acts_for(self, principal: Principal, employer: DirectoryEmployer) -> None:
        principal.check_may_write()
        if (principal.declarant, employer.key) not in self.ACTS_FOR:
            raise Forbidden("no mandate")


class Systems:
    """DailyRegistrationSystems over a list."""

    def __init__(self) -> None:
        self.recorded: list[SystemChoice] = []

    def employer(self, number: str) -> DirectoryEmployer | None:
        return next((e for e in EMPLOYERS if number in (
            str(e.employer_id), e.enterprise_number)), None)

    def choose(self, employer, system, chosen_by) -> SystemChoice:
        choice = SystemChoice(employer_key=employer.key, system=system, chosen_at=NOW,
                              chosen_by=chosen_by)
        self.recorded.append(choice)
        return choice


@pytest.fixture
def recorded():
    return Systems()


@pytest.fixture
def client(recorded):
    app = create_app(SETTINGS, Services(None, Access(), fake_readers()))
    app.dependency_overrides[systems] = lambda: recorded
    return TestClient(app)


def put(client, employer, body, headers):
    return client.put(f"/employers/{employer}/daily-registration-system", json=body,
                      headers=headers)


def test_the_employer_chooses_its_system(client, recorded):
    answer = put(client, "175110801", {"system": "dimona"}, KROON)
    assert answer.status_code == 200
    assert answer.json() == {"employerId": 175110801, "system": "dimona",
                             "chosenAt": "2026-07-07T08:00:00+00:00"}
    assert [(c.employer_key, c.system, c.chosen_by) for c in recorded.recorded] == [
        ("175110801", "dimona", "0403170701")]
    answer = put(client, "0403170701", {"system": "dimona+cashRegister"}, KROON)
    assert (answer.status_code, answer.json()["system"]) == (200, "dimona+cashRegister")


def test_an_employer_without_nsso_number_answers_with_its_enterprise_number(client):
    answer = put(client, "0876543270", {"system": "dimona"}, PARC)
    assert (answer.status_code, answer.json()["employerId"]) == (200, "0876543270")


@pytest.mark.parametrize(("employer", "body", "headers", "status"), [
    ("175110801", {"system": "dimona"}, NOBODY, 401),
    ("175110801", {"system": "dimona"}, PARC, 403),
    ("175110801", {"system": "dimona"}, AUDITOR, 403),
    ("999999999", {"system": "dimona"}, KROON, 404),
    ("kroon", {"system": "dimona"}, KROON, 404),
    ("175110801", {"system": "cashRegister"}, KROON, 422),
    ("175110801", {"system": ""}, KROON, 422),
    ("175110801", {}, KROON, 400),
    ("175110801", {"system": "dimona", "other": 1}, KROON, 400),
])
def test_who_may_choose_and_what(client, recorded, employer, body, headers, status):
    answer = put(client, employer, body, headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert recorded.recorded == []
