"""The Employees tab's walk-throughs in a real browser (seed 002; docs/interface.md §11):
adding an employee (Dimona IN) with a known SSIN, and without one (the identity), through
the five steps to the confirmation of receipt, whose status fills in without a reload; the
worker then listed on the tab; an auditor sees the tab and cannot add."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from services.api.web import i18n
from tests.e2e.test_intake_channels import new_ssin
from tests.e2e.web.browse import (
    AUDITOR,
    KROON_EMPLOYER,
    choose_employer,
    ebox_message,
    sign_in,
    statuses_filled,
)

pytestmark = pytest.mark.e2e
_ = i18n.translator("en")


def next_step(page: Page, step: str) -> None:
    """The step's Next; the wizard shows the following one (or says why not)."""
    with page.expect_navigation():
        page.click(f"form#add-{step} button#next")
    assert page.locator("#error-summary").count() == 0, page.inner_text("#error-summary")


def confirmed(page: Page) -> tuple[int, str]:
    """On the confirmation of receipt: the declaration's number and its status once
    decided, filled in by the page's script."""
    assert "/web/confirmation?ids=" in page.url, page.url
    assert page.locator("h1").inner_text() == _("confirm.title")
    [row] = statuses_filled(page)
    return row


def test_in_with_a_known_ssin_through_the_wizard_to_its_confirmation(kroon):
    page = kroon
    ssin = new_ssin()
    page.goto("/web/employees")
    assert page.locator("h1").inner_text() == _("employees.title")
    assert "Brasserie De Kroon" in page.inner_text("#employer-header")
    page.click("a#add-employee")

    assert page.is_checked("#known-ssin")
    assert page.is_hidden("#by-identity"), "the script shows the SSIN field only"
    page.fill("#ssin", "12345678901")  # not an SSIN: said next to the field
    with page.expect_navigation():
        page.click("form#add-worker button#next")
    assert page.get_attribute("#ssin", "aria-invalid") == "true"
    assert page.inner_text("#ssin-error") == _("employees.error.ssin")
    assert "ssin-error" in page.get_attribute("#ssin", "aria-describedby")
    page.fill("#ssin", f"{ssin[:2]}.{ssin[2:4]}.{ssin[4:6]}-{ssin[6:9]}.{ssin[9:]}")
    next_step(page, "worker")

    assert page.locator("form#add-committee").count() == 1
    assert ssin in page.inner_text("#step-worker")
    page.select_option("#jc", "XXX")
    next_step(page, "committee")
    options = page.locator("#workerType option").evaluate_all(
        "options => options.map(o => o.value)")
    assert "OTH" in options and "EXT" not in options, "only what JC XXX allows"
    page.select_option("#workerType", "OTH")
    next_step(page, "type")

    page.fill("#startDate", "2030-04-01")
    next_step(page, "period")
    assert page.locator("form#add-overview").count() == 1
    assert page.inner_text("#ssin").strip() == ssin
    assert page.inner_text("#startDate").strip() == "01/04/2030"
    assert page.inner_text("#employerId").strip() == KROON_EMPLOYER
    page.fill("#employerRef", "web-e2e")
    with page.expect_navigation():
        page.click("form#add-overview button#confirm")

    number, status = confirmed(page)
    assert status == _("result.A")
    assert page.locator("table#confirmation td.period a").inner_text() == str(number)
    page.click("table#confirmation td.period a")  # the period in the register
    assert page.inner_text("#worker-ssin").strip() == ssin
    assert page.inner_text("#period-start").strip() == "01/04/2030"
    page.click(f"#dimona-list a[href='/web/declarations/{number}']")
    assert page.get_attribute("#channel", "data-channel") == "web"
    assert "web-e2e" in page.inner_text("#content")



