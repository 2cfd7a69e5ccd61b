"""What only some INs give, on the web pages: a construction worker's C3.2A control cards,
an intern's small statutes, a public employer's sub-entity. The add-employee wizard asks
for them when the committee, the type or the employer takes them, checks them next to
their fields, declares them in their REST blocks (a block none of whose fields is filled
is left out), and the period's detail shows them. Over a real database, in-process
(tests/integration/http_world.py), with a public employer that uses sub-entities added to
the example directory."""

from __future__ import annotations

import re

import psycopg
import pytest

from services.api.web.declare import Refused
from services.api.web.routes.employees import refused_fields
from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument
from tests.integration.http_world import KROON as KROON_TOKEN
from tests.integration.http_world import World
from tests.integration.test_web_employees import (
    EN,
    read_form,
    result_of,
    submit,
    wizard_to_period,
)
from tests.integration.test_web_session import KROON, signed_in

pytestmark = pytest.mark.integration
PUBLIC = {"clientId": "0207123407", "secret": "public-secret-token"}
SUB_ENTITIES = ["0207123501", "0207123602"]


@pytest.fixture(scope="module")
def world(infra):
    """The HTTP world, its directory with a public employer (its own declarant) that uses
    two sub-entities."""
    made = World(infra.new_database())
    directory.load(made.url, DirectoryDocument.model_validate({
        "employers": [{"employerId": 123456749, "enterpriseNumber": "0207123407",
                       "name": "Gemeente Voorbeeld", "language": "nl", "sector": "public",
                       "subEntities": SUB_ENTITIES}],
        "declarants": [{"enterpriseNumber": "0207123407", "name": "Gemeente Voorbeeld",
                        "token": "public-secret-token", "batchSender": False}]}))
    yield made
    made.close()


def declared_in(world, client, overview) -> tuple[int, dict, str]:
    """Confirm the overview: the declaration's number, the IN it declared, its result."""
    done = submit(client, overview.text, "add-overview", go="confirm")
    assert done.status_code == 303, done.text
    number = int(re.fullmatch(r"/web/confirmation\?ids=([0-9]+)",
                              done.headers["location"]).group(1))
    result = result_of(world.settle(), number)
    with psycopg.connect(world.url) as conn:
        (declaration,) = conn.execute(
            "SELECT declaration FROM register.declarations WHERE declaration_id = %s",
            (number,)).fetchone()
    return number, declaration["dimonaIn"], result


def shown(html: str, element: str) -> str:
    """The text of the element of this id (no markup inside)."""
    found = re.search(rf'id="{element}"[^>]*>([^<]*)<', html)
    assert found, f"no #{element} in the page"
    return found.group(1).strip()


