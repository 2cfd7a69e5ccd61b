"""`dimona flexi list|status|worker|income` (issue 23): JSON, CSV and tables for people, over
fixed answers given to tests/unit/test_cli_output.py's fake client."""

import contextlib
import csv
import io
import json

import pytest

from tests.unit.situations import calculation
from tests.unit.test_cli_output import EMPLOYER, PERIOD_ROW, FakeClient, run  # noqa: F401

TRANSFER = {"ticket": 680725500117, "status": "W", "result": "W", "action": "modify",
            "receivedAt": "2026-08-03T10:00:00+02:00", "anomalies": ["00024-152"],
            "situationKey": "175110801:85073003328:018e32eb-0d2e-7792-bea7-ef3dc24b404f",
            "debtor": {"employerId": 175110801}, "ssin": "85073003328",
            "familyName": "Maes", "givenName": "Zoë",
            "relation": {"uuid": "018e32eb-0d2e-7792-bea7-ef3dc24b404f",
                         "reference": "contract-12"},
            "payslipReference": "ABC123456789", "year": 2026, "startDate": "2026-07-01",
            "endDate": "2026-07-31", "calculationDate": "2026-08-02",
            "capacities": calculation()["features"], "wagesCents": 9400,
            "premiumsCents": 5000, "totalCents": 14400, "cancelled": False, "version": 2}
PENDING = {**TRANSFER, "ticket": 680725500216, "status": "pending", "result": None,
           "anomalies": [], "cancelled": None, "version": None}
SITUATION = {"situationKey": TRANSFER["situationKey"], "ticket": 680725500117, "year": 2026,
             "wagesCents": 9400, "premiumsCents": 5000, "cancelled": False, "version": 2,
             "calculation": calculation()}
INCOME = {"ssin": "85073003328", "year": 2026, "wagesCents": 9400, "premiumsCents": 5000,
          "totalCents": 14400, "retiredFrom": None, "subjectCents": 14400,
          "ceilingCents": 1_800_000, "ceilingConfirmed": False, "ceilingSource": "indexed",
          "leftCents": 1_785_600, "exceededCents": 0,
          "situations": [{"debtorKey": "175110801", "ticket": 680725500117,
                          "relationReference": "contract-12", "startDate": "2026-07-01",
                          "endDate": "2026-07-31", "wagesCents": 9400, "premiumsCents": 5000,
                          "totalCents": 14400, "retired": False}]}


class FakeFlexi:
    def __init__(self):
        self.asked = []

    def transfers(self, employer, filters, page):
        self.asked.append((employer, filters, page))
        return {"employer": EMPLOYER, "criteria": filters.criteria(), "total": 2,
                "offset": page.offset, "limit": page.limit, "items": [TRANSFER, PENDING]}

    def decision(self, ticket):
        if ticket != 680725500117:
            return None
        return {"answer": {"ticket": ticket, "action": "modify", "result": "W",
                           "anomalies": [{"code": "00024-152", "severity": "NP",
                                          "labelEn": "no employment relation"}],
                           "situationKey": TRANSFER["situationKey"], "situation": SITUATION,
                           "receivedAt": TRANSFER["receivedAt"]},
                "declarant": "0403170701", "employerKey": "175110801"}

    def worker(self, employer, ssin):
        return {"employer": EMPLOYER, "worker": {"ssin": ssin, "familyName": "Maes",
                                                 "givenName": "Zoë"},
                "flexiAtWork": [TRANSFER], "situations": [SITUATION],
                "dimonaPeriods": [PERIOD_ROW]}

    def income(self, ssin, year):
        return {**INCOME, "ssin": ssin, "year": year}


@pytest.fixture(autouse=True)
def flexi(monkeypatch):
    views = FakeFlexi()

    def flexi_at(client, moment, progress=None, **whose):
        """Flexi at work now (as of a moment: tests/e2e/test_flexi_at_work.py)."""
        assert moment is None
        return contextlib.nullcontext(views)
    monkeypatch.setattr(FakeClient, "flexi_at", flexi_at, raising=False)
    return views


