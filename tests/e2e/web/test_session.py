"""The web pages' sign-in, sessions and their limits in a real browser (Chromium) on a
running stack (docs/interface.md §11): the employer's choice, the language switch, an
auditor's visit, what is not the session's (404), forms without their CSRF token (403), the
idle expiry, the lock-out, the keyboard alone, a phone's screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from services.api.web import i18n
from tests.conftest import StackProcess, wait_until
from tests.e2e.test_intake_channels import new_ssin, other_in
from tests.e2e.web.browse import (
    AUDITOR,
    KROON,
    KROON_EMPLOYER,
    PARC,
    PARC_EMPLOYER,
    choose_employer,
    decided,
    declare,
    ebox_message,
    sign_in,
)

pytestmark = pytest.mark.e2e
DAY = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")
ENGLISH = {"Accept-Language": "en"}  # the API requests of a page send none
LANGUAGES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}


def label(key: str, lang: str = "en", **values) -> str:
    return i18n.translator(lang)(key, **values)


def parc_in(ssin: str) -> dict:
    return {"employer": {"employerId": int(PARC_EMPLOYER)}, "worker": {"ssin": ssin},
            "dimonaIn": {"startDate": "2030-03-04",
                         "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}}}


@pytest.fixture(scope="module")
def parc_declaration(stack) -> int:
    """An IN of Hôtel du Parc (not Kroon's), decided, its e-Box message written."""
    number = declare(stack.api, parc_in(new_ssin()), PARC[1])
    assert decided(stack.api, number, PARC[1])["result"] == "A"
    ebox_message(stack.api, number, PARC_EMPLOYER, PARC[1])
    return number


def test_a_declarant_signs_in_from_the_entry_page_and_chooses_among_its_employers(page,
                                                                                  stack):
    page.goto("/")
    assert page.locator("h1").inner_text() == label("entry.title")
    page.get_by_role("link", name=label("entry.secured"), exact=True).click()
    assert page.url.endswith("/web/sign-in")

    page.fill("#clientId", KROON[0])
    page.fill("#secret", "not-the-secret")
    page.click("form[action='/web/sign-in'] button[type=submit]")
    error = page.locator("#signin-error")
    assert error.inner_text() == label("signin.error.wrong")
    assert page.get_attribute("#clientId", "aria-describedby") == "signin-error"
    assert page.input_value("#clientId") == KROON[0]  # kept; the secret is not
    assert page.input_value("#secret") == ""

    page.fill("#secret", KROON[1])
    with page.expect_navigation():
        page.click("form[action='/web/sign-in'] button[type=submit]")
    page.goto("/web/employer")
    assert page.locator("h1").inner_text() == label("employer.title")
    choices = page.locator("label.choice").all_inner_texts()
    assert len(choices) == 1 and "Brasserie De Kroon" in choices[0], choices
    assert "Parc" not in page.inner_text("main")
    assert page.locator("header .who").inner_text() == label("app.signed_in_as",
                                                             name=KROON[0])
    choose_employer(page, KROON_EMPLOYER)
    page.goto("/web/ebox")
    assert page.locator("header .who").inner_text().endswith(KROON_EMPLOYER)

    with page.expect_navigation():
        page.get_by_role("button", name=label("app.sign_out")).click()
    assert page.url == f"{stack.api}/"
    assert page.locator("h1").inner_text() == label("entry.title")
    page.goto("/web/ebox")
    assert "/web/sign-in?next=%2Fweb%2Febox" in page.url, "signed out"


def test_a_secretariat_chooses_one_of_its_mandators(page):
    sign_in(page, "0477472701", "secretariat-secret-token")
    page.goto("/web/employer")
    choices = " ".join(page.locator("label.choice").all_inner_texts())
    assert "Brasserie De Kroon" in choices and "Hôtel du Parc" in choices
    choose_employer(page, PARC_EMPLOYER)
    page.goto("/web/ebox")
    assert page.locator("header .who").inner_text().endswith(PARC_EMPLOYER)


def test_the_keyboard_alone_signs_in(page):
    page.goto("/web/sign-in")
    for _ in range(20):  # the skip link, the site's name, the languages, then the form
        if page.evaluate("document.activeElement.id") == "clientId":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "clientId", "no tab reaches it"
    page.keyboard.type(KROON[0])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "secret"
    page.keyboard.type(KROON[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/web/sign-in" not in page.url
    page.goto("/web/employer")
    assert page.locator("h1").inner_text() == label("employer.title")


def test_another_employers_pages_are_not_there(kroon, stack, parc_declaration):
    page = kroon
    page.goto("/web/employer")
    csrf = page.get_attribute("form[action='/web/employer'] input[name=csrf]", "value")
    refused = page.request.post("/web/employer", form={"csrf": csrf,
                                                       "employer": PARC_EMPLOYER},
                                headers=ENGLISH)
    assert refused.status == 404
    assert label("employer.unknown") in refused.text()

    answer = page.goto(f"/web/confirmation?ids={parc_declaration}")
    assert answer.status == 404
    assert page.locator("h1").inner_text() == label("error.not_found.title")
    assert str(parc_declaration) not in page.inner_text("main")

    message = ebox_message(stack.api, parc_declaration, PARC_EMPLOYER, PARC[1])
    answer = page.goto(f"/web/ebox/{message['messageId']}")
    assert answer.status == 404
    assert page.locator("h1").inner_text() == label("error.not_found.title")
    assert page.goto("/web/ebox/00000000-0000-0000-0000-000000000000").status == 404
    assert page.goto("/web/confirmation?ids=nonsense").status == 404
    # Kroon's own register is still chosen: the refusal changed nothing
    page.goto("/web/ebox")
    assert page.locator("header .who").inner_text().endswith(KROON_EMPLOYER)


def test_a_form_without_its_csrf_token_is_refused(kroon):
    page = kroon
    page.goto("/web/ebox")
    answer = page.request.post("/web/employer", form={"employer": KROON_EMPLOYER},
                               headers=ENGLISH)
    assert answer.status == 403
    assert label("error.csrf.title") in answer.text()
    forged = page.request.post("/web/sign-out", form={"csrf": "forged"})
    assert forged.status == 403
    # a script on the page posting without the token: refused too, and still signed in
    status = page.evaluate("""() => fetch('/web/sign-out', {method: 'POST',
        body: new URLSearchParams({next: '/'})}).then(r => r.status)""")
    assert status == 403
    assert page.goto("/web/ebox").status == 200
    assert page.locator("h1").inner_text() == label("ebox.title")


def test_an_auditor_reads_any_employers_e_box_and_writes_nothing(page, stack,
                                                                 parc_declaration):
    sign_in(page, *AUDITOR)
    page.goto("/web/employer")
    assert page.locator("label.choice").count() == 0  # any number, typed
    page.fill("input#employer", "999999999x")
    page.click("form[action='/web/employer'] button[type=submit]")
    assert page.locator("#employer-error").inner_text() == label("employer.unknown")
    assert page.get_attribute("input#employer", "aria-invalid") == "true"
    choose_employer(page, PARC_EMPLOYER)

    page.goto("/web/ebox")
    assert page.locator("header .who").inner_text().startswith(
        label("app.signed_in_as", name="Inspectie"))
    assert page.get_by_role("link", name=label("app.audit")).count() == 1
    assert page.locator("main form").count() == 0, "an auditor has nothing to send"
    message = ebox_message(stack.api, parc_declaration, PARC_EMPLOYER, PARC[1])
    page.goto(f"/web/ebox/{message['messageId']}")
    assert str(parc_declaration) in page.locator("h1").inner_text()
    assert page.locator("main form").count() == 0
    again = ebox_message(stack.api, parc_declaration, PARC_EMPLOYER, PARC[1])
    assert again["readAt"] is None, "an auditor's reading marks nothing read"


def test_the_language_switch_changes_the_labels_and_keeps_dates_as_dd_mm_yyyy(kroon, stack):
    page = kroon
    number = declare(stack.api, other_in(new_ssin(), "2030-02-03"))
    ebox_message(stack.api, number)
    page.goto("/web/ebox")
    seen = set()
    for lang in ("fr", "de", "nl", "en"):
        name = LANGUAGES[lang]
        page.locator("nav.languages").get_by_role("link", name=name).click()
        assert page.url.endswith("/web/ebox")
        assert page.get_attribute("html", "lang") == lang
        assert page.locator("nav.languages strong").inner_text() == name
        assert page.locator("h2").first.inner_text().startswith(label("ebox.unread", lang))
        sign_out = page.locator("header form button").inner_text()
        assert sign_out == label("app.sign_out", lang)
        seen.add(sign_out)
        received = page.locator("main table tbody tr td:first-child").first.inner_text()
        assert DAY.match(received), received
        assert not re.search(r"\d{4}-\d{2}-\d{2}", page.inner_text("main"))
    assert len(seen) == 4, "each language its own labels"
    page.locator("nav.languages").get_by_role("link", name="Français").click()
    page.goto("/web/employer")  # the choice is kept for the next pages
    assert page.locator("h1").inner_text() == label("employer.title", "fr")


def test_a_phone_shows_the_pages_without_scrolling_sideways(browser, stack):
    declare(stack.api, other_in(new_ssin(), "2030-02-04"))
    phone = browser.new_context(base_url=stack.api, viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True, locale="fr-BE")
    try:
        page = phone.new_page()

        def fits(path: str) -> None:
            answer = page.goto(path)
            assert answer.status == 200, (path, answer.status)
            wide = page.evaluate("""() => [document.documentElement.scrollWidth,
                                           document.body.scrollWidth, window.innerWidth]""")
            assert max(wide[:2]) <= wide[2], f"{path} scrolls sideways: {wide}"

        fits("/")
        fits("/web/sign-in")
        sign_in(page, *KROON)
        fits("/web/employer")
        choose_employer(page, KROON_EMPLOYER)
        fits("/web/ebox")
        assert page.locator("h1").inner_text() == "e-Box"
        assert page.locator("h2").first.inner_text().startswith(label("ebox.unread", "fr"))
        link = page.locator("main table a").first
        fits(link.get_attribute("href"))
    finally:
        phone.close()


# A stack of our own whose sessions end after 2 s idle and whose lock-out lasts 3 s.
@pytest.fixture(scope="module")
def short_stack(tmp_path_factory) -> Iterator[StackProcess]:
    started = StackProcess(tmp_path_factory.mktemp("web-short"), {
        "DIMONA_WEB_SESSION_IDLE_S": "2", "DIMONA_WEB_LOCKOUT_S": "3"}).start()
    yield started
    started.stop()


@pytest.fixture
def short_page(browser, short_stack) -> Iterator[Page]:
    opened = browser.new_context(base_url=short_stack.api, locale="en-US")
    opened.set_default_timeout(15_000)
    yield opened.new_page()
    opened.close()


def test_an_idle_session_ends_and_the_sign_in_page_comes_back(short_page):
    page = short_page
    sign_in(page, *KROON)
    choose_employer(page, KROON_EMPLOYER)
    assert page.goto("/web/ebox").status == 200
    assert page.locator("h1").inner_text() == label("ebox.title")

    def signed_out() -> bool:
        page.reload()
        return "/web/sign-in" in page.url
    wait_until(signed_out, 15, "the session to expire", interval_s=0.5)
    assert page.locator("h1").inner_text() == label("signin.title")
    assert page.url.endswith("/web/sign-in?next=%2Fweb%2Febox")
    # signing in again brings the page asked for back
    page.fill("#clientId", KROON[0])
    page.fill("#secret", KROON[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/web/ebox") or page.url.endswith("/web/employer"), page.url


def test_five_wrong_secrets_lock_the_client_id_for_a_while(short_page):
    page = short_page

    def attempt(secret: str) -> str:
        page.goto("/web/sign-in")
        page.fill("#clientId", PARC[0])
        page.fill("#secret", secret)
        with page.expect_navigation():
            page.click("form[action='/web/sign-in'] button[type=submit]")
        return page.locator("#signin-error").inner_text() if "/web/sign-in" in page.url \
            else "signed in"

    assert [attempt(f"wrong-{i}") for i in range(5)] == [label("signin.error.wrong")] * 5
    assert attempt(PARC[1]) == label("signin.error.locked"), "even the right secret"
    assert "dimona_session" not in [c["name"] for c in page.context.cookies()]
    wait_until(lambda: attempt(PARC[1]) == "signed in", 20, "the lock-out to end",
               interval_s=1)