def test_a_construction_worker_gives_the_control_cards_of_two_months(world):
    client = signed_in(world, KROON, "175110801")
    period = wizard_to_period(client, {"known": "ssin", "ssin": world.new_ssin()}, "124",
                              "BCW")
    assert 'name="firstCard"' in period.text and 'name="nextCard"' in period.text
    assert 'name="employmentNature"' not in period.text
    assert 'name="subEntity"' not in period.text, "Kroon uses no sub-entities"
    assert "Needed for joint committee 124 (construction)" in shown(period.text, "cards-hint")
    missing = submit(client, period.text, "add-period", startDate="2030-06-03")
    assert missing.status_code == 422
    assert shown(missing.text, "firstCard-error") == "This field is required."
    assert shown(missing.text, "nextCard-error") == "This field is required."
    wrong = submit(client, period.text, "add-period", startDate="2030-06-03",
                   firstCard="12400000001", nextCard="0000 0000 0000")
    assert shown(wrong.text, "firstCard-error") == shown(wrong.text, "nextCard-error") == (
        "A C3.2A control card has 12 digits, not all zero.")
    assert read_form(wrong.text, "add-period").fields["firstCard"] == "12400000001"
    same = submit(client, period.text, "add-period", startDate="2030-06-03",
                  firstCard="124000000017", nextCard="1240.0000.0017")
    assert 'id="firstCard-error"' not in same.text
    assert shown(same.text, "nextCard-error").startswith("Each month has its own card")

    overview = submit(client, period.text, "add-period", startDate="2030-06-03",
                      firstCard="1240 0000 0017", nextCard="124-000-000-025")
    assert overview.status_code == 200 and 'id="add-overview"' in overview.text
    assert (shown(overview.text, "firstCard"), shown(overview.text, "nextCard")) == (
        "124000000017", "124000000025")
    number, din, result = declared_in(world, client, overview)
    assert din == {"startDate": "2030-06-03",
                   "features": {"jointCommissionNumber": "124", "workerType": "BCW"},
                   "constructionControlCards": {"firstMonthC32ANumber": "124000000017",
                                                "nextMonthC32ANumber": "124000000025"}}
    assert result == "A"
    page = client.get(f"/web/periods/{number}", headers=EN).text
    assert (shown(page, "period-first-card"), shown(page, "period-next-card")) == (
        "124000000017", "124000000025")
    assert "C3.2A control card of the start month" in page
    assert 'id="period-sub-entity"' not in page and 'id="period-worker-status"' not in page
    detail = world.client.get(f"/register/periods/{number}", headers=KROON_TOKEN).json()
    assert {k: detail["period"][k] for k in (
        "subEntityNumber", "constructionControlCards", "smallStatutesInformation")} == {
        "subEntityNumber": None, "smallStatutesInformation": None,
        "constructionControlCards": {"firstMonthC32ANumber": "124000000017",
                                     "nextMonthC32ANumber": "124000000025"}}


def test_an_intern_gives_the_small_statutes_and_no_cards(world):
    client = signed_in(world, KROON, "175110801")
    period = wizard_to_period(client, {"known": "ssin", "ssin": world.new_ssin()}, "XXX",
                              "STG")
    fields = read_form(period.text, "add-period")
    assert fields.options["employmentNature"] == ["", "EMPLOYEE", "WORKER"]
    assert fields.options["workerStatus"] == ["", "F1", "F2"]
    assert 'name="firstCard"' not in period.text
    assert "IVT, TRI and STG" in shown(period.text, "statutes-hint")
    dates = {"startDate": "2030-06-03", "endDate": "2030-06-28"}
    wrong = submit(client, period.text, "add-period", **dates, employmentNature="BOSS",
                   activityWithRisk="1234", workerStatus="F3")
    assert wrong.status_code == 422
    assert shown(wrong.text, "employmentNature-error") == "Make a choice from the list."
    assert shown(wrong.text, "workerStatus-error") == "Make a choice from the list."
    assert shown(wrong.text, "activityWithRisk-error") == "A risk class has 1 to 3 digits."
    # cards posted by hand for a type that takes none are not declared
    overview = submit(client, period.text, "add-period", **dates, employmentNature="WORKER",
                      activityWithRisk="11", workerStatus="F1", firstCard="124000000017")
    assert overview.status_code == 200, overview.text
    assert "firstCard" not in read_form(overview.text, "add-overview").fields
    assert (shown(overview.text, "employmentNature"), shown(overview.text, "workerStatus")
            ) == ("Blue-collar (WORKER)", "F1")
    number, din, result = declared_in(world, client, overview)
    assert din == {"startDate": "2030-06-03", "endDate": "2030-06-28",
                   "features": {"jointCommissionNumber": "XXX", "workerType": "STG"},
                   "smallStatutesInformation": {"employmentNature": "WORKER",
                                                "activityWithRisk": 11,
                                                "workerStatus": "F1"}}
    assert result == "A"
    page = client.get(f"/web/periods/{number}", headers=EN).text
    assert [shown(page, f"period-{name}") for name in (
        "employment-nature", "activity-with-risk", "worker-status")] == [
        "Blue-collar (WORKER)", "011", "F1"]
    assert 'id="period-first-card"' not in page


