"""Daily registrations on the web pages (issue 25; docs/interface.md §8) over a real
database, in-process: a registration created for a fixed worker's period of an employer on
the Dimona system, changed and cancelled, each confirmed then decided; the validator's
refusal of an employer without the system shown in plain words; errors next to their
fields; another employer's period, an auditor and a forged form refused."""

from __future__ import annotations

import re

import pytest

from services.projections.application import RegistrationFilters
from tests.integration.http_world import KROON as KROON_TOKEN
from tests.integration.http_world import PARC as PARC_TOKEN
from tests.integration.test_web_multi import AUDITOR, EN, error_of, post
from tests.integration.test_web_session import KROON, SECRETARIAT, csrf_of, signed_in

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def periods(world):
    """A fixed worker's period (OTH, from 2030-01-07) at Kroon, which chose the Dimona
    system, and one at the Parc, which chose none."""
    answer = world.client.put("/employers/175110801/daily-registration-system",
                              json={"system": "dimona"}, headers=KROON_TOKEN)
    assert answer.status_code == 200, answer.text
    kroon = world.declare(KROON_TOKEN, world.other_in())
    parc = world.declare(PARC_TOKEN, world.other_in(197100119))
    assert {d.result for d in world.settle()} == {"A"}
    return {"kroon": kroon, "parc": parc}


def registrations_of(world, period: int) -> list[dict]:
    return world.readers.register.registrations(
        "175110801", RegistrationFilters(period_id=period))["items"]


def confirmed(client, answer) -> tuple[str, int]:
    assert answer.status_code == 303, answer.text
    target = answer.headers["location"]
    assert target.startswith("/web/registrations/confirmation?ids=")
    return target, int(target.split("=", 1)[1])


def test_a_registration_created_changed_and_cancelled(world, periods):
    client = signed_in(world, KROON, "175110801")
    period = periods["kroon"]
    page = client.get(f"/web/registrations/new?period={period}", headers=EN)
    assert page.status_code == 200 and 'id="registration-form"' in page.text
    answer = post(client, f"/web/registrations/new?period={period}", page,
                  "registration-form", {"startDate": "2030-01-08", "startHour": "18:00",
                                        "endHour": "02:00"})
    target, number = confirmed(client, answer)
    shown = client.get(target, headers=EN)
    assert shown.status_code == 200 and "Being processed" in shown.text
    [decided] = world.settle()
    assert (decided.declaration_id, decided.result) == (number, "A"), decided.anomalies
    shown = client.get(target, headers=EN).text
    assert "Accepted" in shown and f'href="/web/periods/{period}"' in shown
    [row] = registrations_of(world, period)
    assert (row["registrationId"], row["startDate"], row["startHour"], row["endDate"],
            row["endHour"]) == (number, "2030-01-08", "1800", "2030-01-09", "0200"), \
        "a night ends the next day"
    listed = client.get(f"/web/registrations?period={period}", headers=EN).text
    assert f'data-registration="{number}"' in listed and f'id="edit-{number}"' in listed

    page = client.get(f"/web/registrations/{number}/edit", headers=EN)
    assert page.status_code == 200 and 'value="18:00"' in page.text
    unchanged = post(client, f"/web/registrations/{number}/edit", page, "registration-form",
                     {})
    assert unchanged.status_code == 422 and "You changed nothing" in unchanged.text
    answer = post(client, f"/web/registrations/{number}/edit", page, "registration-form",
                  {"endHour": "03:30"})
    target, update = confirmed(client, answer)
    [decided] = world.settle()
    assert (decided.declaration_id, decided.result) == (update, "A"), decided.anomalies
    assert registrations_of(world, period)[0]["endHour"] == "0330"
    assert str(number) in client.get(target, headers=EN).text

    page = client.get(f"/web/registrations/{number}/cancel", headers=EN)
    assert page.status_code == 200
    answer = post(client, f"/web/registrations/{number}/cancel", page,
                  "registration-cancel-form", {})
    _, cancel = confirmed(client, answer)
    [decided] = world.settle()
    assert (decided.declaration_id, decided.result) == (cancel, "A"), decided.anomalies
    assert registrations_of(world, period)[0]["cancelled"] is True
    assert client.get(f"/web/registrations/{number}/edit").status_code == 404
    listed = client.get(f"/web/registrations?period={period}", headers=EN).text
    assert f'id="edit-{number}"' not in listed and "Cancelled" in listed


