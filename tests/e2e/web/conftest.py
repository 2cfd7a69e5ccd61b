"""Fixtures of the web pages' browser tests: one headless Chromium for the package
(tests/e2e/web/browse.py), a fresh context (its own cookies) per test, on the session's
stack (`dimona up`, tests/conftest.py), whose API port serves the pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.web.browse import KROON, KROON_EMPLOYER, choose_employer, launch, sign_in


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for this package's tests, closed after the last of them: while
    Playwright's sync API runs, its event loop is the thread's, and the tests that follow
    (asyncio.run) need none running."""
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser, stack) -> Iterator[BrowserContext]:
    """A new browser profile (no cookies) on the session's stack, in English."""
    opened = browser.new_context(base_url=stack.api, locale="en-US",
                                 viewport={"width": 1280, "height": 900})
    opened.set_default_timeout(15_000)
    yield opened
    opened.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


@pytest.fixture
def kroon(page) -> Page:
    """Brasserie De Kroon signed in with its client credentials, its register chosen."""
    sign_in(page, *KROON)
    choose_employer(page, KROON_EMPLOYER)
    return page