def test_an_intern_s_statutes_left_empty_are_no_block(world):
    client = signed_in(world, KROON, "175110801")
    period = wizard_to_period(client, {"known": "ssin", "ssin": world.new_ssin()}, "XXX",
                              "TRI")
    overview = submit(client, period.text, "add-period", startDate="2030-06-03",
                      endDate="2030-06-28", activityWithRisk="0")
    _, din, _ = declared_in(world, client, overview)
    assert din["smallStatutesInformation"] == {"activityWithRisk": 0}  # 0 is a risk class
    empty = submit(client, period.text, "add-period", startDate="2030-06-04",
                   endDate="2030-06-28")
    _, din, _ = declared_in(world, client, empty)
    assert "smallStatutesInformation" not in din


def test_a_public_employer_names_one_of_its_sub_entities(world):
    client = signed_in(world, PUBLIC, "123456749")
    period = wizard_to_period(client, {"known": "ssin", "ssin": world.new_ssin()}, "XXX",
                              "OTH")
    assert 'name="subEntity"' in period.text
    assert shown(period.text, "subEntity-hint").endswith(
        "Your sub-entities: 0207123501, 0207123602.")
    assert re.search(r'<input id="subEntity"[^>]*aria-required="true"', period.text)
    wrong = submit(client, period.text, "add-period", startDate="2030-06-03",
                   subEntity="02071235")
    assert shown(wrong.text, "subEntity-error") == "A sub-entity has 10 digits."
    overview = submit(client, period.text, "add-period", startDate="2030-06-03",
                      subEntity="0207.123.602")
    assert shown(overview.text, "subEntity") == "0207123602"
    number, din, result = declared_in(world, client, overview)
    assert din["features"] == {"jointCommissionNumber": "XXX", "workerType": "OTH",
                               "subEntityNumber": "0207123602"}
    assert "constructionControlCards" not in din and "smallStatutesInformation" not in din
    assert result == "A"
    page = client.get(f"/web/periods/{number}", headers=EN).text
    assert shown(page, "period-sub-entity") == "0207123602"


def test_the_non_secured_form_asks_for_all_three_with_their_hints(world):
    world.client.cookies.clear()
    page = world.client.get("/web/declare", headers=EN).text
    for name in ("subEntity", "firstCard", "nextCard", "employmentNature",
                 "activityWithRisk", "workerStatus"):
        assert f'name="{name}"' in page, name
    assert "Only for a public employer that uses sub-entities" in page
    assert "Needed for joint committee 124 (construction)" in page
    assert "For the types IVT, TRI and STG" in page
    sent = submit(world.client, page, "declare-form", go=None, employer="175110801",
                  known="ssin", ssin=world.new_ssin(), features="124/BCW",
                  startDate="2030-06-10", firstCard="124000000033",
                  nextCard="124000000041", employmentNature="WORKER")
    assert sent.status_code == 303, sent.text
    number = int(sent.headers["location"].split("/")[-1].split("?")[0])
    world.settle()
    with psycopg.connect(world.url) as conn:
        (declaration,) = conn.execute(
            "SELECT declaration FROM register.declarations WHERE declaration_id = %s",
            (number,)).fetchone()
    assert declaration["dimonaIn"] == {
        "startDate": "2030-06-10",
        "features": {"jointCommissionNumber": "124", "workerType": "BCW"},
        "constructionControlCards": {"firstMonthC32ANumber": "124000000033",
                                     "nextMonthC32ANumber": "124000000041"}}


def test_the_model_s_refusals_of_these_blocks_are_shown_by_field():
    errors, message = refused_fields(Refused({
        "dimonaIn.features.subEntityNumber": "too long",
        "dimonaIn.constructionControlCards.nextMonthC32ANumber": "not a string",
        "dimonaIn.smallStatutesInformation.activityWithRisk": "at most 999",
        "dimonaIn.smallStatutesInformation.workerStatus": "not a string"}))
    assert (errors, message) == ({"subEntity": "too long", "nextCard": "not a string",
                                  "activityWithRisk": "at most 999",
                                  "workerStatus": "not a string"}, None)
