"""The Search tab and the register's read pages (seed 002; docs/interface.md §11) over a
real database, in-process (tests/integration/http_world.py): the search form and its three
presentations, the filters, paging, the CSV and PDF exports, the period and declaration
details, the Declarations and Quota tabs, and who may see what."""

from __future__ import annotations

import csv
import io
import re
import zlib

import pytest

from services.projections.application import catch_up_notifications
from services.projections.domain import CSV_COLUMNS
from tests.integration.http_world import KROON as KROON_TOKEN
from tests.integration.http_world import PARC as PARC_TOKEN
from tests.integration.test_web_session import KROON, csrf_of, signed_in

pytestmark = pytest.mark.integration
EN = {"Accept-Language": "en"}
AUDITOR = {"clientId": "Inspectie", "secret": "auditor-secret-token"}
PEETERS = "90050100151"  # named by the example directory's identities: Peeters An


def dimona_in(ssin: str, start: str, end: str) -> dict:
    return {"employer": {"employerId": 175110801}, "worker": {"ssin": ssin},
            "dimonaIn": {"startDate": start, "endDate": end, "features": {
                "jointCommissionNumber": "XXX", "workerType": "OTH"}}}


@pytest.fixture(scope="module")
def register(world) -> dict:
    """Kroon's register: an open period from 2030-01-07, Peeters' period of February,
    a horeca extra's day in March, eleven more open periods (for paging); and Parc's one."""
    extra = {"employer": {"employerId": 175110801}, "worker": {"ssin": world.new_ssin()},
             "dimonaIn": {"startDate": "2030-03-04", "startHour": "1000",
                          "endDate": "2030-03-04", "endHour": "1800",
                          "features": {"jointCommissionNumber": "302", "workerType": "EXT"}}}
    made = {"open": world.declare(KROON_TOKEN),
            "peeters": world.declare(KROON_TOKEN, dimona_in(PEETERS, "2030-02-03",
                                                            "2030-02-05")),
            "extra": world.declare(KROON_TOKEN, extra),
            "more": [world.declare(KROON_TOKEN) for _ in range(11)],
            "parc": world.declare(PARC_TOKEN, world.other_in(197100119))}
    decided = world.settle()
    assert {d.result for d in decided} <= {"A", "W"}, [d.anomalies for d in decided]
    catch_up_notifications(world.register)
    return made


