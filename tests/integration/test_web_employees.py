"""The Employees tab (seed 002): the workers, ten at a time; adding an employee in five
steps whose state rides in each step's hidden fields; the non-secured declaration form and
its receipt; the daily registration's system. Over a real database, in-process
(tests/integration/http_world.py); each step is posted as a browser would, with the fields
the previous page holds."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import psycopg
import pytest

from services.api.web.declare import Refused
from services.api.web.routes.employees import refused_fields
from tests.integration.http_world import KROON as KROON_TOKEN
from tests.integration.test_web_session import KROON, csrf_of, signed_in

pytestmark = pytest.mark.integration
AUDITOR = {"clientId": "Inspectie", "secret": "auditor-secret-token"}
EN = {"Accept-Language": "en"}
IDENTITY = {"known": "identity", "familyName": "Janssens", "givenName": "Els",
            "gender": "F", "birthDate": "1991-03-04", "placeOfBirth": "Gent",
            "countryOfBirth": "150", "nationality": "150", "street": "Kerkstraat",
            "houseNumber": "12", "postCode": "9000", "municipality": "Gent", "country": "150"}


class FormReader(HTMLParser):
    """The fields a browser would post from one form: hidden and text inputs, checked
    radios, the selected option of each select."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.select = form_id, False, None
        self.action, self.fields, self.options = None, {}, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside, self.action = True, a.get("action")
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") != "radio" or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a["name"]
            self.fields.setdefault(self.select, "")
            self.options[self.select] = []
        elif tag == "option" and self.select:
            self.options[self.select].append(a.get("value", ""))
            if "selected" in a:
                self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def read_form(html: str, form_id: str) -> FormReader:
    reader = FormReader(form_id)
    reader.feed(html)
    assert reader.action is not None, f"no form {form_id} in the page"
    return reader


def labelled(html: str) -> bool:
    """No label key shown instead of its text, no attribute escaped into text."""
    return re.search(r">[^<]*\bemployees\.[a-z_]+[^<]*<|&#34;", html) is None


def submit(client, html: str, form_id: str, go: str | None = "next", headers: dict = EN,
           **changes):
    """Posts the form as the page holds it, with some fields changed, by a button."""
    assert labelled(html), html
    form = read_form(html, form_id)
    data = form.fields | changes | ({"go": go} if go else {})
    return client.post(form.action, data=data, headers=headers, follow_redirects=False)


def wizard_to_period(client, worker: dict, jc: str, worker_type: str):
    page = client.get("/web/employees/add", headers=EN)
    assert page.status_code == 200 and 'id="add-worker"' in page.text
    committee = submit(client, page.text, "add-worker", **worker)
    assert committee.status_code == 200, committee.text
    kind = submit(client, committee.text, "add-committee", jc=jc)
    assert kind.status_code == 200, kind.text
    period = submit(client, kind.text, "add-type", workerType=worker_type)
    assert period.status_code == 200 and 'id="add-period"' in period.text, period.text
    return period


def submissions(world) -> int:
    with psycopg.connect(world.url) as conn:
        return conn.execute("SELECT count(*) FROM intake.submissions").fetchone()[0]


def channel_of(world, number: int) -> str:
    with psycopg.connect(world.url) as conn:
        return conn.execute("SELECT channel FROM intake.submissions WHERE declaration_id = %s",
                            (number,)).fetchone()[0]


def result_of(decided, number: int) -> str:
    return next(d.result for d in decided if d.declaration_id == number)


def test_the_tab_lists_the_workers_ten_at_a_time_each_with_its_periods(world):
    declared = [world.new_ssin() for _ in range(12)]
    for ssin in declared:
        world.declare(KROON_TOKEN, world.other_in() | {"worker": {"ssin": ssin}})
    peeters = world.other_in() | {"worker": {"ssin": "90050100151"}}
    world.declare(KROON_TOKEN, peeters)
    world.settle()
    total = world.client.get("/register/workers?employer=175110801&limit=1",
                             headers=KROON_TOKEN).json()["total"]
    assert total >= 13
    client = signed_in(world, KROON, "175110801")
    first = client.get("/web/employees", headers=EN).text
    assert f"1 to 10 of {total} results" in first
    assert first.count("data-ssin=") == 10
    assert 'id="add-employee" href="/web/employees/add"' in first
    assert 'href="/web/employees/daily-registration-system"' in first
    assert "Brasserie De Kroon" in first
    assert 'id="next-page" rel="next" href="?offset=10"' in first
    assert labelled(first)
    second = client.get("/web/employees?offset=10", headers=EN).text
    assert f"11 to {min(20, total)} of {total} results" in second
    shown = set(re.findall(r'data-ssin="([0-9]+)"', first + second))
    assert "90050100151" in shown and len(shown) == min(20, total)
    ssin = sorted(set(declared) & shown)[0]
    assert f'href="/web/search?presentation=periods&amp;ssin={ssin}"' in first + second
    named = client.get("/web/employees?name=peet", headers=EN).text
    assert re.findall(r'data-ssin="([0-9]+)"', named) == ["90050100151"]
    assert "Peeters" in named and "1 to 1 of 1 results" in named
    assert client.get("/web/employees?offset=oops", headers=EN).status_code == 200


