"""The daily registration in a real browser (docs/interface.md §8 and §11; seed 002): the
employer chooses the Dimona system on the Employees tab, then registers a fixed worker's
evening from its period's detail, changes it and cancels it, each seen on its confirmation
of receipt with the registration's number, then on the period and in the list of
registrations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page

from services.api.web import i18n
from tests.e2e.test_intake_channels import new_ssin, other_in
from tests.e2e.web.browse import decided, declare, statuses_filled

pytestmark = pytest.mark.e2e
_ = i18n.translator("en")


def confirmed(page: Page) -> tuple[int, str, str]:
    """The registration's confirmation once decided: the declaration, its status and the
    registration's number."""
    assert "/web/registrations/confirmation?ids=" in page.url, page.url
    [(number, status)] = statuses_filled(page, "registration-confirmation")
    registration = page.locator("#registration-confirmation tbody tr td.registration")
    return number, status, registration.inner_text().strip()


def test_a_fixed_worker_s_evening_registered_changed_and_cancelled(kroon, stack):
    page = kroon
    start = date.today() + timedelta(days=20)
    period = declare(stack.api, other_in(new_ssin(), start.isoformat()))
    assert decided(stack.api, period)["result"] == "A"

    page.goto("/web/employees")
    page.click("#daily-registration")
    page.check("#system-dimona")
    with page.expect_navigation():
        page.click("#validate")
    assert page.locator("#saved").count() == 1
    assert page.get_attribute("#current-system", "data-system") == "dimona"

    page.goto(f"/web/periods/{period}")
    assert page.locator("#registrations-list tbody tr[data-registration]").count() == 0
    page.click("#create-registration")
    assert str(period) in page.inner_text("#registration-period")
    page.fill("#startDate", start.isoformat())
    page.fill("#startHour", "25:00")  # not an hour: said next to the field
    with page.expect_navigation():
        page.click("#registration-submit")
    assert page.get_attribute("#startHour", "aria-invalid") == "true"
    assert page.locator("#startHour-error").count() == 1
    page.fill("#startHour", "18:00")
    page.fill("#endHour", "23:00")
    with page.expect_navigation():
        page.click("#registration-submit")
    _number, status, registration = confirmed(page)
    assert status == _("result.A")
    assert registration.isdigit(), registration

    page.click("#back-to-period")
    listed = page.locator(f"#registrations-list tr[data-registration='{registration}']")
    assert listed.count() == 1 and listed.get_attribute("data-status") != "cancelled"
    page.goto(f"/web/registrations?period={period}")
    row = page.locator(f"#registrations tr[data-registration='{registration}']")
    assert row.count() == 1
    assert "18:00" in row.inner_text() and "23:00" in row.inner_text()
    page.click(f"#edit-{registration}")
    page.fill("#endHour", "23:30")
    with page.expect_navigation():
        page.click("#registration-submit")
    _number, status, same = confirmed(page)
    assert (status, same) == (_("result.A"), registration)
    page.click("#to-registrations")
    assert "23:30" in row.inner_text()

    page.click(f"#cancel-{registration}")
    with page.expect_navigation():
        page.click("#registration-cancel-submit")
    _number, status, same = confirmed(page)
    assert (status, same) == (_("result.A"), registration)
    page.click("#to-registrations")
    assert row.locator(f"#edit-{registration}").count() == 0, "a cancelled one is not changed"
    assert "registration-cancelled" in row.locator("td").first.get_attribute("class")
    page.goto(f"/web/periods/{period}")
    assert listed.get_attribute("data-status") == "cancelled"
