"""The screenshots of the web pages that the README shows (docs/screenshots/*.png, 1280x900,
in English, dates as dd/mm/yyyy): the entry page, sign-in, the Employees tab, the last
step of adding an employee, the confirmation of receipt, the search's results, a period, a
declaration, an e-Box message and Flexi at work.

    .venv/bin/python -m tests.e2e.web.screenshots               # on a stack of its own
    .venv/bin/python -m tests.e2e.web.screenshots --api URL     # on a running one (make run)
    .venv/bin/python -m tests.e2e.web.screenshots --out DIR     # elsewhere than docs/screenshots

It declares as Brasserie De Kroon (by REST and on the pages) a few workers, an OUT, a
flexi-jobber's evening and its payslip, then signs in with Kroon's client credentials and
saves each page. Chromium as the browser tests launch it (tests/e2e/web/browse.py)."""

from __future__ import annotations

import argparse
import random
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from tests.conftest import ROOT, StackProcess
from tests.e2e.web.browse import (
    KROON,
    KROON_EMPLOYER,
    choose_employer,
    decided,
    declare,
    launch,
    sign_in,
    statuses_filled,
)

SIZE = {"width": 1280, "height": 900}
WORKERS = [("Peeters", "Lotte"), ("Janssens", "Noah"), ("Maes", "Emma"),
           ("Jacobs", "Arthur"), ("Willems", "Louise"), ("Claes", "Jules")]


def ssin_of(rng: random.Random) -> str:
    base = f"8{rng.randint(0, 9)}0{rng.randint(1, 9)}{rng.randint(10, 28)}{rng.randint(1, 997):03d}"
    return base + f"{97 - int(base) % 97:02d}"


def employee(ssin: str, family: str, given: str, start: date, worker_type: str = "OTH",
             hours: tuple[str, str] | None = None) -> dict:
    din: dict = {"startDate": start.isoformat(),
                 "features": {"jointCommissionNumber": "XXX", "workerType": worker_type}}
    if hours:
        din.update(startHour=hours[0], endDate=start.isoformat(), endHour=hours[1])
    return {"employer": {"employerId": int(KROON_EMPLOYER)},
            "worker": {"ssin": ssin, "familyName": family, "givenName": given},
            "dimonaIn": din}


def payslip(ssin: str, day: date) -> dict:
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return {"flexiWage": {
        "action": "create", "debtor": {"employerId": int(KROON_EMPLOYER)},
        "beneficiary": {"ssin": ssin},
        "relation": {"uuid": str(uuid.uuid4()), "reference": "contract-1"},
        "payslipReference": f"payslip-{first:%Y%m}",
        "calculation": {"startDate": first.isoformat(), "endDate": last.isoformat(),
                        "calculationDate": date.today().isoformat(),
                        "features": [{"employerCategory": "017", "workerCode": "050",
                                      "financialElements": [
                                          {"code": "0001001000", "amountCents": 9450}]}]}}}


def seed(api: str) -> dict:
    """Kroon's workers (all decided), an OUT, a flexi evening and its payslip."""
    rng = random.Random()
    start = date.today() + timedelta(days=14)
    workers = [(ssin_of(rng), family, given) for family, given in WORKERS]
    numbers = [declare(api, employee(s, f, g, start + timedelta(days=i)))
               for i, (s, f, g) in enumerate(workers)]
    evening = start + timedelta(days=2)
    flexi = ssin_of(rng)
    numbers.append(declare(api, employee(flexi, "Aerts", "Flor", evening, "FLX",
                                         ("1800", "2300"))))
    for number in numbers:
        assert decided(api, number)["result"] in ("A", "W"), number
    out = declare(api, {"dimonaOut": {"periodId": numbers[1],
                                      "endDate": (start + timedelta(days=60)).isoformat()}})
    ticket = declare(api, payslip(flexi, evening))
    decided(api, out), decided(api, ticket)
    return {"workers": workers, "periods": numbers, "out": out, "flexi": flexi}


def shoot(page: Page, out: Path, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"{out / name}.png")


def shots(api: str, out: Path) -> None:
    seeded = seed(api)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_context(base_url=api, viewport=SIZE, locale="en-GB").new_page()
        page.goto("/")
        shoot(page, out, "entry")
        page.goto("/web/sign-in")
        page.fill("#clientId", KROON[0])
        shoot(page, out, "sign-in")
        sign_in(page, *KROON)
        choose_employer(page, KROON_EMPLOYER)
        page.goto("/web/employees")
        shoot(page, out, "employees")

        page.click("a#add-employee")
        page.fill("#ssin", ssin_of(random.Random()))
        for step, action in (("worker", None), ("committee", ("#jc", "XXX")),
                             ("type", ("#workerType", "OTH"))):
            if action:
                page.select_option(*action)
            with page.expect_navigation():
                page.click(f"form#add-{step} button#next")
        page.fill("#startDate", (date.today() + timedelta(days=30)).isoformat())
        with page.expect_navigation():
            page.click("form#add-period button#next")
        page.fill("#employerRef", "payroll-2041")
        shoot(page, out, "add-employee")  # the overview (a date field shows the
        with page.expect_navigation():   # browser's own format, not dd/mm/yyyy)
            page.click("form#add-overview button#confirm")
        statuses_filled(page)
        page.reload()  # decided: the type too
        shoot(page, out, "confirmation")

        page.locator("nav.tabs").get_by_role("link", name="Search").click()
        page.check("#presentation-periods")
        page.check("#when-full")
        with page.expect_navigation():
            page.click("#search-submit")
        page.evaluate("document.getElementById('results').scrollIntoView()")
        shoot(page, out, "search")
        page.goto(f"/web/periods/{seeded['periods'][1]}")  # an IN and its OUT
        page.evaluate("document.getElementById('period-block').scrollIntoView()")
        shoot(page, out, "period")
        page.goto(f"/web/declarations/{seeded['out']}")
        page.evaluate("document.getElementById('technical').scrollIntoView()")
        shoot(page, out, "declaration")

        page.goto("/web/ebox")
        page.locator("main table").first.locator("a").first.click()
        shoot(page, out, "ebox-message")

        page.goto("/web/flexi")
        shoot(page, out, "flexi")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", help="a running stack's API (default: start one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if args.api:
        httpx.get(f"{args.api}/health", timeout=5).raise_for_status()
        shots(args.api.rstrip("/"), args.out)
        return
    with tempfile.TemporaryDirectory(prefix="dimona-screenshots-") as home:
        stack = StackProcess(Path(home)).start()
        try:
            shots(stack.api, args.out)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