def rows_of(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-period="(\d+)"', html)]


def test_the_search_form_has_every_field_of_the_seed(world, register):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/search", headers=EN)
    assert page.status_code == 200
    for name in ("ssin", "name", "partial", "when-today", "when-full", "when-between", "from",
                 "to", "jc", "workerType", "user", "excludeCancelled", "period",
                 "presentation-workers", "presentation-periods", "presentation-monthly",
                 "month", "size"):
        assert f'id="{name}"' in page.text, name
        assert f'for="{name}"' in page.text or name.startswith(("when-", "presentation-",
                                                                 "partial", "exclude")), name
    assert 'id="results"' not in page.text, "no search asked yet: the form alone"


def test_the_three_presentations(world, register):
    client = signed_in(world, KROON, "175110801")
    periods = client.get("/web/search?presentation=periods&when=full&size=100", headers=EN)
    assert periods.status_code == 200
    assert set(rows_of(periods.text)) == {register["open"], register["peeters"],
                                         register["extra"], *register["more"]}
    assert register["parc"] not in rows_of(periods.text)
    assert "Full register" in periods.text and 'id="criteria"' in periods.text
    assert "Peeters" in periods.text and "07/01/2030" in periods.text
    extra_row = periods.text.split(f'data-period="{register["extra"]}"')[1].split("</tr>")[0]
    assert "302" in extra_row and "04/03/2030 10:00" in extra_row and "18:00" in extra_row
    workers = client.get("/web/search?presentation=workers&when=full&size=100", headers=EN)
    assert f'data-ssin="{PEETERS}"' in workers.text and "Peeters" in workers.text
    assert len(re.findall(r'<tr data-ssin="', workers.text)) == 14
    monthly = client.get("/web/search?presentation=monthly&month=2030-02&size=100",
                         headers=EN)
    row = monthly.text.split(f'<tr data-ssin="{PEETERS}">')[1].split("</tr>")[0]
    assert re.findall(r'data-day="([\d-]+)"', row) == ["2030-02-03", "2030-02-04",
                                                        "2030-02-05"]
    march = client.get("/web/search?presentation=monthly&month=2030-03&size=100").text
    assert f'<tr data-ssin="{PEETERS}">' not in march, "Peeters worked in February only"


def test_the_filters(world, register):
    client = signed_in(world, KROON, "175110801")
    base = "/web/search?presentation=periods&size=100"
    assert rows_of(client.get(f"{base}&when=full&ssin={PEETERS}").text) == [
        register["peeters"]]
    assert rows_of(client.get(f"{base}&when=full&name=eete&partial=1").text) == [
        register["peeters"]]
    assert rows_of(client.get(f"{base}&when=full&name=eete").text) == [], \
        "without 'part of the name' the name is whole"
    assert rows_of(client.get(f"{base}&when=full&name=peeters").text) == [
        register["peeters"]]
    january = rows_of(client.get(f"{base}&when=between&from=2030-01-01&to=2030-01-31").text)
    assert register["open"] in january and register["peeters"] not in january
    assert rows_of(client.get(f"{base}&when=full&jc=302&workerType=ext").text) == [
        register["extra"]]
    assert rows_of(client.get(f"{base}&when=full&period={register['peeters']}").text) == [
        register["peeters"]]
    assert rows_of(client.get(f"{base}&when=today").text) == [], "nothing runs today"
    wrong = client.get(f"{base}&when=between&from=2030-02-01&ssin=123", headers=EN)
    assert wrong.status_code == 400 and 'id="results"' not in wrong.text
    assert 'aria-describedby="to-error"' in wrong.text and "Give both dates" in wrong.text
    assert 'id="ssin-error"' in wrong.text and "11 digits" in wrong.text
    reversed_dates = client.get(f"{base}&when=between&from=2030-02-01&to=2030-01-01",
                                headers=EN)
    assert "before the first" in reversed_dates.text


def test_paging(world, register):
    client = signed_in(world, KROON, "175110801")
    first = client.get("/web/search?presentation=periods&when=full", headers=EN).text
    assert "1 to 10 of 14 results" in first and len(rows_of(first)) == 10
    following = re.search(r'id="page-next" rel="next" href="([^"]+)"', first).group(1)
    second = client.get("/web/search" + following.replace("&amp;", "&"), headers=EN).text
    assert "11 to 14 of 14 results" in second and len(rows_of(second)) == 4
    assert not set(rows_of(first)) & set(rows_of(second))
    assert 'id="page-previous"' in second and 'id="page-next"' not in second


def test_the_csv_export(world, register):
    client = signed_in(world, KROON, "175110801")
    answer = client.get("/web/search/export?presentation=periods&when=full")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["x-total-count"] == "14"
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == CSV_COLUMNS["periods"] and len(rows) == 15
    assert {int(r[4]) for r in rows[1:]} == {register["open"], register["peeters"],
                                             register["extra"], *register["more"]}
    workers = client.get("/web/search/export?presentation=workers&when=full&ssin=" + PEETERS)
    assert list(csv.reader(io.StringIO(workers.text)))[1][:3] == [PEETERS, "Peeters", "An"]


def pdf_text(body: bytes) -> bytes:
    """The page contents of a PDF, inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
    text = b""
    for s in streams:
        try:
            text += zlib.decompress(s)
        except zlib.error:
            text += s
    return text


def test_the_pdf_of_a_page(world, register):
    client = signed_in(world, KROON, "175110801")
    answer = client.get("/web/search/pdf?presentation=periods&when=full&name=peeters",
                        headers=EN)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    text = pdf_text(answer.content)
    assert str(register["peeters"]).encode() in text and b"Peeters" in text
    assert str(register["open"]).encode() not in text
    page = client.get("/web/search/pdf?presentation=periods&when=full&size=10").content
    assert sum(str(i).encode() in pdf_text(page) for i in register["more"]) >= 7


def test_the_period_detail(world, register):
    client = signed_in(world, KROON, "175110801")
    page = client.get(f"/web/periods/{register['peeters']}", headers=EN)
    assert page.status_code == 200
    assert 'id="worker-ssin">90050100151' in page.text and "Peeters" in page.text
    assert 'id="period-end">05/02/2030' in page.text
    assert f'<tr data-declaration="{register["peeters"]}" data-type="DIMONA_IN"' in page.text
    assert f'href="/web/declarations/{register["peeters"]}"' in page.text
    assert 'id="registrations-list"' in page.text
    assert (f'id="create-registration" href="/web/registrations/new?period='
            f'{register["peeters"]}"') in page.text
    for action in ("modify-period", "close-period", "cancel-period"):
        assert f'id="{action}"' in page.text
    worker = client.get(f"/web/workers/{PEETERS}/periods", headers=EN)
    assert rows_of(worker.text) == [register["peeters"]] and "Peeters" in worker.text


def test_the_declaration_detail_in_six_parts(world, register):
    client = signed_in(world, KROON, "175110801")
    page = client.get(f"/web/declarations/{register['peeters']}", headers=EN)
    assert page.status_code == 200
    for part in ('id="criteria"', 'id="worker"', 'id="period-block"', 'id="technical"',
                 'id="content"', 'id="notifications"'):
        assert part in page.text, part
    assert 'data-channel="webservice">Web service' in page.text
    assert 'id="declarant">0403170701' in page.text
    notices = re.findall(r'<tr data-notification="[^"]+" data-channel="(\w+)"', page.text)
    assert notices, "the notifications are listed once sent"
    row = page.text.split("<tr data-notification=")[1].split("</tr>")[0]
    assert "03/02/2030" in row and "05/02/2030" in row
    french = client.get(f"/web/declarations/{register['peeters']}?lang=fr").text
    assert "Données techniques" in french and "Liste des notifications" in french


def test_the_declarations_tab(world, register):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/declarations?size=10", headers=EN)
    assert page.status_code == 200
    listed = [int(i) for i in re.findall(r'<tr data-declaration="(\d+)"', page.text)]
    assert len(listed) == 10 and "1 to 10 of 14 results" in page.text
    assert listed[0] == max(register["more"]), "newest first"
    assert register["parc"] not in listed
    rest = client.get("/web/declarations?size=10&offset=10").text
    assert register["open"] in [int(i) for i in re.findall(r'data-declaration="(\d+)"', rest)]


def test_the_quota_tab(world, register):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/quota?year=2030", headers=EN)
    assert page.status_code == 200
    assert 'id="employer-quota"' in page.text and 'data-used="1"' in page.text
    assert "1 used, 199 left of 200" in page.text
    assert len(re.findall(r'<tr data-ssin="', page.text)) == 1
    assert '<td class="horeca-used">1</td>' in page.text
    assert "0 used, 200 left" in client.get("/web/quota?year=2029", headers=EN).text
    wrong = client.get("/web/quota?year=20x0", headers=EN)
    assert wrong.status_code == 400 and 'id="year-error"' in wrong.text


def test_another_employers_period_and_declaration_are_not_there(world, register):
    client = signed_in(world, KROON, "175110801")
    parc = register["parc"]
    for path in (f"/web/periods/{parc}", f"/web/declarations/{parc}",
                 f"/web/periods/{parc}/update", f"/web/periods/{parc}/close",
                 "/web/periods/123456789012", "/web/workers/85073099999/periods"):
        assert client.get(path).status_code == 404, path
    page = client.get(f"/web/periods/{register['open']}")
    answer = client.post(f"/web/periods/{parc}/cancel", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 404
    assert world.readers.register.period(parc)["period"]["cancelled"] is False
    secretariat = signed_in(world, {"clientId": "0477472701",
                                    "secret": "secretariat-secret-token"}, "197100119")
    assert secretariat.get(f"/web/periods/{parc}").status_code == 200, "its mandator's"
    assert secretariat.get(f"/web/periods/{register['open']}").status_code == 404


def test_an_auditor_reads_and_cannot_act(world, register):
    client = signed_in(world, AUDITOR, "175110801")
    periods = client.get("/web/search?presentation=periods&when=full&size=100").text
    assert register["open"] in rows_of(periods)
    assert 'data-action="detail"' in periods and 'data-action="close"' not in periods
    detail = client.get(f"/web/periods/{register['open']}").text
    assert 'id="modify-period"' not in detail and 'id="create-registration"' not in detail
    assert client.get(f"/web/periods/{register['open']}/update").status_code == 403
    refused = client.post(f"/web/periods/{register['open']}/cancel",
                          data={"csrf": csrf_of(detail)})
    assert refused.status_code == 403
    assert world.readers.register.period(register["open"])["period"]["cancelled"] is False
    assert client.get(f"/web/declarations/{register['open']}").status_code == 200


def test_a_row_action_without_its_csrf_token_is_refused(world, register):
    client = signed_in(world, KROON, "175110801")
    for data in ({"endDate": "2030-12-31"}, {"endDate": "2030-12-31", "csrf": "forged"}):
        answer = client.post(f"/web/periods/{register['open']}/close", data=data)
        assert answer.status_code == 403
    assert world.settle() == [], "nothing was declared"


def test_the_search_as_of_a_moment_replays_the_register_then(world, register):
    """The form's date and time field (issue 28): the register as it stood then."""
    client = signed_in(world, KROON, "175110801")
    query = "/web/search?presentation=periods&when=full&size=100"
    live = client.get(query, headers=EN)
    assert live.status_code == 200 and register["open"] in rows_of(live.text)
    before = client.get(query + "&asOf=2000-01-01T10:00", headers=EN)
    assert before.status_code == 200 and rows_of(before.text) == []
    assert "Register as it stood at: 01/01/2000 10:00" in before.text
    assert 'id="asOf"' in before.text and 'value="2000-01-01T10:00"' in before.text
    now = client.get(query + "&asOf=2999-01-01T00:00", headers=EN)
    assert rows_of(now.text) == rows_of(live.text)
    wrong = client.get(query + "&asOf=yesterday", headers=EN)
    assert wrong.status_code == 400 and 'id="asOf-error"' in wrong.text
    assert "Give a date and a time." in wrong.text