def test_adding_an_employee_by_ssin_declares_through_the_web_channel(world):
    client = signed_in(world, KROON, "175110801")
    ssin = world.new_ssin()
    period = wizard_to_period(client, {"known": "ssin", "ssin": ssin}, "XXX", "OTH")
    assert 'name="plannedHours"' not in period.text and 'name="startHour"' not in period.text
    overview = submit(client, period.text, "add-period", startDate="2030-02-01")
    assert overview.status_code == 200 and 'id="add-overview"' in overview.text
    assert ssin in overview.text and "Dimona IN" in overview.text
    assert "01/02/2030" in overview.text and "Brasserie De Kroon" in overview.text
    before = submissions(world)
    done = submit(client, overview.text, "add-overview", go="confirm",
                  declarationRef="shift-7", workerRef="emp-7")
    assert done.status_code == 303, done.text
    number = int(re.fullmatch(r"/web/confirmation\?ids=([0-9]+)",
                              done.headers["location"]).group(1))
    assert submissions(world) == before + 1
    assert channel_of(world, number) == "web"
    assert result_of(world.settle(), number) == "A"
    with psycopg.connect(world.url) as conn:
        declaration, result = conn.execute(
            "SELECT declaration, result FROM register.declarations WHERE declaration_id = %s",
            (number,)).fetchone()
    assert result == "A"
    assert declaration["worker"] == {"ssin": ssin}
    assert declaration["employer"] == {"employerId": 175110801}
    assert declaration["dimonaIn"] == {"startDate": "2030-02-01", "features": {
        "jointCommissionNumber": "XXX", "workerType": "OTH"}}
    assert declaration["references"] == {"worker": "emp-7", "declaration": "shift-7"}
    confirmation = client.get(done.headers["location"], headers=EN)
    assert confirmation.status_code == 200 and "Accepted" in confirmation.text


def test_adding_an_employee_without_ssin_waits_for_the_identification(world):
    client = signed_in(world, KROON, "175110801")
    period = wizard_to_period(client, IDENTITY | {"initial": "M"}, "XXX", "STU")
    assert 'name="plannedHours"' in period.text
    overview = submit(client, period.text, "add-period", startDate="2030-07-01",
                      endDate="2030-07-31", plannedHours="40")
    assert overview.status_code == 200, overview.text
    assert "Janssens" in overview.text and "04/03/1991" in overview.text
    done = submit(client, overview.text, "add-overview", go="confirm")
    assert done.status_code == 303, done.text
    number = int(done.headers["location"].rsplit("=", 1)[1])
    assert result_of(world.settle(), number) == "S"
    with psycopg.connect(world.url) as conn:
        (declaration,) = conn.execute(
            "SELECT declaration FROM register.declarations WHERE declaration_id = %s",
            (number,)).fetchone()
    assert declaration["worker"] == {
        "familyName": "Janssens", "givenName": "Els", "birthDate": "1991-03-04",
        "placeOfBirth": "Gent", "countryOfBirth": 150, "nationality": 150, "gender": "F",
        "address": {"street": "Kerkstraat", "houseNumber": "12", "postCode": "9000",
                    "municipality": "Gent", "country": 150}}
    assert declaration["dimonaIn"]["plannedHoursNumber"] == 40
    assert "Waiting for identification" in client.get(done.headers["location"],
                                                      headers=EN).text


