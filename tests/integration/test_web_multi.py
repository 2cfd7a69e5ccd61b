"""The Multi-Dimona tab of the web pages (issue 25; seed 000's Multi-Dimona screens) over a
real database, in-process (tests/integration/http_world.py): the four steps posted as a
browser without JavaScript posts them (every field the page holds, hidden ones included),
the overview's lines changed and removed, the confirmation, then the register once decided;
errors next to their fields; an auditor and a forged form refused."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest

from services.projections.application import Filters
from tests.integration.http_world import KROON as KROON_TOKEN
from tests.integration.test_web_session import KROON, csrf_of, signed_in

pytestmark = pytest.mark.integration
AUDITOR = {"clientId": "Inspectie", "secret": "auditor-secret-token"}
EN = {"Accept-Language": "en"}


class _Form(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button"):
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_fields(html: str, form_id: str) -> dict[str, str]:
    """What a browser posts of a page's form (buttons aside): every input with a value,
    checked boxes, selected options."""
    parser = _Form(form_id)
    parser.feed(html)
    assert "csrf" in parser.fields, f"no form {form_id} on the page"
    return parser.fields


def post(client, url: str, page, form_id: str, changes: dict, drop: tuple = ()):
    fields = form_fields(page.text, form_id)
    for name in drop:
        fields.pop(name, None)
    return client.post(url, data={**fields, **changes}, headers=EN, follow_redirects=False)


def days_ahead() -> tuple[date, date]:
    """Two days in next month, far enough ahead not to be late."""
    first = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    return first + timedelta(days=9), first + timedelta(days=10)


def error_of(html: str, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    assert found, f"no error next to {field_id}"
    assert re.search(rf'id="{re.escape(field_id)}"[^>]*aria-invalid="true"', html) or \
        field_id in ("days", "workers"), f"{field_id} is not marked invalid"
    return found.group(1)


@pytest.fixture(scope="module")
def workers(world):
    """Three workers of Kroon known to its register (accepted INs far ahead)."""
    found = []
    for name in ("Aerts", "Bosmans", "Claes"):
        body = world.other_in()
        body["worker"].update(familyName=name, givenName="Jan")
        world.declare(KROON_TOKEN, body)
        found.append(body["worker"]["ssin"])
    assert {d.result for d in world.settle()} == {"A"}
    return found


def through_the_workers_step(client, days: tuple[date, date], ticked: list[str]):
    page = client.get("/web/multi-dimona", headers=EN)
    assert page.status_code == 200 and 'id="multi-form"' in page.text
    types = re.search(r'<select id="workerType".*?</select>', page.text, re.S).group(0)
    assert "FLX" in types and "EXT" not in types, "only the types JC XXX allows"
    page = post(client, "/web/multi-dimona", page, "multi-form",
                {"jc": "XXX", "workerType": "FLX", "go": "next"})
    assert page.status_code == 200 and 'data-step="period"' in page.text
    month = days[0].strftime("%Y-%m")
    page = post(client, "/web/multi-dimona", page, "multi-form", {"go": f"month:{month}"})
    assert f'data-month="{month}"' in page.text
    assert f'id="day-{days[0].isoformat()}"' in page.text
    page = post(client, "/web/multi-dimona", page, "multi-form", {
        f"day.{days[0].isoformat()}": "on", f"day.{days[1].isoformat()}": "on",
        "startHour": "08:00", "endHour": "14:00", "go": "next"})
    assert page.status_code == 200 and 'data-step="workers"' in page.text, page.text
    page = post(client, "/web/multi-dimona", page, "multi-form", {"go": "show:all"})
    for ssin in ticked:
        assert f'id="worker-{ssin}"' in page.text
    page = post(client, "/web/multi-dimona", page, "multi-form",
                {**{f"worker.{s}": "on" for s in ticked}, "go": "next"})
    assert page.status_code == 200 and 'data-step="overview"' in page.text, page.text
    return page


def test_two_workers_on_two_days_to_the_confirmation_and_the_register(world, workers):
    client = signed_in(world, KROON, "175110801")
    days = days_ahead()
    page = through_the_workers_step(client, days, workers)
    lines = re.findall(r'<tr data-line="(\d+)" data-ssin="(\d+)"', page.text)
    assert [s for _, s in lines] == [workers[0]] * 2 + [workers[1]] * 2 + [workers[2]] * 2
    # the third worker's two lines removed, one line's end hour changed
    page = post(client, "/web/multi-dimona", page, "multi-form", {"go": "remove:5"})
    page = post(client, "/web/multi-dimona", page, "multi-form", {"go": "remove:4"})
    assert len(re.findall(r'<tr data-line=', page.text)) == 4
    assert "Claes" not in page.text and "Bosmans" in page.text
    answer = post(client, "/web/multi-dimona", page, "multi-form",
                  {"line.3.endHour": "15:00", "go": "confirm"})
    assert answer.status_code == 303, answer.text
    target = answer.headers["location"]
    assert target.startswith("/web/confirmation?ids=")
    ids = [int(i) for i in target.split("=", 1)[1].split(",")]
    assert len(ids) == 4
    confirmation = client.get(target, headers=EN)
    assert confirmation.status_code == 200
    assert confirmation.text.count("Being processed") == 4
    decided = {d.declaration_id: d for d in world.settle()}
    assert {decided[i].result for i in ids} <= {"A", "W"}
    assert "Being processed" not in client.get(target, headers=EN).text
    register = world.readers.register
    for ssin, end_hours in ((workers[0], ["1400", "1400"]), (workers[1], ["1400", "1500"])):
        periods = register.search("periods", "175110801", Filters(
            ssin=ssin, worker_type="FLX"))["items"]
        assert [(p["startDate"], p["startHour"], p["endDate"], p["endHour"])
                for p in sorted(periods, key=lambda p: p["startDate"])] == [
            (d.isoformat(), "0800", d.isoformat(), h) for d, h in zip(days, end_hours,
                                                                     strict=True)]
    assert register.search("periods", "175110801", Filters(
        ssin=workers[2], worker_type="FLX"))["total"] == 0


def test_errors_are_shown_next_to_their_fields(world, workers):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/multi-dimona", headers=EN)
    refused = post(client, "/web/multi-dimona", page, "multi-form",
                   {"jc": "XXX", "workerType": "EXT", "go": "next"})
    assert refused.status_code == 422
    assert "not allowed in joint committee XXX" in error_of(refused.text, "workerType")
    page = post(client, "/web/multi-dimona", page, "multi-form",
                {"jc": "XXX", "workerType": "FLX", "go": "next"})
    refused = post(client, "/web/multi-dimona", page, "multi-form",
                   {"startHour": "25:00", "go": "next"})
    assert refused.status_code == 422
    assert "at least one day" in error_of(refused.text, "days")
    assert "hh:mm" in error_of(refused.text, "startHour")
    assert 'role="alert"' in refused.text
    # a line made wrong in the overview
    overview = through_the_workers_step(client, days_ahead(), workers[:1])
    refused = post(client, "/web/multi-dimona", overview, "multi-form",
                   {"line.1.startDate": "31/02/2030", "go": "confirm"})
    assert refused.status_code == 422
    assert "dd/mm/yyyy" in error_of(refused.text, "line-1-startDate")
    assert "traceback" not in refused.text.lower()


def test_an_auditor_cannot_declare(world, workers):
    client = signed_in(world, AUDITOR, "175110801")
    assert client.get("/web/multi-dimona").status_code == 404
    page = client.get("/web/ebox")
    answer = client.post("/web/multi-dimona", data={
        "csrf": csrf_of(page.text), "step": "overview", "jc": "XXX", "workerType": "OTH",
        "line.0.ssin": workers[0], "line.0.startDate": "2031-01-01", "go": "confirm"})
    assert answer.status_code == 404


def test_a_forged_form_is_refused(world, workers):
    client = signed_in(world, KROON, "175110801")
    fields = {"step": "overview", "jc": "XXX", "workerType": "OTH",
              "line.0.ssin": workers[0], "line.0.startDate": "2031-01-01", "go": "confirm"}
    assert client.post("/web/multi-dimona", data=fields).status_code == 403
    assert client.post("/web/multi-dimona",
                       data={**fields, "csrf": "forged"}).status_code == 403


def test_tampered_fields_get_a_page_never_a_server_error(world, workers):
    client = signed_in(world, KROON, "175110801")
    csrf = csrf_of(client.get("/web/ebox").text)
    for fields in (
            {"step": "overview", "jc": "XXX", "workerType": "FLX", "plannedHours": "²",
             "line.0.ssin": "²²", "line.0.startDate": "x", "go": "confirm"},
            {"step": "overview", "jc": "XXX", "workerType": "FLX", "go": "remove:²"},
            {"step": "workers", "jc": "XXX", "workerType": "FLX", "offset": "9" * 30,
             "go": "page:" + "9" * 30},
            {"step": "period", "jc": "XXX", "workerType": "FLX", "go": "month:0000-99"},
            {"step": "nowhere", "go": "back"}):
        answer = client.post("/web/multi-dimona", data={"csrf": csrf, **fields})
        assert answer.status_code in (200, 422), (fields, answer.text)
        assert 'id="multi-form"' in answer.text
    assert world.settle() == []


def test_a_period_for_a_worker_added_by_ssin(world, workers):
    client = signed_in(world, KROON, "175110801")
    ssin = world.new_ssin()
    page = client.get("/web/multi-dimona", headers=EN)
    page = post(client, "/web/multi-dimona", page, "multi-form",
                {"jc": "XXX", "workerType": "OTH", "go": "next"})
    page = post(client, "/web/multi-dimona", page, "multi-form", {
        "mode": "period", "startDate": "2031-03-02", "endDate": "2031-06-30", "go": "next"})
    assert 'data-step="workers"' in page.text, page.text
    wrong = post(client, "/web/multi-dimona", page, "multi-form",
                 {"addSsin": "1234", "go": "add"})
    assert "11 digits" in error_of(wrong.text, "addSsin")
    page = post(client, "/web/multi-dimona", page, "multi-form", {"addSsin": ssin, "go": "add"})
    assert f'name="worker.{ssin}" value="on"' in page.text, "added, kept in a hidden field"
    page = post(client, "/web/multi-dimona", page, "multi-form", {"go": "next"})
    assert re.findall(r'<tr data-line="(\d+)" data-ssin="(\d+)"', page.text) == [("0", ssin)]
    answer = post(client, "/web/multi-dimona", page, "multi-form", {"go": "confirm"})
    assert answer.status_code == 303, answer.text
    [number] = [int(i) for i in answer.headers["location"].split("=", 1)[1].split(",")]
    [decided] = world.settle()
    assert (decided.declaration_id, decided.result) == (number, "A"), decided.anomalies
    [period] = world.readers.register.search("periods", "175110801",
                                             Filters(ssin=ssin))["items"]
    assert (period["workerType"], period["startDate"], period["endDate"]) == (
        "OTH", "2031-03-02", "2031-06-30")
