"""What the browser tests and the screenshot script share: launching Chromium, signing in
and choosing the employer on the pages, declaring by REST and waiting for the result.

Chromium: Debian's (/usr/bin/chromium, which `make test` installs with apt-get when run as
root), else Playwright's own download (`playwright install chromium`, the Makefile's
fallback). The flags keep it from reaching the network on its own (a closed network
refuses those connections and stalls it)."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, Playwright

from tests.conftest import wait_until

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

KROON = ("0403170701", "kroon-secret-token")
SECRETARIAT = ("0477472701", "secretariat-secret-token")
PARC = ("0876543270", "parc-secret-token")
AUDITOR = ("Inspectie", "auditor-secret-token")
KROON_EMPLOYER, PARC_EMPLOYER = "175110801", "197100119"


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM) if CHROMIUM.exists() else None, args=ARGS)


def sign_in(page: Page, client_id: str, secret: str) -> None:
    """The sign-in form filled and sent; signed in (else the assertion says why)."""
    page.goto("/web/sign-in")
    page.fill("#clientId", client_id)
    page.fill("#secret", secret)
    with page.expect_navigation():
        page.click("form[action='/web/sign-in'] button[type=submit]")
    assert "/web/sign-in" not in page.url, page.inner_text("main")


def choose_employer(page: Page, number: str) -> None:
    """The employer's choice: a declarant's radio button, an auditor's number."""
    if not page.url.endswith("/web/employer"):
        page.goto("/web/employer")
    if page.locator("input#employer").count():
        page.fill("input#employer", number)
    else:
        page.check(f"input[name=employer][value='{number}']")
    with page.expect_navigation():
        page.click("form[action='/web/employer'] button[type=submit]")
    assert page.url.endswith("/web/employees"), page.url


def declare(api: str, body: dict, token: str = KROON[1]) -> int:
    """A declaration by REST (as a payroll package does): its number."""
    answer = httpx.post(f"{api}/declarations", json=body,
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def decided(api: str, number: int, token: str = KROON[1]) -> dict:
    """The declaration's status once decided (REST)."""
    def status() -> dict | None:
        answer = httpx.get(f"{api}/declarations/{number}",
                           headers={"Authorization": f"Bearer {token}"})
        return answer.json()["declarationStatus"] if answer.status_code == 200 else None
    return wait_until(status, 60, f"the result of declaration {number}")


def ebox_message(api: str, number: int, employer: str = KROON_EMPLOYER,
                 token: str = KROON[1]) -> dict:
    """The e-Box message of a declaration, once the notifier has written it."""
    def page(**params) -> dict:
        answer = httpx.get(f"{api}/ebox/messages", params={"employer": employer, **params},
                           headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def found() -> dict | None:  # the newest (oldest first: the last page)
        total = page(limit=1)["total"]
        return next((m for m in page(limit=100, offset=max(total - 100, 0))["items"]
                     if m["declarationId"] == number), None)
    return wait_until(found, 60, f"the e-Box message of declaration {number}")


def statuses_filled(page: Page, table: str = "confirmation") -> list[tuple[int, str]]:
    """On a confirmation of receipt (`table`: its id): each row's declaration number and
    status once every one is decided. The confirmation of a declaration fills them in by
    its script, without a reload (checked); the others reload themselves meanwhile."""
    scripted = table == "confirmation"
    if scripted:
        page.evaluate("window.notReloaded = true")
    page.wait_for_selector(f"table#{table}:not([data-pending])", timeout=60_000)
    if scripted:
        assert page.evaluate("window.notReloaded") is True, "filled in without a reload"
    rows = page.locator(f"table#{table} tbody tr")
    return [(int(rows.nth(i).get_attribute("data-id")),
             rows.nth(i).locator("td.status").inner_text().strip())
            for i in range(rows.count())]
