"""The e-Box in a real browser (docs/interface.md §11): a declaration made by REST is
confirmed there; the message opens in the page's language and is then no longer unread."""

from __future__ import annotations

import pytest

from services.api.web import i18n
from tests.e2e.test_intake_channels import new_ssin, other_in
from tests.e2e.web.browse import decided, declare, ebox_message

pytestmark = pytest.mark.e2e
_ = i18n.translator("en")


def test_a_declaration_by_rest_is_confirmed_in_the_e_box_and_read_there(kroon, stack):
    page = kroon
    number = declare(stack.api, other_in(new_ssin(), "2030-01-14"))
    assert decided(stack.api, number)["result"] == "A"
    message = ebox_message(stack.api, number)
    assert message["readAt"] is None

    assert page.locator("h1").inner_text() == _("employees.title")  # the Employees tab
    page.locator("header nav.links").get_by_role("link", name=_("app.ebox")).click()
    assert page.url.endswith("/web/ebox")
    unread = page.locator("main table").first
    row = unread.locator("tr", has=page.locator(f"a[href='/web/ebox/{message['messageId']}']"))
    assert row.count() == 1, "the new message is among the unread"
    assert "unread" in row.get_attribute("class")
    assert row.locator("td").nth(2).inner_text() == _("result.A")
    assert str(number) in row.inner_text()

    row.locator("a").click()
    assert page.url.endswith(f"/web/ebox/{message['messageId']}")
    heading = page.locator("main h1").inner_text()
    assert str(number) in heading and "Dimona" in heading
    text = page.inner_text("main article")
    assert "0403170701" in text or "175110801" in text, text
    assert "Brasserie De Kroon" in text or "175110801" in text

    page.get_by_role("link", name=_("ebox.back")).click()
    assert page.url.endswith("/web/ebox")
    unread_links = page.locator("main table").first.locator("a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert f"/web/ebox/{message['messageId']}" not in unread_links
    read_table = page.locator("main table").nth(1)
    assert read_table.locator(f"a[href='/web/ebox/{message['messageId']}']").count() == 1 \
        or page.locator("p.pager a").count() > 0, "read, on this page or a later one"
    assert ebox_message(stack.api, number)["readAt"] is not None
