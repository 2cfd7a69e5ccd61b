"""Daily registrations over HTTP on the real PostgreSQL, in-process (issue 22): an
employer's registrations and the presence of a quarter are read by the employer, its
mandataries and auditors, nobody else; CSV and pages; the period detail lists them; a
registration's result names the registration and its period; its confirmation reaches the
e-Box. The registration decisions are built by hand (tests/unit/registrations.py) on a
period the validator accepted."""

from __future__ import annotations

import csv
import io

import pytest

from services.projections.application import catch_up_notifications
from tests.integration.http_world import AUDITOR, KROON, NOBODY, PARC, SECRETARIAT
from tests.unit.registrations import cancel, create, state, update

pytestmark = pytest.mark.integration
READS_KROON = [(KROON, 200), (SECRETARIAT, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401)]


@pytest.fixture(scope="module")
def declared(world):
    """A fixed worker's period at Kroon and one at the Parc, accepted; on Kroon's, a night
    shift created open then closed, a lunch created and cancelled, an open evening; on the
    Parc's, one shift. Entered in the register and notified."""
    kroon_in, parc_in = world.other_in(), world.other_in(197100119)
    period, parc = world.declare(KROON, kroon_in), world.declare(PARC, parc_in)
    assert {d.result for d in world.settle()} == {"A"}
    ssin = kroon_in["worker"]["ssin"]
    night = state("2030-01-08", "2200", number=period + 1000, period=period, ssin=ssin)
    lunch = state("2030-01-09", "1100", "2030-01-09", "1500", number=period + 2000,
                  period=period, ssin=ssin)
    evening = state("2030-02-01", "1800", number=period + 3000, period=period, ssin=ssin)
    at_parc = state("2030-01-08", "0800", "2030-01-08", "1200", number=parc + 1000,
                    period=parc, ssin=parc_in["worker"]["ssin"], employer_key="197100119")
    closing = update(period + 4000, night, end="2030-01-09", end_hour="0630")
    decisions = [create(night), create(lunch), create(evening), closing,
                 cancel(period + 5000, lunch), create(at_parc, declarant="0876543270")]
    world.register.apply(decisions, None)
    world.notify(decisions, None)
    catch_up_notifications(world.register)
    return {"period": period, "parc": parc, "ssin": ssin, "night": night.registration_id,
            "lunch": lunch.registration_id, "evening": evening.registration_id,
            "closing": closing.declaration_id, "at_parc": at_parc.registration_id}