def test_each_step_shows_its_errors_next_to_its_fields(world):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/employees/add", headers=EN).text
    wrong = submit(client, page, "add-worker", known="ssin", ssin="85073003399")
    assert wrong.status_code == 422
    assert 'id="ssin-error"' in wrong.text and "not a valid SSIN" in wrong.text
    assert re.search(r'<input id="ssin"[^>]*aria-describedby="ssin-hint ssin-error" '
                     r'aria-invalid="true"', wrong.text)
    missing = submit(client, page, "add-worker", known="identity")
    assert missing.status_code == 422
    for name in ("familyName", "givenName", "birthDate", "street"):
        assert f'id="{name}-error"' in missing.text
    assert 'id="initial-error"' not in missing.text

    period = wizard_to_period(client, {"known": "ssin", "ssin": world.new_ssin()}, "XXX",
                              "STU")
    empty = submit(client, period.text, "add-period", startDate="", endDate="2030-07-01",
                   plannedHours="")
    assert empty.status_code == 422 and 'id="add-period"' in empty.text
    assert 'id="startDate-error"' in empty.text and "This field is required." in empty.text
    assert re.search(r'<input id="startDate"[^>]*aria-invalid="true"', empty.text)
    assert 'id="plannedHours-error"' in empty.text
    backwards = submit(client, period.text, "add-period", startDate="2030-07-10",
                       endDate="2030-07-01", plannedHours="2000")
    assert "The end date is before the start date." in backwards.text
    assert "from 1 to 999" in backwards.text
    assert read_form(backwards.text, "add-period").fields["startDate"] == "2030-07-10"

    back = submit(client, period.text, "add-period", go="back")
    assert back.status_code == 200 and 'id="add-type"' in back.text
    assert read_form(back.text, "add-type").fields["workerType"] == "STU"


def test_a_worker_type_the_committee_does_not_allow_cannot_be_chosen(world):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/employees/add", headers=EN).text
    committee = submit(client, page, "add-worker", known="ssin", ssin=world.new_ssin())
    assert set(read_form(committee.text, "add-committee").options["jc"]) == {
        "", "124", "140", "144", "145", "149", "302", "320", "322", "XXX"}
    kind = submit(client, committee.text, "add-committee", jc="144")
    assert read_form(kind.text, "add-type").options["workerType"] == ["", "EXT"]
    forged = submit(client, kind.text, "add-type", workerType="OTH")
    assert forged.status_code == 422 and 'id="workerType-error"' in forged.text
    assert "does not allow this type of worker" in forged.text
    horeca = submit(client, committee.text, "add-committee", jc="302")
    assert "EXT" in read_form(horeca.text, "add-type").options["workerType"]
    unknown = submit(client, committee.text, "add-committee", jc="999")
    assert unknown.status_code == 422 and 'id="jc-error"' in unknown.text
    # Without an SSIN, no EXT (00024-001): JC 144 has no type left, Next is disabled.
    anonymous = submit(client, page, "add-worker", **IDENTITY)
    none_left = submit(client, anonymous.text, "add-committee", jc="144")
    assert 'id="no-type"' in none_left.text and 'id="next" disabled' in none_left.text
    # A later step checks the earlier ones again: a forged hidden type is sent back.
    period = wizard_to_period(client, {"known": "ssin", "ssin": world.new_ssin()}, "XXX",
                              "OTH")
    tampered = submit(client, period.text, "add-period", startDate="2030-02-01",
                      workerType="EXT")
    assert tampered.status_code == 422 and 'id="add-type"' in tampered.text


def test_a_temporary_worker_names_the_user(world):
    client = signed_in(world, KROON, "175110801")
    period = wizard_to_period(client, {"known": "ssin", "ssin": world.new_ssin()}, "322",
                              "OTH")
    assert 'name="userJc"' in period.text
    missing = submit(client, period.text, "add-period", startDate="2030-03-02")
    assert missing.status_code == 422
    for name in ("endDate", "userJc", "userEnterpriseNumber"):
        assert f'id="{name}-error"' in missing.text
    both = submit(client, period.text, "add-period", startDate="2030-03-02",
                  endDate="2030-03-06", userJc="302", userEnterpriseNumber="0403170701",
                  userName="Café")
    assert "not both" in both.text
    overview = submit(client, period.text, "add-period", startDate="2030-03-02",
                      endDate="2030-03-06", userJc="302",
                      userEnterpriseNumber="0403.170.701")
    assert overview.status_code == 200, overview.text
    done = submit(client, overview.text, "add-overview", go="confirm")
    number = int(done.headers["location"].rsplit("=", 1)[1])
    world.settle()
    with psycopg.connect(world.url) as conn:
        (declaration,) = conn.execute(
            "SELECT declaration FROM register.declarations WHERE declaration_id = %s",
            (number,)).fetchone()
    assert declaration["dimonaIn"]["usingEmployer"] == {
        "jointCommissionNumber": "302", "enterpriseNumber": "0403170701"}


