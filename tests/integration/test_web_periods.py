"""A period's row actions on the web pages (seed 002: modify, close, cancel the period)
from the list of periods to the confirmation of receipt and the register, over a real
database, in-process (tests/integration/http_world.py): each a form posted with its CSRF
token, declared with the "secured web" channel, its errors next to its fields."""

from __future__ import annotations

import re

import pytest

from services.projections.application import catch_up_notifications
from tests.integration.http_world import KROON as KROON_TOKEN
from tests.integration.test_web_session import KROON, csrf_of, signed_in

pytestmark = pytest.mark.integration
EN = {"Accept-Language": "en"}


def action_of(client, period: int, action: str) -> str:
    """The link of a row action in the list of periods (the row's menu)."""
    page = client.get(f"/web/search?presentation=periods&when=full&period={period}").text
    menu = re.search(rf'<details class="row-actions" data-period="{period}">(.*?)</details>',
                     page, re.S).group(1)
    return re.search(rf'data-action="{action}" href="([^"]+)"', menu).group(1)


def declared(world, client, answer) -> int:
    """The declaration a posted form made: through its confirmation, then decided."""
    assert answer.status_code == 303, answer.text
    target = answer.headers["location"]
    assert target.startswith("/web/confirmation?ids=")
    number = int(target.split("=")[1])
    confirmation = client.get(target, headers=EN)
    assert confirmation.status_code == 200 and f'data-id="{number}"' in confirmation.text
    decided = world.settle()
    assert [(d.declaration_id, d.result) for d in decided] == [(number, "A")], decided
    catch_up_notifications(world.register)
    return number


@pytest.fixture()
def period(world) -> int:
    number = world.declare(KROON_TOKEN)  # open, from 2030-01-07
    world.settle()
    return number


def test_close_the_period_from_its_row(world, period):
    client = signed_in(world, KROON, "175110801")
    link = action_of(client, period, "close")
    assert link == f"/web/periods/{period}/close"
    form = client.get(link, headers=EN)
    assert form.status_code == 200 and 'id="close-form"' in form.text
    missing = client.post(link, data={"csrf": csrf_of(form.text), "endDate": ""}, headers=EN)
    assert missing.status_code == 400
    assert 'id="endDate-error"' in missing.text and "This field is required" in missing.text
    assert 'aria-invalid="true"' in missing.text
    answer = client.post(link, data={"csrf": csrf_of(form.text), "endDate": "2030-01-31",
                                     "endHour": "", "refDeclaration": "close-7"},
                         follow_redirects=False)
    out = declared(world, client, answer)
    after = world.readers.register.period(period)
    assert after["period"]["endDate"] == "2030-01-31"
    assert [d["declarationType"] for d in after["declarations"]] == ["DIMONA_IN", "DIMONA_OUT"]
    detail = client.get(f"/web/declarations/{out}", headers=EN).text
    assert 'data-channel="web">Secured web' in detail and "close-7" in detail
    assert re.search(r'<tr data-notification="[^"]+" data-channel="ebox">', detail)
    assert "31/01/2030" in detail.split('id="notifications"')[1]
    assert "Web sécurisé" in client.get(f"/web/declarations/{out}?lang=fr").text
    shown = client.get(f"/web/periods/{period}", headers=EN).text
    assert f'<tr data-declaration="{out}" data-type="DIMONA_OUT" data-result="A">' in shown


def test_modify_the_period_from_its_row(world, period):
    client = signed_in(world, KROON, "175110801")
    link = action_of(client, period, "update")
    form = client.get(link, headers=EN)
    assert 'id="update-form"' in form.text and 'value="2030-01-07"' in form.text
    token = csrf_of(form.text)
    unchanged = client.post(link, data={"csrf": token, "startDate": "2030-01-07"},
                            headers=EN)
    assert unchanged.status_code == 400 and "You changed nothing" in unchanged.text
    wrong = client.post(link, data={"csrf": token, "startDate": "2030-01-08",
                                    "startHour": "25:00"}, headers=EN)
    assert wrong.status_code == 400 and 'id="startHour-error"' in wrong.text
    assert 'value="2030-01-08"' in wrong.text, "what was typed is shown again"
    assert 'id="startHour"' not in form.text, "an OTH period has no hours"
    answer = client.post(link, data={"csrf": token, "startDate": "08/01/2030",
                                     "endDate": "", "refWorker": "w-12", "confirm": "1"},
                         follow_redirects=False)
    number = declared(world, client, answer)
    found = world.readers.queries.result(number)
    assert found["declaration"] == {"dimonaUpdate": {"periodId": period,
                                                     "startDate": "2030-01-08"},
                                    "references": {"worker": "w-12"}}
    assert world.readers.register.period(period)["period"]["startDate"] == "2030-01-08"


def test_modify_an_extras_hours(world):
    extra = world.declare(KROON_TOKEN, {
        "employer": {"employerId": 175110801}, "worker": {"ssin": world.new_ssin()},
        "dimonaIn": {"startDate": "2030-03-04", "startHour": "1000", "endDate": "2030-03-04",
                     "endHour": "1800",
                     "features": {"jointCommissionNumber": "302", "workerType": "EXT"}}})
    world.settle()
    client = signed_in(world, KROON, "175110801")
    form = client.get(f"/web/periods/{extra}/update")
    assert 'id="endHour"' in form.text and 'value="18:00"' in form.text
    answer = client.post(f"/web/periods/{extra}/update", data={
        "csrf": csrf_of(form.text), "startDate": "2030-03-04", "startHour": "10:00",
        "endDate": "2030-03-04", "endHour": "20:30"}, follow_redirects=False)
    number = declared(world, client, answer)
    assert world.readers.queries.result(number)["declaration"] == {
        "dimonaUpdate": {"periodId": extra, "endHour": "2030"}}
    assert world.readers.register.period(extra)["period"]["endHour"] == "2030"


def test_cancel_the_period_after_its_question(world, period):
    client = signed_in(world, KROON, "175110801")
    link = action_of(client, period, "cancel")
    question = client.get(link, headers=EN)
    assert question.status_code == 200 and 'id="cancel-question"' in question.text
    assert world.settle() == [], "asking declares nothing"
    answer = client.post(link, data={"csrf": csrf_of(question.text)}, follow_redirects=False)
    number = declared(world, client, answer)
    assert world.readers.queries.result(number)["declaration"] == {
        "dimonaCancel": {"periodId": period}}
    assert world.readers.register.period(period)["period"]["cancelled"] is True
    listed = client.get(f"/web/search?presentation=periods&when=full&period={period}").text
    assert f'<tr data-period="{period}" data-status="cancelled">' in listed
    assert 'data-action="close"' not in listed, "a cancelled period has nothing to change"
    excluded = client.get("/web/search?presentation=periods&when=full&excludeCancelled=1"
                          f"&period={period}").text
    assert f'data-period="{period}"' not in excluded
    assert client.get(link).status_code == 404
    detail = client.get(f"/web/periods/{period}", headers=EN).text
    assert 'id="period-cancelled">Yes' in detail and 'id="cancel-period"' not in detail