@pytest.mark.parametrize(("headers", "status"), READS_KROON)
@pytest.mark.parametrize("employer", ["175110801", "0403170701"])
def test_an_employers_registrations_are_read_by_the_employer_its_mandataries_and_auditors(
        world, declared, headers, status, employer):
    answer = world.client.get(f"/register/registrations?employer={employer}", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert [(r["registrationId"], r["status"], r["hours"])
                for r in answer.json()["items"]] == [
            (declared["night"], "active", 8.5), (declared["lunch"], "cancelled", 4.0),
            (declared["evening"], "open", None)]
    presence = world.client.get(f"/register/presence?employer={employer}&quarter=2030Q1",
                                headers=headers)
    assert presence.status_code == status
    if status == 200:
        [worker] = presence.json()["workers"]
        assert (worker["ssin"], worker["periodIds"], worker["totalDays"],
                worker["totalHours"]) == (declared["ssin"], [declared["period"]], 2, 8.5)
        assert [(d["date"], d["hours"], d["open"]) for d in worker["days"]] == [
            ("2030-01-08", 8.5, False), ("2030-02-01", 0.0, True)]


def test_the_parcs_registrations_are_not_kroons(world, declared):
    assert world.client.get("/register/registrations?employer=197100119", headers=KROON
                            ).status_code == 404
    assert world.client.get("/register/presence?employer=197100119&quarter=2030Q1",
                            headers=KROON).status_code == 404
    parc = world.client.get("/register/registrations?employer=197100119", headers=PARC)
    assert [r["registrationId"] for r in parc.json()["items"]] == [declared["at_parc"]]


def test_filters_a_page_and_csv(world, declared):
    base = "/register/registrations?employer=175110801"
    page = world.client.get(f"{base}&limit=1&offset=1", headers=KROON).json()
    assert (page["total"], page["limit"], page["offset"],
            [r["registrationId"] for r in page["items"]]) == (3, 1, 1, [declared["lunch"]])
    january = world.client.get(f"{base}&from=2030-01-01&to=2030-01-31&period="
                               f"{declared['period']}", headers=KROON).json()
    assert january["total"] == 2 and january["criteria"]["startTo"] == "2030-01-31"
    as_csv = world.client.get(f"{base}&format=csv", headers=SECRETARIAT)
    assert as_csv.headers["X-Total-Count"] == "3"
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0][:3] == ["status", "registrationId", "receivedAt"]
    assert [r[1] for r in rows[1:]] == [str(declared[k]) for k in ("night", "lunch",
                                                                    "evening")]
    presence = world.client.get("/register/presence?employer=175110801&quarter=2030Q1"
                                "&format=csv", headers=AUDITOR)
    assert presence.text.splitlines()[1:] == [
        f"{declared['ssin']},,,-{declared['period']}-,2030-01-08,8.5,1,False",
        f"{declared['ssin']},,,-{declared['period']}-,2030-02-01,0.0,1,True"]
    assert world.client.get(f"{base}&from=2030-01-01", headers=KROON).status_code == 400
    assert world.client.get("/register/presence?employer=175110801&quarter=2030Q9",
                            headers=KROON).status_code == 400


def test_the_period_detail_lists_its_registrations_and_their_notifications(world, declared):
    detail = world.client.get(f"/register/periods/{declared['period']}", headers=KROON).json()
    assert [r["registrationId"] for r in detail["registrations"]] == [
        declared["night"], declared["lunch"], declared["evening"]]
    closing = [n for n in detail["notifications"]
               if n["declarationId"] == declared["closing"]]
    assert [(n["registrationId"], n["registrationBefore"]["endHour"],
             n["registrationAfter"]["endHour"]) for n in closing] == [
        (declared["night"], None, "0630")]
    dimona = [n for n in detail["notifications"] if n["declarationId"] == declared["period"]]
    assert dimona and "registrationId" not in dimona[0]
    assert world.client.get(f"/register/periods/{declared['period']}", headers=PARC
                            ).status_code == 404


@pytest.mark.parametrize(("headers", "status"), [(KROON, 200), (AUDITOR, 200),
                                                 (PARC, 404), (NOBODY, 401)])
def test_a_registrations_status_names_the_registration_and_its_period(world, declared,
                                                                      headers, status):
    answer = world.client.get(f"/declarations/{declared['closing']}", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert answer.json() == {
            "dailyRegistration": {"action": "update", "registrationId": declared["night"],
                                  "endDate": "2030-01-09", "endHour": "0630"},
            "declarationStatus": {"declarationId": declared["closing"], "result": "A",
                                  "anomalies": [], "dailyRegistration": {
                                      "id": declared["night"],
                                      "periodId": declared["period"]}}}


def test_a_registrations_confirmation_in_the_ebox(world, declared):
    found = world.client.get("/ebox/messages?declarant=0403170701", headers=KROON).json()
    [message] = [m for m in found["items"] if m["declarationId"] == declared["closing"]]
    path = f"/ebox/messages/{message['messageId']}"
    assert world.client.get(path, headers=KROON).json()["subject"] == (
        f"Dimona-bevestiging dagelijkse registratie {declared['closing']}: Aanvaard")
    text = world.client.get(f"{path}?format=text&lang=fr", headers=KROON).text
    assert f"Numéro d'enregistrement: {declared['night']}" in " ".join(text.split())
    assert "Après modification" in text and "09/01/2030 06:30" in text
