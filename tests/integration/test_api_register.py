"""The register's routes on the real PostgreSQL, in-process: an employer's register is read
by the employer, by its mandataries and by auditors; anyone else gets 404."""

from __future__ import annotations

import csv
import io

import pytest

from tests.integration.http_world import AUDITOR, KROON, NOBODY, PARC, SECRETARIAT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def declared(world):
    """A period of Kroon's (declared by Kroon), one declared for Kroon by the secretariat,
    and one of the Parc's, decided and in the register."""
    kroon_in = world.other_in()
    made = {"kroon": world.declare(KROON, kroon_in),
            "by_secretariat": world.declare(SECRETARIAT),
            "parc": world.declare(PARC, world.other_in(197100119)),
            "ssin": kroon_in["worker"]["ssin"]}
    assert {d.result for d in world.settle()} == {"A"}
    return made


READS_KROON = [(KROON, 200), (SECRETARIAT, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401)]


@pytest.mark.parametrize(("headers", "status"), READS_KROON)
@pytest.mark.parametrize("employer", ["175110801", "0403170701"])  # NSSO or enterprise
def test_an_employers_register_is_read_by_the_employer_its_mandataries_and_auditors(
        world, declared, headers, status, employer):
    answer = world.client.get(f"/register/periods?employer={employer}", headers=headers)
    assert answer.status_code == status
    if status == 200:
        found = answer.json()
        assert {p["periodId"] for p in found["items"]} == {declared["kroon"],
                                                           declared["by_secretariat"]}
        assert found["employer"]["enterpriseNumber"] == "0403170701"


def test_the_parcs_register_is_not_kroons(world, declared):
    assert world.client.get("/register/periods?employer=197100119", headers=KROON
                            ).status_code == 404
    parc = world.client.get("/register/periods?employer=197100119", headers=PARC).json()
    assert [p["periodId"] for p in parc["items"]] == [declared["parc"]]


def test_workers_a_page_and_csv(world, declared):
    workers = world.client.get(f"/register/workers?employer=175110801&ssin={declared['ssin']}",
                               headers=KROON).json()
    assert [w["ssin"] for w in workers["items"]] == [declared["ssin"]]
    page = world.client.get("/register/periods?employer=175110801&limit=1&offset=1",
                            headers=KROON).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (2, 1, 1, 1)
    as_csv = world.client.get("/register/periods?employer=175110801&format=csv",
                              headers=KROON)
    assert as_csv.headers["X-Total-Count"] == "2"
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert len(rows) == 3 and declared["ssin"] in {cell for row in rows for cell in row}


def test_a_wrong_search_is_a_problem(world, declared):
    monthly = world.client.get("/register/monthly?employer=175110801", headers=KROON)
    assert monthly.status_code == 400
    assert monthly.json()["detail"] == "the monthly overview needs a month (YYYY-MM)"
    assert world.client.get("/register/monthly?employer=175110801&month=2030-01",
                            headers=KROON).status_code == 200
    assert world.client.get("/register/periods", headers=KROON).status_code == 400


@pytest.mark.parametrize(("headers", "status"), READS_KROON)
def test_a_period_its_declaration_and_quotas_are_scoped_by_employer(world, declared, headers,
                                                                    status):
    period = world.client.get(f"/register/periods/{declared['kroon']}", headers=headers)
    assert period.status_code == status
    if status == 200:
        assert period.json()["period"]["periodId"] == declared["kroon"]
    declaration = world.client.get(f"/register/declarations/{declared['kroon']}",
                                   headers=headers)
    assert declaration.status_code == status
    if status == 200:
        assert declaration.json()["technical"]["declarant"] == "0403170701"
    quotas = world.client.get("/register/quotas/175110801?year=2030", headers=headers)
    assert quotas.status_code == status


def test_unknown_details_are_not_found(world, declared):
    assert world.client.get("/register/periods/680725377630", headers=AUDITOR
                            ).status_code == 404
    assert world.client.get("/register/declarations/680725377630", headers=AUDITOR
                            ).status_code == 404
    assert world.client.get(f"/register/periods/{declared['parc']}", headers=KROON
                            ).status_code == 404