def test_a_construction_worker_s_control_cards_to_the_period_and_the_e_box(kroon, stack):
    """JC 124, a construction worker (BCW): the period step asks for the C3.2A cards of
    the start month and of the next; the same card twice is said next to the field; both
    cards are declared, shown by the period in the register and in the e-Box message."""
    page = kroon
    ssin = new_ssin()
    page.goto("/web/employees/add")
    page.fill("#ssin", ssin)
    next_step(page, "worker")
    page.select_option("#jc", "124")
    next_step(page, "committee")
    page.select_option("#workerType", "BCW")
    next_step(page, "type")

    assert page.is_visible("#cards") and page.locator("#statutes").count() == 0
    assert "joint committee 124 (construction)" in page.inner_text("#cards-hint")
    page.fill("#startDate", "2030-05-20")
    page.fill("#firstCard", "1240 0000 0017")
    page.fill("#nextCard", "124000000017")
    with page.expect_navigation():
        page.click("form#add-period button#next")
    assert page.inner_text("#nextCard-error") == _("employees.error.card_same")
    assert page.get_attribute("#nextCard", "aria-invalid") == "true"
    assert page.locator("#firstCard-error").count() == 0
    page.fill("#nextCard", "124.000.000.025")
    next_step(page, "period")
    assert (page.inner_text("#firstCard").strip(), page.inner_text("#nextCard").strip()) == (
        "124000000017", "124000000025")
    with page.expect_navigation():
        page.click("form#add-overview button#confirm")

    number, status = confirmed(page)
    assert status in (_("result.A"), _("result.W")), status
    page.click("table#confirmation td.period a")
    assert page.inner_text("#period-number").strip() == str(number)
    assert page.inner_text("#period-first-card").strip() == "124000000017"
    assert page.inner_text("#period-next-card").strip() == "124000000025"
    assert page.locator("#period-sub-entity, #period-worker-status").count() == 0

    message = ebox_message(stack.api, number)
    page.goto(f"/web/ebox/{message['messageId']}")
    rows = page.locator("main article tr").evaluate_all(
        "rows => rows.map(r => [r.querySelector('th').innerText, r.querySelector('td').innerText])")
    assert ["C3.2A control card (month of the start)", "124000000017"] in rows, rows
    assert ["C3.2A control card (next month)", "124000000025"] in rows, rows


def test_in_without_an_ssin_gives_the_identity_and_waits_for_identification(kroon):
    page = kroon
    page.goto("/web/employees/add")
    page.check("#known-identity")
    assert page.is_hidden("#by-ssin") and page.is_visible("#by-identity")
    page.fill("#familyName", "Janssens-Webtest")
    with page.expect_navigation():
        page.click("form#add-worker button#next")  # half an identity: each field says so
    for name in ("givenName", "birthDate", "placeOfBirth", "street"):
        assert page.inner_text(f"#{name}-error") == _("employees.error.required"), name
    assert page.input_value("#familyName") == "Janssens-Webtest"
    for name, value in {"givenName": "Mila", "placeOfBirth": "Gent",
                        "countryOfBirth": "150", "nationality": "150", "street": "Kerkstraat",
                        "houseNumber": "7", "postCode": "9000", "municipality": "Gent",
                        "country": "150"}.items():
        page.fill(f"#{name}", value)
    page.select_option("#gender", "F")
    page.fill("#birthDate", "1994-06-15")
    next_step(page, "worker")
    page.select_option("#jc", "XXX")
    next_step(page, "committee")
    page.select_option("#workerType", "OTH")
    next_step(page, "type")
    page.fill("#startDate", "2030-04-02")
    next_step(page, "period")
    assert page.inner_text("#familyName").strip() == "Janssens-Webtest"
    assert page.inner_text("#birthDate").strip() == "15/06/1994"
    with page.expect_navigation():
        page.click("form#add-overview button#confirm")
    number, status = confirmed(page)
    assert number > 0
    assert status == _("result.S"), "a worker without SSIN waits to be identified"


def test_an_auditor_sees_the_employees_but_cannot_add_one(page):
    sign_in(page, *AUDITOR)
    choose_employer(page, KROON_EMPLOYER)
    assert page.locator("h1").inner_text() == _("employees.title")
    assert page.locator("#read-only").count() == 1
    assert page.locator("a#add-employee").count() == 0
    tabs = page.locator("nav.tabs a").all_inner_texts()
    assert _("tab.search") in tabs and _("tab.multi") not in tabs, tabs
    answer = page.goto("/web/employees/add")
    assert answer.status in (403, 404)
    assert page.locator("form#add-worker").count() == 0
    csrf = page.get_attribute("header form input[name=csrf]", "value")
    posted = page.request.post("/web/employees/add/overview", form={
        "csrf": csrf, "known": "ssin", "ssin": new_ssin(), "jc": "XXX", "workerType": "OTH",
        "startDate": "2030-04-03", "go": "confirm"})
    assert posted.status in (403, 404)
    assert "/web/confirmation" not in posted.url