def test_the_model_s_refusals_are_shown_by_field():
    errors, message = refused_fields(Refused({
        "dimonaIn.startDate": "Input should be a valid date",
        "worker.address.postCode": "String should have at most 200 characters",
        "worker.countryOfBirth.str": "too long", "somewhere": "odd"}))
    assert errors == {"startDate": "Input should be a valid date",
                      "postCode": "String should have at most 200 characters",
                      "countryOfBirth": "too long"}
    assert message == "odd"
    assert refused_fields(Refused(message="no mandate")) == ({}, "no mandate")


def test_an_auditor_reads_the_tab_and_cannot_add(world):
    world.declare(KROON_TOKEN)
    world.settle()
    client = signed_in(world, AUDITOR, "175110801")
    page = client.get("/web/employees", headers=EN)
    assert page.status_code == 200 and "data-ssin=" in page.text
    assert 'id="add-employee"' not in page.text and 'id="read-only"' in page.text
    assert client.get("/web/employees/add", headers=EN).status_code == 403
    before = submissions(world)
    posted = client.post("/web/employees/add/overview", headers=EN, data={
        "csrf": csrf_of(page.text), "go": "confirm", "known": "ssin",
        "ssin": world.new_ssin(), "jc": "XXX", "workerType": "OTH",
        "startDate": "2030-02-01"})
    assert posted.status_code == 403 and "neither declare" in posted.text
    assert submissions(world) == before


def test_a_step_without_its_csrf_token_is_refused(world):
    client = signed_in(world, KROON, "175110801")
    before = submissions(world)
    data = {"go": "confirm", "known": "ssin", "ssin": world.new_ssin(), "jc": "XXX",
            "workerType": "OTH", "startDate": "2030-02-01"}
    assert client.post("/web/employees/add/overview", data=data).status_code == 403
    assert client.post("/web/employees/add/overview",
                       data=data | {"csrf": "forged"}).status_code == 403
    assert submissions(world) == before
    assert client.post("/web/employees/daily-registration-system",
                       data={"system": "dimona"}).status_code == 403


def unsecured(world, employer: str, ssin: str):
    client = world.client
    client.cookies.clear()
    page = client.get("/web/declare", headers=EN)
    assert page.status_code == 200 and 'id="declare-form"' in page.text
    options = read_form(page.text, "declare-form").options["features"]
    assert "XXX/OTH" in options and "XXX/EXT" not in options and "144/EXT" in options
    return submit(client, page.text, "declare-form", go=None, employer=employer,
                  known="ssin", ssin=ssin, features="XXX/OTH", startDate="2030-04-01")


def test_the_non_secured_form_declares_without_signing_in(world):
    sent = unsecured(world, "175110801", world.new_ssin())
    assert sent.status_code == 303, sent.text
    found = re.fullmatch(r"/web/declare/receipt/([0-9]+)\?key=([A-Za-z0-9_-]{40,})",
                         sent.headers["location"])
    number, key = int(found[1]), found[2]
    assert channel_of(world, number) == "web-unsecured"
    receipt = world.client.get(sent.headers["location"], headers=EN)
    assert receipt.status_code == 200 and str(number) in receipt.text
    assert "Being processed" in receipt.text and 'http-equiv="refresh"' in receipt.text
    assert result_of(world.settle(), number) == "A"
    decided = world.client.get(f"/web/declare/receipt/{number}", headers=EN)  # the cookie
    assert decided.status_code == 200 and "Accepted" in decided.text
    assert 'http-equiv="refresh"' not in decided.text
    world.client.cookies.clear()
    assert world.client.get(f"/web/declare/receipt/{number}").status_code == 404
    assert world.client.get(f"/web/declare/receipt/{number}?key=guess").status_code == 404
    assert world.client.get(f"/web/declare/receipt/{number}?key={key}").status_code == 200
    secured = signed_in(world, KROON, "175110801")
    ssin = world.new_ssin()
    done = submit(secured, wizard_to_period(secured, {"known": "ssin", "ssin": ssin}, "XXX",
                                            "OTH").text, "add-period", startDate="2030-05-01")
    web = int(submit(secured, done.text, "add-overview", go="confirm")
              .headers["location"].rsplit("=", 1)[1])
    assert world.client.get(f"/web/declare/receipt/{web}?key={key}").status_code == 404


