"""Flexi at work on the web pages (issue 25; seed 004; docs/interface.md §9) over a real
database, in-process: the transfer wizard for a flexi-jobber with a Dimona FLX (the month,
the flexi-jobbers, the payslip form, the overview with edit and delete), the confirmation,
the overview "being processed" until decided, the details' two sections, a payslip changed
and deleted; errors next to their fields; an auditor and a forged form refused."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.integration.http_world import KROON as KROON_TOKEN
from tests.integration.test_web_multi import AUDITOR, EN, error_of, post
from tests.integration.test_web_session import KROON, csrf_of, signed_in

pytestmark = pytest.mark.integration
FLEXI_DAY = date.today() + timedelta(days=1)
MONTH = FLEXI_DAY.strftime("%Y-%m")


@pytest.fixture(scope="module")
def flexi_worker(world):
    """A flexi-jobber of Kroon with a flexi day (Dimona FLX, accepted) in MONTH."""
    ssin = world.new_ssin()
    world.declare(KROON_TOKEN, {
        "employer": {"employerId": 175110801},
        "worker": {"ssin": ssin, "familyName": "Maes", "givenName": "Zoë"},
        "dimonaIn": {"startDate": FLEXI_DAY.isoformat(), "startHour": "1800",
                     "endDate": FLEXI_DAY.isoformat(), "endHour": "2300",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}})
    [period] = world.settle()
    assert period.result in ("A", "W"), period.anomalies
    return ssin


def to_the_form(client, ssin: str):
    page = client.get("/web/flexi/transfer", headers=EN)
    assert page.status_code == 200 and 'data-step="period"' in page.text
    page = post(client, "/web/flexi/transfer", page, "flexi-form",
                {"month": MONTH, "go": "next"})
    assert 'data-step="workers"' in page.text and f'id="worker-{ssin}"' in page.text
    page = post(client, "/web/flexi/transfer", page, "flexi-form",
                {f"worker.{ssin}": "on", "go": "next"})
    assert page.status_code == 200 and 'data-step="form"' in page.text, page.text
    assert "Maes" in page.text and 'id="cap-0-wage"' in page.text
    return page


def situation(world, ssin: str) -> dict:
    [found] = world.readers.flexi.worker("175110801", ssin)["situations"]
    return found


def test_a_transfer_to_the_confirmation_then_decided_changed_and_deleted(world, flexi_worker):
    client = signed_in(world, KROON, "175110801")
    ssin = flexi_worker
    page = to_the_form(client, ssin)
    page = post(client, "/web/flexi/transfer", page, "flexi-form", {
        "payslipReference": "PAY-1", "cap.0.employerCategory": "017",
        "cap.0.workerCode": "050", "cap.0.wage": "94,00",
        "cap.0.premium.0.amount": "50", "cap.0.premium.0.frequency": "12", "go": "next"})
    assert page.status_code == 200 and 'data-step="overview"' in page.text, page.text
    assert f'data-payslip="0" data-ssin="{ssin}"' in page.text and "€ 144.00" in page.text
    # the pencil: the form again, as entered; the wage changed
    page = post(client, "/web/flexi/transfer", page, "flexi-form", {"go": "edit:0"})
    assert 'data-step="form"' in page.text and 'value="94,00"' in page.text
    page = post(client, "/web/flexi/transfer", page, "flexi-form",
                {"cap.0.wage": "95.50", "go": "next"})
    assert "€ 145.50" in page.text and len(re.findall(r"data-payslip=", page.text)) == 1
    answer = post(client, "/web/flexi/transfer", page, "flexi-form", {"go": "transfer"})
    assert answer.status_code == 303, answer.text
    target = answer.headers["location"]
    assert target.startswith("/web/flexi/confirmation?ids=")
    ticket = int(target.split("=", 1)[1])
    shown = client.get(target, headers=EN).text
    assert "Being processed" in shown and 'href="/web/flexi"' in shown
    assert f'href="/web/flexi/{ssin}"' in shown, "the flexi-jobber, also while pending"
    assert "To the overview of the flexi data transfer" in shown

    overview = client.get("/web/flexi", headers=EN).text
    row = re.search(rf'<tr data-ticket="{ticket}"[^>]*data-status="(\w+)"', overview)
    assert row and row.group(1) == "pending" and "Being processed" in overview
    while_pending = datetime.now(UTC)
    [decided] = world.settle()
    assert (decided.declaration_id, decided.result) == (ticket, "A"), decided.anomalies
    overview = client.get("/web/flexi", headers=EN).text
    assert re.search(rf'<tr data-ticket="{ticket}"[^>]*data-status="A"', overview)
    once_decided = datetime.now(UTC)
    now = situation(world, ssin)
    assert (now["wagesCents"], now["premiumsCents"], now["payslipReference"]) == (
        9550, 5000, "PAY-1")

    details = client.get(f"/web/flexi/{ssin}", headers=EN)
    assert details.status_code == 200
    assert 'id="flexi-at-work"' in details.text and 'id="dimona-periods"' in details.text
    assert "Dimona periods" in details.text and 'data-period="' in details.text
    relation = now["relationUuid"]
    page = client.get(f"/web/flexi/{ssin}/modify/{relation}", headers=EN)
    assert page.status_code == 200 and 'value="95.50"' in page.text
    answer = post(client, f"/web/flexi/{ssin}/modify/{relation}", page,
                  "flexi-modify-form", {"cap.0.wage": "55", "go": "save"})
    assert answer.status_code == 303, answer.text
    modified = int(answer.headers["location"].split("=", 1)[1])
    [decided] = world.settle()
    assert (decided.declaration_id, decided.result) == (modified, "A"), decided.anomalies
    now = situation(world, ssin)
    assert (now["wagesCents"], now["premiumsCents"], now["ticket"]) == (5500, 5000, modified)

    page = client.get(f"/web/flexi/{ssin}/cancel/{relation}", headers=EN)
    assert page.status_code == 200
    answer = post(client, f"/web/flexi/{ssin}/cancel/{relation}", page,
                  "flexi-cancel-form", {})
    assert answer.status_code == 303, answer.text
    [decided] = world.settle()
    assert decided.result == "A", decided.anomalies
    assert situation(world, ssin)["cancelled"] is True
    assert client.get(f"/web/flexi/{ssin}/modify/{relation}").status_code == 404

    # the overview as it stood at a moment (issue 28): replayed from the history
    for at, status in ((while_pending, "pending"), (once_decided, "A")):
        then = client.get("/web/flexi", params={"asOf": at.isoformat()}, headers=EN)
        assert then.status_code == 200 and 'id="as-of"' in then.text
        assert [int(t) for t in re.findall(r'<tr data-ticket="(\d+)"', then.text)] == [ticket]
        assert re.search(rf'<tr data-ticket="{ticket}"[^>]*data-status="{status}"', then.text)
    wrong = client.get("/web/flexi?asOf=yesterday", headers=EN)
    assert wrong.status_code == 400 and "Give a date and a time." in wrong.text


def test_the_overview_deletes_a_payslip_before_the_transfer(world, flexi_worker):
    client = signed_in(world, KROON, "175110801")
    page = to_the_form(client, flexi_worker)
    page = post(client, "/web/flexi/transfer", page, "flexi-form", {
        "cap.0.employerCategory": "017", "cap.0.wage": "10", "go": "next"})
    assert 'data-step="overview"' in page.text
    page = post(client, "/web/flexi/transfer", page, "flexi-form", {"go": "delete:0"})
    assert 'data-step="workers"' in page.text and "data-payslip=" not in page.text
    assert f'id="worker-{flexi_worker}" ' in page.text and \
        not re.search(rf'id="worker-{flexi_worker}"[^>]*checked', page.text)
    assert world.settle() == []


def test_errors_are_shown_next_to_their_fields(world, flexi_worker):
    client = signed_in(world, KROON, "175110801")
    page = client.get("/web/flexi/transfer", headers=EN)
    refused = post(client, "/web/flexi/transfer", page, "flexi-form", {"month": "2026-13"})
    assert refused.status_code == 422 and "yyyy-mm" in error_of(refused.text, "month")
    page = to_the_form(client, flexi_worker)
    refused = post(client, "/web/flexi/transfer", page, "flexi-form", {
        "cap.0.employerCategory": "17", "cap.0.wage": "abc",
        "cap.0.premium.0.amount": "12,50", "cap.0.premium.0.frequency": "",
        "endDate": f"{FLEXI_DAY.year + 1}-01-05", "go": "next"})
    assert refused.status_code == 422 and 'data-step="form"' in refused.text
    assert "3 digits" in error_of(refused.text, "cap-0-employerCategory")
    assert "amount in euro" in error_of(refused.text, "cap-0-wage")
    assert "fill in" in error_of(refused.text, "cap-0-premium-0-frequency")
    assert "one calendar year" in error_of(refused.text, "endDate")
    assert 'value="12,50"' in refused.text, "what was typed is kept"
    nothing = post(client, "/web/flexi/transfer", page, "flexi-form", {
        "cap.0.employerCategory": "017", "go": "next"})
    assert "at least one gross wage" in error_of(nothing.text, "cap-0-wage")
    assert world.settle() == []


def test_an_auditor_reads_and_cannot_write(world, flexi_worker):
    client = signed_in(world, AUDITOR, "175110801")
    overview = client.get("/web/flexi", headers=EN)
    assert overview.status_code == 200 and 'id="flexi-transfers"' in overview.text
    assert 'id="flexi-transfer"' not in overview.text
    assert client.get("/web/flexi/transfer").status_code == 404
    assert client.get(f"/web/flexi/{flexi_worker}").status_code == 200
    answer = client.post("/web/flexi/transfer", data={
        "csrf": csrf_of(overview.text), "step": "overview", "month": MONTH,
        "go": "transfer"})
    assert answer.status_code == 404
    assert world.settle() == []


def test_a_forged_form_is_refused_and_another_worker_is_not_there(world, flexi_worker):
    client = signed_in(world, KROON, "175110801")
    fields = {"step": "period", "month": MONTH, "go": "next"}
    assert client.post("/web/flexi/transfer", data=fields).status_code == 403
    assert client.post("/web/flexi/transfer",
                       data={**fields, "csrf": "forged"}).status_code == 403
    assert client.get(f"/web/flexi/{world.new_ssin()}").status_code == 404
    assert client.get(f"/web/flexi/{flexi_worker}/modify/"
                      "5b7d2f0e-6f1b-4c33-9d1e-0c2a4e6b8f10").status_code == 404
    parc = signed_in(world, {"clientId": "0876543270", "secret": "parc-secret-token"},
                     "197100119")
    assert parc.get(f"/web/flexi/{flexi_worker}").status_code == 404


def test_tampered_fields_get_a_page_never_a_server_error(world, flexi_worker):
    client = signed_in(world, KROON, "175110801")
    csrf = csrf_of(client.get("/web/ebox").text)
    for fields in ({"step": "workers", "month": "abc", "go": "next"},
                   {"step": "overview", "month": MONTH, "payslip.0": "{not json",
                    "go": "edit:²"},
                   {"step": "overview", "month": MONTH, "payslip.0": '{"capacities": 3}',
                    "go": "transfer"},
                   {"step": "form", "month": MONTH, "ssin": "²", "cap.0.wage": "1e9",
                    "editing": "²", "go": "next"}):
        answer = client.post("/web/flexi/transfer", data={"csrf": csrf, **fields})
        assert answer.status_code in (200, 422), (fields, answer.text)
        assert 'id="flexi-form"' in answer.text
    assert client.get("/web/flexi?offset=x&year=²²²²").status_code == 200
    assert world.settle() == []
