"""The Search tab and a period's actions in a real browser (seed 002; docs/interface.md
§11): a worker found by SSIN, its period in the list of periods, closed (Dimona OUT) from
the row's actions; a period modified (UPDATE) and cancelled from its detail; each
declaration on its confirmation of receipt, then on the period's "List of DIMONA" and in
the declaration's detail (channel "secured web")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page

from services.api.web import i18n
from tests.e2e.test_intake_channels import new_ssin
from tests.e2e.web.browse import (
    AUDITOR,
    KROON_EMPLOYER,
    choose_employer,
    decided,
    declare,
    sign_in,
    statuses_filled,
)

pytestmark = pytest.mark.e2e
_ = i18n.translator("en")
START = date.today() + timedelta(days=10)


def hired(api: str, family: str) -> tuple[str, int]:
    """A new worker of Kroon with an open-ended OTH period, decided (REST)."""
    ssin = new_ssin()
    number = declare(api, {
        "employer": {"employerId": int(KROON_EMPLOYER)},
        "worker": {"ssin": ssin, "familyName": family, "givenName": "Web"},
        "dimonaIn": {"startDate": START.isoformat(),
                     "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}}})
    assert decided(api, number)["result"] == "A"
    return ssin, number


def confirmed(page: Page, declaration_type: str) -> int:
    """The confirmation of a declaration made on a period, accepted: its number."""
    assert "/web/confirmation?ids=" in page.url, page.url
    [(number, status)] = statuses_filled(page)
    assert status == _("result.A")
    page.reload()  # the script fills the status in, the page once decided shows the type
    assert page.locator("#confirmation tbody tr td").nth(1).inner_text() == declaration_type
    return number


def test_out_by_search_then_the_period_list_and_close(kroon, stack):
    page = kroon
    ssin, period = hired(stack.api, "Vermeulen")
    end = START + timedelta(days=45)

    page.locator("nav.tabs").get_by_role("link", name=_("tab.search")).click()
    assert page.url.endswith("/web/search")
    page.fill("#ssin", ssin)
    page.check("#presentation-periods")
    page.check("#when-full")
    with page.expect_navigation():
        page.click("#search-submit")
    results = page.locator("#results")
    assert results.get_attribute("data-total") == "1"
    assert ssin in page.inner_text("#criteria-list")
    row = page.locator(f"#periods tr[data-period='{period}']")
    assert "Vermeulen" in row.inner_text() and START.strftime("%d/%m/%Y") in row.inner_text()
    row.locator("details.row-actions summary").click()
    row.locator("a[data-action=close]").click()

    assert page.url.endswith(f"/web/periods/{period}/close")
    with page.expect_navigation():
        page.click("#close-submit")  # no end date: said next to the field
    assert page.get_attribute("#endDate", "aria-invalid") == "true"
    assert page.locator("#endDate-error").count() == 1
    page.fill("#endDate", end.isoformat())
    page.fill("#refDeclaration", "web-e2e-out")
    with page.expect_navigation():
        page.click("#close-submit")
    out = confirmed(page, "DIMONA_OUT")

    page.click(f"#confirmation td.period a[href='/web/periods/{period}']")
    assert page.inner_text("#period-end").strip() == end.strftime("%d/%m/%Y")
    declarations = page.locator("#dimona-list tbody tr[data-declaration]")
    assert sorted(declarations.evaluate_all("rows => rows.map(r => r.dataset.type)")) == [
        "DIMONA_IN", "DIMONA_OUT"]
    page.click(f"#dimona-list a[href='/web/declarations/{out}']")
    assert page.inner_text("#declaration-number").strip() == str(out)
    assert page.get_attribute("#channel", "data-channel") == "web"
    assert page.inner_text("#declaration-status").strip() == _("result.A")
    assert "web-e2e-out" in page.inner_text("#content")


def test_a_period_modified_then_cancelled_from_its_detail(kroon, stack):
    page = kroon
    ssin, period = hired(stack.api, "Wouters")
    later = START + timedelta(days=2)

    page.goto(f"/web/periods/{period}")
    assert page.inner_text("#worker-ssin").strip() == ssin
    assert page.inner_text("#period-start").strip() == START.strftime("%d/%m/%Y")
    page.click("#modify-period")
    with page.expect_navigation():
        page.click("#update-submit")  # nothing changed: said so
    assert page.locator("#form-error").count() == 1
    page.fill("#startDate", later.isoformat())
    with page.expect_navigation():
        page.click("#update-submit")
    confirmed(page, "DIMONA_UPDATE")
    page.goto(f"/web/periods/{period}")
    assert page.inner_text("#period-start").strip() == later.strftime("%d/%m/%Y")

    page.click("#cancel-period")
    assert page.locator("#cancel-question").count() == 1
    with page.expect_navigation():
        page.click("#cancel-submit")
    confirmed(page, "DIMONA_CANCEL")
    page.goto(f"/web/periods/{period}")
    assert page.inner_text("#period-cancelled").strip() == _("search.yes")
    assert page.locator("#period-actions").count() == 0, "a cancelled period takes no change"
    types = page.locator("#dimona-list tbody tr[data-declaration]").evaluate_all(
        "rows => rows.map(r => r.dataset.type)")
    assert sorted(types) == ["DIMONA_CANCEL", "DIMONA_IN", "DIMONA_UPDATE"]
    assert page.goto(f"/web/periods/{period}/update").status == 404


def test_an_auditor_reads_a_period_and_cannot_change_it(page, stack):
    _ssin, period = hired(stack.api, "Claessens")
    sign_in(page, *AUDITOR)
    choose_employer(page, KROON_EMPLOYER)
    assert page.goto(f"/web/periods/{period}").status == 200
    assert page.inner_text("#period-number").strip() == str(period)
    assert page.locator("#period-actions").count() == 0
    assert page.locator("#create-registration").count() == 0
    assert page.goto(f"/web/periods/{period}/close").status == 403
    assert page.locator("#close-form").count() == 0
