"""Flexi at work (issue 23): the worked examples of the official instructions, through a
running stack of its own, by HTTP, batch files and the CLI as employers, a secretariat, a
sector fund, an auditor and an operator use them.

Before any payslip, each employer declares its flexi-jobbers' days by Dimona (worker type
FLX, with hours), so that the check "a Dimona FLX period of that employer and worker in the
calculation period" finds them. Then, with the worker's income counter of the income year
read after every step and compared with the count kept by hand here (`ByHand`):

1. a 50 EUR payslip, its correction to 55 EUR (modify: the counter shows 55, not 105) and
   its cancellation (the counter goes back to 0);
2. four weekly payslips of one month, four relations: the counter is their sum;
3. one worker both flexi worker (050) and flexi employee (450) in one month, as one
   situation with two capacities and as two relations: the counter sums both;
4. a sector fund's yearly premium (the fund is the debtor, by its NSSO number): counted in
   the income year of its calculation period;
5. a payslip without any Dimona FLX period in its calculation period (W, 00024-152, still
   counted); a calculation period over 31 December and the other refusals (B, never
   counted); the payslip of another employer, by its secretariat's batch file, counted in
   the same income while each employer's list shows only its own; a declarant without
   mandate (403 over HTTP, 90256-155 in a batch file); a retired flexi-jobber, who has no
   ceiling.

The payslips are of months of 2026 and all calculated today, so that none is late
(90900-460 counts from the calculation date's month). Every create, modify and cancel gets
an e-Box message; the audit log shows a situation; the scenario ends with a clean
`dimona rebuild --verify`.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.conftest import StackProcess, wait_until
from tests.e2e.workload import ssin

pytestmark = pytest.mark.e2e
KROON_ID, PARC_ID = 175110801, 197100119
KROON_NUMBER, SECRETARIAT_NUMBER = "0403170701", "0477472701"
KROON = {"Authorization": "Bearer kroon-secret-token"}
PARC = {"Authorization": "Bearer parc-secret-token"}
AUDITOR = {"Authorization": "Bearer auditor-secret-token"}
# loaded by the scenario: a sector fund (a debtor of its own) and a payroll office that
# holds no mandate; their check digits are identifiers.nsso_check's and be.vat's
FUND_ID, FUND_NUMBER = 123456749, "0451234595"
FUND = {"Authorization": "Bearer fund-secret-token"}
UNMANDATED_NUMBER = "0812345603"
UNMANDATED = {"Authorization": "Bearer unmandated-secret-token"}

WAGE, PREMIUM = "0001001000", "0002001000"
YEAR = 2026  # the income year of the payslips
CALCULATED = date.today()  # every payslip is calculated (and sent) today: none is late
CEILING_CENTS = {2024: 1_200_000, 2025: 1_800_000, 2026: 1_800_000}  # 2026 not confirmed
RETIRED_FROM = date(2025, 7, 1)  # retired before the income year: no ceiling at all
ONCE, WEEKLY, BOTH_CODES, TWO_RELATIONS, NO_DIMONA, RETIRED, REFUSED = (
    ssin(23_000 + n) for n in range(7))
RELATIONS = uuid.UUID("5b7d2f0e-6f1b-4c33-9d1e-0c2a4e6b8f10")


def relation(name: str) -> str:
    """A stable relation UUID per name (the sender's contract with the flexi-jobber)."""
    return str(uuid.uuid5(RELATIONS, name))


# --- payslip bodies ---------------------------------------------------------------------


def wage(cents: int) -> dict:
    return {"code": WAGE, "amountCents": cents}


def premium(cents: int, months: int) -> dict:
    return {"code": PREMIUM, "amountCents": cents, "frequencyMonths": months}


def capacity(*elements: dict, worker_code: str = "050", valid_from: date | None = None,
             valid_to: date | None = None) -> dict:
    """One capacity ("hoedanigheid") of the payslip: employer category 017 and the worker
    code, 050 (flexi worker) or 450 (flexi employee), with its amounts."""
    found = {"employerCategory": "017", "workerCode": worker_code,
             "financialElements": list(elements)}
    if valid_from:
        found["validFrom"] = valid_from.isoformat()
    if valid_to:
        found["validTo"] = valid_to.isoformat()
    return found


def payslip(debtor: dict, worker: str, contract: str, start: date, end: date,
            *capacities: dict, action: str = "create") -> dict:
    """A flexiWage situation: one payslip of `contract` (its relation) for the calculation
    period from `start` to `end`."""
    return {"action": action, "debtor": debtor, "beneficiary": {"ssin": worker},
            "relation": {"uuid": relation(contract), "reference": contract},
            "payslipReference": f"{contract}-{start:%Y%m%d}",
            "calculation": {"startDate": start.isoformat(), "endDate": end.isoformat(),
                            "calculationDate": CALCULATED.isoformat(),
                            "features": list(capacities)}}


def by_kroon(worker: str, contract: str, start: date, end: date, *capacities: dict,
             action: str = "create") -> dict:
    return payslip({"employerId": KROON_ID}, worker, contract, start, end, *capacities,
                   action=action)


def kroon_cancels(worker: str, contract: str) -> dict:
    return {"action": "cancel", "debtor": {"employerId": KROON_ID},
            "beneficiary": {"ssin": worker},
            "relation": {"uuid": relation(contract), "reference": contract}}


def flexi_day(employer: int, worker: str, day: date) -> dict:
    """The Dimona of one flexi evening (a one-day flexi: both hours). FLX is declared
    under the joint committee XXX: schemas/worker_types.json allows 302 only EXT, QUA and
    STX."""
    return {"employer": {"employerId": employer}, "worker": {"ssin": worker},
            "dimonaIn": {"startDate": day.isoformat(), "startHour": "1800",
                         "endDate": day.isoformat(), "endHour": "2300",
                         "features": {"jointCommissionNumber": "XXX",
                                      "workerType": "FLX"}}}


def month(number: int, year: int = YEAR) -> tuple[date, date]:
    first = date(year, number, 1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def codes(decided: dict) -> list[str]:
    return [a["code"] for a in decided["anomalies"]]


# --- the income counter, by hand ----------------------------------------------------------


class ByHand:
    """The income counter kept by hand: each situation's gross amount in cents (wages
    plus premiums), per worker and income year. A modify replaces the amount, a cancel
    removes it, a refusal changes nothing."""

    def __init__(self):
        self.situations: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)

    def set(self, worker: str, situation: str, cents: int, year: int = YEAR) -> None:
        self.situations[worker, year][situation] = cents

    def drop(self, worker: str, situation: str, year: int = YEAR) -> None:
        del self.situations[worker, year][situation]

    def total(self, worker: str, year: int = YEAR) -> int:
        return sum(self.situations[worker, year].values())


# --- what a declarant's software does over the REST API ----------------------------------


class Sender:
    def __init__(self, api: str, headers: dict):
        self.api, self.headers = api, headers
        self.tickets: list[int] = []

    def declare(self, body: dict) -> dict:
        """A Dimona, once decided: its declarationStatus."""
        answer = httpx.post(f"{self.api}/declarations", json=body, headers=self.headers)
        assert answer.status_code == 201, answer.text
        number = answer.json()["declarationId"]

        def decided():
            r = httpx.get(f"{self.api}/declarations/{number}", headers=self.headers)
            return r.json()["declarationStatus"] if r.status_code == 200 else None
        return wait_until(decided, 60, f"the result of {number}")

    def send(self, situation: dict) -> httpx.Response:
        return httpx.post(f"{self.api}/flexi-wages", json=situation, headers=self.headers)

    def decided(self, situation: dict) -> dict:
        """POST /flexi-wages, then GET /flexi-wages/{ticket} until decided (404 before)."""
        answer = self.send(situation)
        assert answer.status_code == 201, answer.text
        ticket = answer.json()["ticket"]
        assert answer.headers["Location"] == f"/flexi-wages/{ticket}"
        self.tickets.append(ticket)

        def decision():
            r = httpx.get(f"{self.api}/flexi-wages/{ticket}", headers=self.headers)
            assert r.status_code in (200, 404), r.text
            return r.json() if r.status_code == 200 else None
        return wait_until(decision, 60, f"the decision of ticket {ticket}")


def income(stack: StackProcess, worker: str, year: int = YEAR) -> dict:
    """The worker's income counter of the year, as the operator's CLI prints it."""
    return json.loads(stack.cli("flexi", "income", "--ssin", worker, "--year", str(year),
                                "--json").stdout)


def submit(stack: StackProcess, name: str, declarant: str, *situations: dict) -> list[dict]:
    """A batch file of flexiWage lines, sent and waited for: a result per line (JSON
    Lines)."""
    path = stack.home / name
    path.write_text("".join(json.dumps({"flexiWage": s}) + "\n" for s in situations))
    done = stack.cli("submit", str(path), "--as", declarant, "--wait", "--json")
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def flexi(tmp_path_factory) -> StackProcess:
    """A stack of its own (nobody's income counted yet), its directory completed with a
    sector fund, a payroll office without mandate and a retired flexi-jobber."""
    home = tmp_path_factory.mktemp("flexi-at-work")
    stack = StackProcess(home).start()
    extra = home / "flexi-directory.json"
    extra.write_text(json.dumps({
        "employers": [{"employerId": FUND_ID, "enterpriseNumber": FUND_NUMBER,
                       "name": "Sociaal Fonds Horeca"}],
        "declarants": [{"enterpriseNumber": FUND_NUMBER, "name": "Sociaal Fonds Horeca",
                        "token": "fund-secret-token"},
                       {"enterpriseNumber": UNMANDATED_NUMBER, "name": "Loonbureau Zonder",
                        "token": "unmandated-secret-token", "batchSender": True}],
        "flexiRetirements": [{"ssin": RETIRED, "retiredFrom": RETIRED_FROM.isoformat()}]}))
    stack.cli("directory", "load", str(extra))
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def scenario(flexi) -> dict:
    """The whole scenario, in the order employers would send it; each step keeps the
    decision, the counter read right after it and the count by hand at that moment."""
    kroon, parc, fund = (Sender(flexi.api, h) for h in (KROON, PARC, FUND))
    by_hand, seen = ByHand(), defaultdict(list)

    def step(name: str, sender: Sender, situation: dict) -> dict:
        worker = situation["beneficiary"]["ssin"]
        decision = sender.decided(situation)
        seen[name].append({"decision": decision, "income": income(flexi, worker),
                           "by hand": by_hand.total(worker), "at": datetime.now(UTC)})
        return decision

    # The flexi evenings, declared by Dimona after the work: late (a warning), still periods
    evenings = {ONCE: [date(2026, 7, 10)],
                WEEKLY: [date(2026, 6, d) for d in (5, 12, 19, 26)],
                BOTH_CODES: [date(2026, 5, 8), date(2026, 5, 22)],
                TWO_RELATIONS: [date(2026, 5, 8), date(2026, 5, 22)],
                NO_DIMONA: [date(2026, 3, 20)],  # March only; its payslip is April's
                RETIRED: [date(2026, 9, 4)],
                REFUSED: [date(2026, 1, 9), date(2026, 7, 17)]}
    seen["dimona"] = [kroon.declare(flexi_day(KROON_ID, w, d))
                      for w, days in evenings.items() for d in days]
    seen["dimona"].append(parc.declare(flexi_day(PARC_ID, WEEKLY, date(2026, 6, 13))))

    # 1. 50 EUR for July, corrected to 55 EUR, then cancelled
    by_hand.set(ONCE, "july", 5000)
    step("1", kroon, by_kroon(ONCE, "contract-12", *month(7), capacity(wage(5000))))
    by_hand.set(ONCE, "july", 5500)
    step("1", kroon, by_kroon(ONCE, "contract-12", *month(7), capacity(wage(5500)),
                              action="modify"))
    by_hand.drop(ONCE, "july")
    step("1", kroon, kroon_cancels(ONCE, "contract-12"))

    # 2. four weekly payslips of June 2026 (Monday 1 to Sunday 28), one relation a week
    for week, cents in enumerate((6525, 13050, 7830, 9788)):
        start = date(2026, 6, 1) + timedelta(weeks=week)
        by_hand.set(WEEKLY, f"week {week + 1}", cents)
        step("2", kroon, by_kroon(WEEKLY, f"week-{week + 1}", start,
                                  start + timedelta(days=6), capacity(wage(cents))))

    # 3. flexi worker (050) until 15 May, flexi employee (450) after: one situation with
    # two capacities ...
    by_hand.set(BOTH_CODES, "may", 8000 + 9000)
    step("3", kroon, by_kroon(BOTH_CODES, "may", *month(5),
                              capacity(wage(8000), valid_to=date(2026, 5, 15)),
                              capacity(wage(9000), worker_code="450",
                                       valid_from=date(2026, 5, 16))))
    # ... and the same month as two relations, one per capacity
    by_hand.set(TWO_RELATIONS, "may as a worker", 8000)
    step("3 variant", kroon, by_kroon(TWO_RELATIONS, "may-050", *month(5),
                                      capacity(wage(8000))))
    by_hand.set(TWO_RELATIONS, "may as an employee", 9000)
    step("3 variant", kroon, by_kroon(TWO_RELATIONS, "may-450", *month(5),
                                      capacity(wage(9000), worker_code="450")))

    # 4. the sector fund's yearly premium to the weekly worker, paid in November
    by_hand.set(WEEKLY, "the fund's premium", 25000)
    step("4", fund, payslip({"employerId": FUND_ID}, WEEKLY, "premium-2026", *month(11),
                            capacity(premium(25000, 12))))

    # 5. April's payslip, and Dimona FLX only in March
    by_hand.set(NO_DIMONA, "april", 4000)
    step("5 no dimona", kroon, by_kroon(NO_DIMONA, "april", *month(4),
                                        capacity(wage(4000))))
    # refused, never counted
    for name, situation in {
            "over 31 December": by_kroon(REFUSED, "new year", date(2025, 12, 15),
                                         date(2026, 1, 14), capacity(wage(3000))),
            "a create again": by_kroon(WEEKLY, "week-1", date(2026, 6, 1),
                                       date(2026, 6, 7), capacity(wage(3000))),
            "worker code": by_kroon(REFUSED, "code", *month(7),
                                    capacity(wage(3000), worker_code="015")),
            "negative": by_kroon(REFUSED, "negative", *month(7), capacity(wage(-3000))),
            "frequency on a wage": by_kroon(REFUSED, "frequency", *month(7), capacity(
                {**wage(3000), "frequencyMonths": 1}))}.items():
        step(name, kroon, situation)
    seen["2025 after the refusal over 31 December"] = income(flexi, REFUSED, 2025)

    # Hôtel du Parc pays the weekly worker too, in a batch file its secretariat sends
    by_hand.set(WEEKLY, "parc's june", 5220)
    seen["parc's batch"] = submit(flexi, "parc-june.jsonl", SECRETARIAT_NUMBER, payslip(
        {"employerId": PARC_ID}, WEEKLY, "parc-june", *month(6), capacity(wage(5220))))
    seen["after parc's batch"] = {"income": income(flexi, WEEKLY),
                                  "by hand": by_hand.total(WEEKLY)}

    # a payroll office without mandate for Kroon, over HTTP and in a batch file
    without = by_kroon(REFUSED, "no-mandate", *month(7), capacity(wage(3000)))
    seen["no mandate over HTTP"] = Sender(flexi.api, UNMANDATED).send(without)
    seen["no mandate in a batch"] = submit(flexi, "no-mandate.jsonl", UNMANDATED_NUMBER,
                                           without)
    seen["after no mandate"] = income(flexi, REFUSED)

    # a retired flexi-jobber: counted, and no ceiling
    by_hand.set(RETIRED, "september", 150_000)
    step("5 retired", kroon, by_kroon(RETIRED, "september", *month(9),
                                      capacity(wage(150_000))))
    seen["tickets"] = {"kroon": kroon.tickets, "fund": fund.tickets}
    return seen


def readings(scenario: dict, name: str) -> list[tuple]:
    """(result, anomaly codes, counted, counted by hand) after each step of one example."""
    return [(s["decision"]["result"], codes(s["decision"]), s["income"]["totalCents"],
             s["by hand"]) for s in scenario[name]]


def test_the_flexi_evenings_are_declared_by_dimona_first(scenario):
    """Declared after the work: accepted with the late warning, each an FLX period."""
    assert [(r["result"], codes(r)) for r in scenario["dimona"]] == [
        ("W", ["90373-460"])] * 14


def test_1_a_payslip_corrected_then_cancelled(flexi, scenario):
    """50 EUR, then 55 EUR: a modify replaces the situation, the counter shows 55 EUR, not
    105; the cancel takes it out."""
    assert readings(scenario, "1") == [("A", [], 5000, 5000), ("A", [], 5500, 5500),
                                       ("A", [], 0, 0)]
    created, modified, cancelled = (s["decision"] for s in scenario["1"])
    assert [d["action"] for d in (created, modified, cancelled)] == [
        "create", "modify", "cancel"]
    key = f"{KROON_ID}:{ONCE}:{relation('contract-12')}"
    assert {d["situationKey"] for d in (created, modified, cancelled)} == {key}
    # GET /flexi-wages/{ticket}: the situation as the ticket left it
    assert [(d["situation"]["ticket"], d["situation"]["version"], d["situation"]["cancelled"],
             d["situation"]["wagesCents"], d["situation"]["year"])
            for d in (created, modified, cancelled)] == [
        (created["ticket"], 1, False, 5000, YEAR), (modified["ticket"], 2, False, 5500, YEAR),
        (cancelled["ticket"], 3, True, 5500, YEAR)]
    assert modified["situation"]["calculation"]["features"] == [capacity(wage(5500))]
    # the operator's CLI shows the same decision
    assert json.loads(flexi.cli("flexi", "status", str(modified["ticket"]), "--json").stdout
                      ) == modified
    # the auditor's HTTP counter is the CLI's; nobody else reads it
    url = f"{flexi.api}/flexi-income"
    by_http = httpx.get(url, params={"ssin": ONCE, "year": YEAR}, headers=AUDITOR)
    assert by_http.status_code == 200, by_http.text
    assert by_http.json() == income(flexi, ONCE)
    assert httpx.get(url, params={"ssin": ONCE, "year": YEAR},
                     headers=KROON).status_code == 403


def test_1_the_operator_reads_flexi_at_work_as_of_a_moment(flexi, scenario):
    """`--as-of` (issue 28): the counter and the tickets as they stood after the modify,
    replayed from the event store, are what the operator read then; the cancel, decided
    after that moment, was not."""
    _, modified, cancelled = scenario["1"]
    at = ["--as-of", modified["at"].isoformat()]
    assert json.loads(flexi.cli("flexi", "income", "--ssin", ONCE, "--year", str(YEAR),
                                *at, "--json").stdout) == modified["income"]
    assert json.loads(flexi.cli("flexi", "status", str(modified["decision"]["ticket"]), *at,
                                "--json").stdout) == modified["decision"]
    later = flexi.cli("flexi", "status", str(cancelled["decision"]["ticket"]), *at,
                      check=False)
    assert later.returncode == 1 and "at " + modified["at"].isoformat() in later.stderr


def test_2_weekly_payslips_add_up(scenario):
    assert readings(scenario, "2") == [("A", [], c, c) for c in (
        6525, 6525 + 13050, 6525 + 13050 + 7830, 6525 + 13050 + 7830 + 9788)]


def test_3_a_worker_both_050_and_450_in_one_month(scenario):
    assert readings(scenario, "3") == [("A", [], 17000, 17000)]
    [step] = scenario["3"]
    assert [(f["workerCode"], f.get("validFrom"), f.get("validTo"))
            for f in step["decision"]["situation"]["calculation"]["features"]] == [
        ("050", None, "2026-05-15"), ("450", "2026-05-16", None)]
    assert readings(scenario, "3 variant") == [("A", [], 8000, 8000),
                                               ("A", [], 17000, 17000)]


def test_4_a_sector_funds_yearly_premium_counts_in_the_income_year(flexi, scenario):
    """The fund declares no Dimona: its payslips always get the warning (docs/rules.md,
    "A sector fund as debtor"), and count."""
    weeks = 6525 + 13050 + 7830 + 9788
    assert readings(scenario, "4") == [("W", ["00024-152"], weeks + 25000, weeks + 25000)]
    [step] = scenario["4"]
    assert (step["income"]["wagesCents"], step["income"]["premiumsCents"]) == (weeks, 25000)
    assert [(s["year"], s["premiumsCents"]) for s in step["income"]["situations"]
            if s["debtorKey"] == str(FUND_ID)] == [(YEAR, 25000)]
    assert income(flexi, WEEKLY, YEAR + 1)["totalCents"] == 0


def test_5_a_payslip_without_a_flexi_dimona_is_warned_and_counted(scenario):
    assert readings(scenario, "5 no dimona") == [("W", ["00024-152"], 4000, 4000)]


def test_5_refused_payslips_are_never_counted(scenario):
    weeks_and_premium = 6525 + 13050 + 7830 + 9788 + 25000
    assert readings(scenario, "over 31 December") == [("B", ["90900-421"], 0, 0)]
    assert scenario["2025 after the refusal over 31 December"]["totalCents"] == 0
    assert readings(scenario, "a create again") == [
        ("B", ["90900-333"], weeks_and_premium, weeks_and_premium)]
    assert [readings(scenario, name) for name in ("worker code", "negative",
                                                  "frequency on a wage")] == [
        [("B", ["01905-003"], 0, 0)], [("B", ["01907-008"], 0, 0)],
        [("B", ["01908-005"], 0, 0)]]
    # a refused create leaves no situation
    assert [s["decision"]["situation"] for s in scenario["worker code"]] == [None]


def test_5_another_employers_payslip_counts_in_the_same_income(flexi, scenario):
    [line] = scenario["parc's batch"]
    assert (line["line"], line["declarationType"], line["result"], line["anomalies"]) == (
        1, "FLEXI_WAGE", "A", [])
    after = scenario["after parc's batch"]
    assert after["income"]["totalCents"] == after["by hand"] == (
        6525 + 13050 + 7830 + 9788 + 25000 + 5220)
    assert sorted(s["debtorKey"] for s in after["income"]["situations"]) == sorted(
        [str(KROON_ID)] * 4 + [str(FUND_ID), str(PARC_ID)])
    # each employer's list shows only its own situations
    listed = {employer: json.loads(flexi.cli("flexi", "list", "--employer", str(employer),
                                             "--json").stdout)
              for employer in (KROON_ID, PARC_ID)}
    assert [(t["ticket"], t["relation"]["reference"], t["totalCents"])
            for t in listed[PARC_ID]] == [(line["declarationId"], "parc-june", 5220)]
    assert {t["debtor"]["employerId"] for t in listed[KROON_ID]} == {KROON_ID}
    # Kroon's own tickets, and the one a declarant without its mandate sent in its name
    [unmandated] = scenario["no mandate in a batch"]
    assert sorted(t["ticket"] for t in listed[KROON_ID]) == sorted(
        scenario["tickets"]["kroon"] + [unmandated["declarationId"]])
    assert {t["status"] for t in listed[KROON_ID]} == {"A", "W", "B"}  # none pending
    assert all(t["status"] == t["result"] for t in listed[KROON_ID])
    weekly = [t for t in listed[KROON_ID] if t["ssin"] == WEEKLY and t["result"] == "A"]
    assert [(t["relation"]["reference"], t["totalCents"]) for t in weekly] == [
        ("week-1", 6525), ("week-2", 13050), ("week-3", 7830), ("week-4", 9788)]
    # the same list over HTTP, for the employer
    by_http = httpx.get(f"{flexi.api}/flexi-wages", params={"employer": str(PARC_ID)},
                        headers=PARC)
    assert by_http.status_code == 200, by_http.text
    assert by_http.json()["items"] == listed[PARC_ID]


def test_5_a_declarant_without_mandate_is_refused(flexi, scenario):
    """Over HTTP, the edge answers 403 before anything is recorded; in a batch file the
    line is numbered and refused by the validator. Neither counts."""
    assert scenario["no mandate over HTTP"].status_code == 403
    # nor may anyone without a token (no non-secured channel), nor an auditor
    body = by_kroon(REFUSED, "no-token", *month(7), capacity(wage(3000)))
    assert httpx.post(f"{flexi.api}/flexi-wages", json=body).status_code == 401
    assert httpx.post(f"{flexi.api}/flexi-wages", json=body,
                      headers=AUDITOR).status_code == 403
    [line] = scenario["no mandate in a batch"]
    assert (line["result"], [a["code"] for a in line["anomalies"]]) == ("B", ["90256-155"])
    assert scenario["after no mandate"]["totalCents"] == 0


def test_5_a_retired_flexi_jobber_has_no_ceiling(scenario):
    assert readings(scenario, "5 retired") == [("A", [], 150_000, 150_000)]
    [step] = scenario["5 retired"]
    assert (step["income"]["retiredFrom"], step["income"]["ceilingCents"],
            step["income"]["leftCents"]) == (RETIRED_FROM.isoformat(), None, None)


def test_the_ceiling_and_what_is_left(flexi, scenario):
    counted = 6525 + 13050 + 7830 + 9788 + 25000 + 5220
    reading = income(flexi, WEEKLY)
    assert (reading["ceilingCents"], reading["ceilingConfirmed"]) == (
        CEILING_CENTS[YEAR], False)
    assert (reading["subjectCents"], reading["leftCents"], reading["exceededCents"]) == (
        counted, CEILING_CENTS[YEAR] - counted, 0)
    for year in (2024, 2025):
        nothing = income(flexi, WEEKLY, year)
        assert (nothing["totalCents"], nothing["ceilingCents"], nothing["leftCents"],
                nothing["ceilingConfirmed"]) == (0, CEILING_CENTS[year], CEILING_CENTS[year],
                                                 True)


def test_the_worker_at_an_employer_flexi_at_work_and_dimona_periods(flexi, scenario):
    view = json.loads(flexi.cli("flexi", "worker", "--employer", str(KROON_ID), "--ssin",
                                NO_DIMONA, "--json").stdout)
    [april] = (s["decision"] for s in scenario["5 no dimona"])
    assert [(t["ticket"], t["status"], t["anomalies"]) for t in view["flexiAtWork"]] == [
        (april["ticket"], "W", ["00024-152"])]
    assert [(s["startDate"], s["totalCents"]) for s in view["situations"]] == [
        ("2026-04-01", 4000)]
    assert [(p["workerType"], p["startDate"]) for p in view["dimonaPeriods"]] == [
        ("FLX", "2026-03-20")]
    by_http = httpx.get(f"{flexi.api}/flexi-wages/workers/{NO_DIMONA}",
                        params={"employer": str(KROON_ID)}, headers=KROON)
    assert by_http.status_code == 200, by_http.text
    assert by_http.json() == view
    assert httpx.get(f"{flexi.api}/flexi-wages/workers/{NO_DIMONA}",
                     params={"employer": str(KROON_ID)}, headers=PARC).status_code == 404


def test_each_create_modify_and_cancel_gets_an_ebox_message(flexi, scenario):
    for declarant, tickets in ((KROON_NUMBER, scenario["tickets"]["kroon"]),
                               (FUND_NUMBER, scenario["tickets"]["fund"])):
        def confirmed(declarant=declarant, tickets=tickets):
            messages = json.loads(flexi.cli("ebox", "list", "--declarant", declarant,
                                            "--limit", "1000", "--json").stdout)
            mine = [m for m in messages if m["declarationId"] in tickets]
            return mine if len(mine) >= len(tickets) else None
        messages = wait_until(confirmed, 60, f"an e-Box message per ticket of {declarant}")
        assert sorted(m["declarationId"] for m in messages) == sorted(tickets)  # each once
    # the correction's message shows the situation before and after
    modify = scenario["1"][1]["decision"]["ticket"]
    [message] = [m for m in json.loads(flexi.cli(
        "ebox", "list", "--declarant", KROON_NUMBER, "--limit", "1000", "--json").stdout)
        if m["declarationId"] == modify]
    content = json.loads(flexi.cli("ebox", "show", message["messageId"], "--json").stdout
                         )["content"]
    assert (content["declarations"]["action"], content["situationBefore"]["wagesCents"],
            content["situationAfter"]["wagesCents"]) == ("modify", 5000, 5500)


def test_the_audit_log_shows_the_situation(flexi, scenario):
    created, modified = (s["decision"]["ticket"] for s in scenario["1"][:2])

    def logged():
        done = flexi.cli("audit", "log", "--declaration", str(modified), "--json")
        events = [json.loads(line) for line in done.stdout.splitlines()]
        return events if [e["event"] for e in events] == ["received", "decided",
                                                          "notified"] else None
    received, decided, notified = wait_until(logged, 60, "the audit log of the modify")
    key = f"{KROON_ID}:{ONCE}:{relation('contract-12')}"
    assert (received["declarationType"], received["action"], received["situationKey"],
            received["ssin"], received["via"]) == ("FLEXI_WAGE", "modify", key, ONCE,
                                                   "POST /flexi-wages")
    assert decided["result"] == "A"
    assert [(s["ticket"], s["wagesCents"], s["version"])
            for s in (decided["situationBefore"], decided["situationAfter"])] == [
        (created, 5000, 1), (modified, 5500, 2)]
    assert notified["channel"] == "ebox"


def test_the_rebuilt_register_equals_the_live_one(flexi, scenario):
    """Last: after every situation of the scenario."""
    done = flexi.cli("rebuild", "--verify", "--json", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