def test_the_non_secured_form_is_refused_for_an_employer_of_secured_channels_only(world):
    sent = unsecured(world, "197100119", world.new_ssin())
    assert sent.status_code == 303, sent.text
    number = int(sent.headers["location"].split("/")[-1].split("?")[0])
    assert result_of(world.settle(), number) == "B"
    receipt = world.client.get(sent.headers["location"], headers=EN).text
    assert "Refused" in receipt and 'data-code="90256-342"' in receipt
    assert "Declarations for this employer only via a secured channel" in receipt
    french = world.client.get(sent.headers["location"], headers={"Accept-Language": "fr"})
    assert "Déclaration uniquement via un canal sécurisé pour cet employeur" in french.text


def test_the_non_secured_form_shows_its_errors_and_needs_its_token(world):
    world.client.cookies.clear()
    page = world.client.get("/web/declare", headers=EN)
    before = submissions(world)
    wrong = submit(world.client, page.text, "declare-form", go=None, employer="12ab",
                   known="ssin", ssin="", features="XXX/EXT", startDate="")
    assert wrong.status_code == 422
    for name in ("employer", "ssin", "features", "startDate"):
        assert f'id="{name}-error"' in wrong.text
    assert read_form(wrong.text, "declare-form").fields["employer"] == "12ab"
    form = read_form(page.text, "declare-form").fields | {
        "employer": "175110801", "known": "ssin", "ssin": world.new_ssin(),
        "features": "XXX/OTH", "startDate": "2030-04-01"}
    assert world.client.post("/web/declare", data=form | {"csrf": "forged"}).status_code == 403
    world.client.cookies.clear()
    assert world.client.post("/web/declare", data=form).status_code == 403
    assert submissions(world) == before


def test_the_daily_registration_system_is_chosen_on_the_tab(world):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/employees/daily-registration-system", headers=EN)
    assert page.status_code == 200 and "No system has been chosen yet." in page.text
    assert read_form(page.text, "daily-system").fields.get("system") is None
    wrong = submit(client, page.text, "daily-system", go=None, system="abacus")
    assert wrong.status_code == 422 and 'id="system-error"' in wrong.text
    chosen = submit(client, page.text, "daily-system", go=None, system="dimona+cashRegister")
    assert chosen.status_code == 303
    shown = client.get(chosen.headers["location"], headers=EN).text
    assert 'id="saved"' in shown and 'data-system="dimona+cashRegister"' in shown
    assert "The daily registration system and the registered cash register" in shown
    assert read_form(shown, "daily-system").fields["system"] == "dimona+cashRegister"
    with psycopg.connect(world.url) as conn:
        rows = conn.execute("SELECT system, chosen_by FROM directory.daily_registration_systems "
                            "WHERE employer_key = '175110801'").fetchall()
    assert rows == [("dimona+cashRegister", "0403170701")]
    auditor = signed_in(world, AUDITOR, "175110801")
    read = auditor.get("/web/employees/daily-registration-system", headers=EN).text
    assert 'data-system="dimona+cashRegister"' in read and 'id="daily-system"' not in read
    refused = auditor.post("/web/employees/daily-registration-system",
                           data={"csrf": csrf_of(read), "system": "dimona"})
    assert refused.status_code == 403
    with psycopg.connect(world.url) as conn:
        assert conn.execute("SELECT count(*) FROM directory.daily_registration_systems"
                            ).fetchone()[0] == 1



@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_the_pages_speak_the_four_languages(world, lang):
    client = signed_in(world, KROON, "175110801")
    header = {"Accept-Language": lang}
    for url in ("/web/employees", "/web/employees/add",
                "/web/employees/daily-registration-system"):
        page = client.get(url, headers=header)
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
        assert labelled(page.text), url
    committee = submit(client, client.get("/web/employees/add", headers=header).text,
                       "add-worker", headers=header, ssin=world.new_ssin())
    kind = submit(client, committee.text, "add-committee", headers=header, jc="XXX")
    assert f'<html lang="{lang}">' in kind.text and labelled(kind.text)
    world.client.cookies.clear()
    assert labelled(world.client.get("/web/declare", headers=header).text)
