"""Flexi at work in a real browser (seed 004; docs/interface.md §9 and §11): a flexi-jobber
with a Dimona FLX (declared by REST) in a month; the transfer wizard: the month, the
flexi-jobber ticked, its payslip entered, the overview, "Transfer wage data"; the
confirmation, decided, back to the overview where the transfer is listed with its amounts,
and the flexi-jobber's details."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.api.web import i18n
from tests.e2e.test_intake_channels import new_ssin
from tests.e2e.web.browse import KROON_EMPLOYER, decided, declare, statuses_filled

pytestmark = pytest.mark.e2e
_ = i18n.translator("en")


def flexi_evening(ssin: str, day: date) -> dict:
    return {"employer": {"employerId": int(KROON_EMPLOYER)},
            "worker": {"ssin": ssin, "familyName": "Aerts", "givenName": "Flor"},
            "dimonaIn": {"startDate": day.isoformat(), "startHour": "1800",
                         "endDate": day.isoformat(), "endHour": "2300",
                         "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}


def test_a_flexi_jobbers_wage_data_transferred_through_the_wizard(kroon, stack):
    page = kroon
    ssin = new_ssin()
    day = date.today() + timedelta(days=3)
    month = day.strftime("%Y-%m")
    assert decided(stack.api, declare(stack.api, flexi_evening(ssin, day)))["result"] == "A"

    page.locator("header nav.links").get_by_role("link", name=_("app.flexi")).click()
    assert page.url.endswith("/web/flexi")
    assert page.locator("h1").inner_text() == _("flexi.title")
    page.click("#flexi-transfer")

    assert page.locator("#flexi-form").get_attribute("data-step") == "period"
    page.fill("#month", month)
    with page.expect_navigation():
        page.click("#flexi-next")
    assert page.locator("#flexi-form").get_attribute("data-step") == "workers"
    while page.locator(f"#worker-{ssin}").count() == 0:  # paged: 20 a page
        assert page.locator("#workers-next").count() == 1, f"{ssin} not listed"
        with page.expect_navigation():
            page.click("#workers-next")
    page.check(f"#worker-{ssin}")
    with page.expect_navigation():
        page.click("#flexi-next")

    assert page.locator("#flexi-form").get_attribute("data-step") == "form"
    assert ssin in page.inner_text("#payslip-worker")
    assert day.strftime("%d/%m/%Y") in page.inner_text("#payslip-worker"), "its Dimona FLX"
    with page.expect_navigation():
        page.click("#flexi-next")  # no category, no amount: said next to the fields
    assert page.get_attribute("#cap-0-employerCategory", "aria-invalid") == "true"
    assert page.locator("#cap-0-wage-error").inner_text() == _("flexi.error.no_amount")
    page.fill("#payslipReference", "web-e2e-1")
    page.fill("#cap-0-employerCategory", "017")
    page.check("#cap-0-workerCode-050")
    page.fill("#cap-0-wage", "94,50")
    with page.expect_navigation():
        page.click("#flexi-next")

    assert page.locator("#flexi-form").get_attribute("data-step") == "overview"
    line = page.locator(f"#flexi-overview tr[data-ssin='{ssin}']")
    assert line.count() == 1
    assert "94" in line.locator("td.amount").first.inner_text()
    with page.expect_navigation():
        page.click("#flexi-transfer-submit")

    assert "/web/flexi/confirmation?ids=" in page.url, page.url
    [(ticket, status)] = statuses_filled(page, "flexi-confirmation")
    assert status in (_("result.A"), _("result.W")), status
    page.click("#to-flexi-overview")
    page.fill("#filter-ssin", ssin)
    with page.expect_navigation():
        page.locator("#flexi-filter button[type=submit]").click()
    row = page.locator(f"#flexi-transfers tr[data-ticket='{ticket}']")
    assert row.count() == 1
    assert row.get_attribute("data-status") in ("A", "W")
    assert "017/050" in row.inner_text() and "94" in row.inner_text()
    page.click(f"#details-{ticket}")
    assert page.url.endswith(f"/web/flexi/{ssin}")
    assert "Aerts" in page.inner_text("main")