def test_an_employer_without_the_system_gets_the_anomaly_in_plain_words(world, periods):
    client = signed_in(world, SECRETARIAT, "197100119")
    period = periods["parc"]
    page = client.get(f"/web/registrations/new?period={period}", headers=EN)
    answer = post(client, f"/web/registrations/new?period={period}", page,
                  "registration-form", {"startDate": "2030-01-08", "startHour": "08:00",
                                        "endHour": "12:00"})
    target, number = confirmed(client, answer)
    [decided] = world.settle()
    assert (decided.declaration_id, decided.result) == (number, "B")
    shown = client.get(target, headers=EN).text
    assert "Refused" in shown and "00913-461" in shown
    assert "has not opted for the Dimona system" in shown
    french = client.get(target, headers={"Accept-Language": "fr"}).text
    assert "pas opté pour le système Dimona" in french


def test_errors_are_shown_next_to_their_fields(world, periods):
    client = signed_in(world, KROON, "175110801")
    url = f"/web/registrations/new?period={periods['kroon']}"
    page = client.get(url, headers=EN)
    refused = post(client, url, page, "registration-form",
                   {"startDate": "2030-13-01", "startHour": "", "endHour": "26:00"})
    assert refused.status_code == 422
    assert "dd/mm/yyyy" in error_of(refused.text, "startDate")
    assert "fill in" in error_of(refused.text, "startHour")
    assert "hh:mm" in error_of(refused.text, "endHour")
    refused = post(client, url, page, "registration-form",
                   {"startDate": "2030-01-10", "startHour": "08:00",
                    "endDate": "2030-01-09"})
    assert "before the start" in error_of(refused.text, "endDate")
    assert world.settle() == [], "nothing recorded"


def test_another_employers_period_is_not_there(world, periods):
    client = signed_in(world, KROON, "175110801")
    assert client.get(f"/web/registrations/new?period={periods['parc']}").status_code == 404
    page = client.get(f"/web/registrations/new?period={periods['kroon']}")
    answer = client.post(f"/web/registrations/new?period={periods['parc']}", data={
        "csrf": csrf_of(page.text), "startDate": "2030-01-08", "startHour": "08:00"})
    assert answer.status_code == 404
    assert world.settle() == []


def test_an_auditor_reads_and_cannot_write(world, periods):
    client = signed_in(world, AUDITOR, "175110801")
    listed = client.get("/web/registrations", headers=EN)
    assert listed.status_code == 200 and 'id="registrations"' in listed.text
    assert "/edit" not in listed.text and "/cancel" not in listed.text
    assert client.get(f"/web/registrations/new?period={periods['kroon']}").status_code == 404
    answer = client.post(f"/web/registrations/new?period={periods['kroon']}", data={
        "csrf": csrf_of(listed.text), "startDate": "2030-01-08", "startHour": "08:00"})
    assert answer.status_code == 404
    assert world.settle() == []


def test_a_forged_form_is_refused(world, periods):
    client = signed_in(world, KROON, "175110801")
    fields = {"startDate": "2030-01-08", "startHour": "08:00"}
    url = f"/web/registrations/new?period={periods['kroon']}"
    assert client.post(url, data=fields).status_code == 403
    assert client.post(url, data={**fields, "csrf": "forged"}).status_code == 403
    assert world.settle() == []
    assert re.search(r"traceback", client.post(url, data=fields).text, re.I) is None


def test_tampered_addresses_get_a_page_never_a_server_error(world, periods):
    client = signed_in(world, KROON, "175110801")
    assert client.get("/web/registrations?offset=abc&period=²").status_code == 200
    for url in ("/web/registrations/" + "9" * 25 + "/edit", "/web/registrations/abc/edit",
                "/web/registrations/new?period=" + "9" * 25, "/web/registrations/new"):
        assert client.get(url).status_code == 404, url