def test_list_as_json_csv_and_a_table(run, flexi):  # noqa: F811
    done = run("flexi", "list", "--employer", "175110801", "--ssin", "85073003328", "--year",
               "2026", "--from", "2026-07-01", "--to", "2026-07-31", "--limit", "5", "--json")
    assert done.exit_code == 0 and json.loads(done.output) == [TRANSFER, PENDING]
    [(employer, filters, page)] = flexi.asked
    assert (employer, filters.ssin, filters.year, str(filters.start_from),
            str(filters.start_to), page.limit, page.offset) == (
        "175110801", "85073003328", 2026, "2026-07-01", "2026-07-31", 5, 0)
    rows = list(csv.reader(io.StringIO(run("flexi", "list", "--employer", "175110801",
                                           "--csv").output)))
    assert rows[0][:4] == ["status", "ticket", "action", "receivedAt"]
    assert [r[0] for r in rows[1:]] == ["W", "pending"]
    shown = run("flexi", "list", "--employer", "175110801").output
    for text in ("680725500216", "pending", "Maes Zoë", "contract-12", "94.00", "50.00",
                 "00024-152", "2026-07-01 - 2026-07-31", "1 to 2 of 2 results"):
        assert text in shown, text


def test_list_takes_one_format_and_both_dates(run):  # noqa: F811
    assert run("flexi", "list", "--employer", "1", "--json", "--csv").exit_code == 2
    assert run("flexi", "list", "--employer", "1", "--from", "2026-07-01").exit_code == 2


def test_status_of_a_ticket(run):  # noqa: F811
    answer = json.loads(run("flexi", "status", "680725500117", "--json").output)
    assert (answer["result"], answer["situation"]["version"]) == ("W", 2)
    shown = run("flexi", "status", "680725500117").output
    for text in ("680725500117 FLEXI_WAGE modify W", "00024-152 (NP)", "017/050",
                 "wages 94.00 premiums 50.00 EUR", "version 2"):
        assert text in shown, text
    missing = run("flexi", "status", "1")
    assert missing.exit_code == 1 and "no decision for ticket 1 (yet)" in missing.stderr


def test_worker_shows_both_sections(run):  # noqa: F811
    view = json.loads(run("flexi", "worker", "--employer", "175110801", "--ssin",
                          "85073003328", "--json").output)
    assert (view["flexiAtWork"], view["dimonaPeriods"]) == ([TRANSFER], [PERIOD_ROW])
    shown = run("flexi", "worker", "--employer", "175110801", "--ssin", "85073003328").output
    for text in ("Flexi at work:", "Dimona periods:", "680725500117", "contract-12"):
        assert text in shown, text


def test_income_with_its_ceiling(run):  # noqa: F811
    assert json.loads(run("flexi", "income", "--ssin", "85073003328", "--year", "2026",
                          "--json").output) == INCOME
    shown = run("flexi", "income", "--ssin", "85073003328", "--year", "2026").output
    for text in ("85073003328 income 2026: wages 94.00 + premiums 50.00 = 144.00 EUR",
                 "ceiling 18,000.00 EUR (amount NOT CONFIRMED): counted 144.00, left "
                 "17,856.00", "175110801"):
        assert text in shown, text


def test_income_of_a_retired_flexi_jobber(run, flexi, monkeypatch):  # noqa: F811
    monkeypatch.setattr(flexi, "income", lambda ssin, year: {
        **INCOME, "retiredFrom": "2025-01-01", "ceilingCents": None, "leftCents": None,
        "ceilingConfirmed": None, "exceededCents": None})
    shown = run("flexi", "income", "--ssin", "85073003328", "--year", "2026").output
    assert "ceiling: none (retired from 2025-01-01)" in shown
