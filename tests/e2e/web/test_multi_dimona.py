"""The Multi-Dimona tab's walk-through in a real browser (seed 000, "Multi-Dimona: nieuwe
periodes toevoegen"; docs/interface.md §11): the joint committee and worker type, two days
ticked in next month's calendar with common hours, two workers added by SSIN, the overview
where a line is removed, then one Dimona IN per worker and day, each decided on the
confirmation of receipt."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.api.web import i18n
from tests.e2e.test_intake_channels import new_ssin
from tests.e2e.web.browse import statuses_filled

pytestmark = pytest.mark.e2e
_ = i18n.translator("en")


def next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_multi_dimona_declares_one_in_per_worker_and_day(kroon):
    page = kroon
    first, second = new_ssin(), new_ssin()
    month = next_month(date.today())
    days = [month.replace(day=11), month.replace(day=12)]

    page.locator("nav.tabs").get_by_role("link", name=_("tab.multi")).click()
    assert page.url.endswith("/web/multi-dimona")
    assert page.locator("#multi-form").get_attribute("data-step") == "features"
    page.select_option("#jc", "XXX")
    types = page.locator("#workerType option").evaluate_all("o => o.map(x => x.value)")
    assert "FLX" in types and "EXT" not in types, types
    page.select_option("#workerType", "FLX")
    with page.expect_navigation():
        page.click("#multi-next")

    assert page.locator("#multi-form").get_attribute("data-step") == "period"
    with page.expect_navigation():
        page.click("#multi-next")  # no day, no hours: said next to each
    assert page.locator("#days-error").count() == 1
    assert page.get_attribute("#startHour", "aria-invalid") == "true"
    with page.expect_navigation():
        page.click("#month-next")
    assert page.locator("#calendar").get_attribute("data-month") == month.strftime("%Y-%m")
    for day in days:
        page.check(f"#day-{day.isoformat()}")
    page.fill("#startHour", "18:00")
    page.fill("#endHour", "23:00")
    with page.expect_navigation():
        page.click("#multi-next")

    assert page.locator("#multi-form").get_attribute("data-step") == "workers"
    for ssin in (first, second):
        page.fill("#addSsin", ssin)
        with page.expect_navigation():
            page.click("#add-worker")
        assert ssin in page.inner_text("#chosen-workers")
    page.fill("#addSsin", "123")
    with page.expect_navigation():
        page.click("#add-worker")
    assert page.get_attribute("#addSsin", "aria-invalid") == "true"
    assert page.locator("#addSsin-error").count() == 1
    with page.expect_navigation():
        page.click("#multi-next")

    assert page.locator("#multi-form").get_attribute("data-step") == "overview"
    lines = page.locator("#multi-overview tbody tr[data-line]")
    assert lines.count() == 4
    assert [(lines.nth(i).get_attribute("data-ssin"),
             page.input_value(f"#line-{i}-startDate")) for i in range(4)] == [
        (first, days[0].isoformat()), (first, days[1].isoformat()),
        (second, days[0].isoformat()), (second, days[1].isoformat())]
    assert page.input_value("#line-0-startHour") == "18:00"
    with page.expect_navigation():
        page.click("#remove-3")  # the second worker's second day
    assert lines.count() == 3
    with page.expect_navigation():
        page.click("#multi-confirm")

    assert "/web/confirmation?ids=" in page.url, page.url
    decided = statuses_filled(page)
    assert len(decided) == 3 and len({number for number, _status in decided}) == 3
    assert [status for _number, status in decided] == [_("result.A")] * 3, decided
