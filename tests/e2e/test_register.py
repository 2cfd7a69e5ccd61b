"""The personnel register through the running stack (issue 5; docs/interface.md §4 and §7):
`dimona register ...` as tables, JSON and CSV, and the HTTP read endpoints scoped by
token."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import httpx
import pytest

from tests.e2e.test_intake_channels import (
    AUDITOR,
    KROON,
    PARC,
    SECRETARIAT,
    RestClient,
    new_ssin,
    other_in,
)

pytestmark = pytest.mark.e2e
SOON = date.today() + timedelta(days=3)


@pytest.fixture(scope="module")
def worker(stack) -> dict:
    """A flexi shift and an open OTH period of a new worker at Kroon, both decided."""
    ssin = new_ssin()
    kroon = RestClient(stack.api, "kroon-secret-token")
    shift = kroon.declare({
        "employer": {"employerId": 175110801},
        "worker": {"ssin": ssin, "familyName": "Maes", "givenName": "Lotte"},
        "dimonaIn": {"startDate": SOON.isoformat(), "startHour": "1800",
                     "endDate": SOON.isoformat(), "endHour": "2330",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}},
        "references": {"employer": "payroll-1", "worker": "w-1", "declaration": "d-1"}})
    open_period = kroon.declare(other_in(ssin, (SOON + timedelta(days=30)).isoformat()))
    assert [kroon.status(n)["result"] for n in (shift, open_period)] == ["A", "A"]
    return {"ssin": ssin, "shift": shift, "open": open_period}


def test_cli_lists_periods_workers_and_the_month(stack, worker):
    ssin = worker["ssin"]
    as_csv = stack.cli("register", "periods", "--employer", "0403170701", "--ssin", ssin,
                       "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [(r["periodId"], r["status"], r["familyName"], r["givenName"], r["workerType"],
             r["startDate"], r["startHour"], r["endDate"], r["endHour"]) for r in rows] == [
        (str(worker["shift"]), "active", "Maes", "Lotte", "FLX", SOON.isoformat(), "1800",
         SOON.isoformat(), "2330"),
        (str(worker["open"]), "active", "Maes", "Lotte", "OTH",
         (SOON + timedelta(days=30)).isoformat(), "", "", "")]

    listed = json.loads(stack.cli("register", "periods", "--employer", "175110801",
                                  "--ssin", ssin, "--worker-type", "FLX", "--json").stdout)
    assert [p["periodId"] for p in listed] == [worker["shift"]]

    [w] = json.loads(stack.cli("register", "workers", "--employer", "175110801", "--name",
                               "lotte maes", "--json").stdout)
    assert (w["ssin"], w["relationStart"], w["relationEnd"], w["workerTypes"]) == (
        ssin, SOON.isoformat(), None, ["FLX", "OTH"])

    [month] = json.loads(stack.cli("register", "monthly", "--employer", "175110801",
                                   "--ssin", ssin, "--worker-type", "FLX", "--month",
                                   SOON.strftime("%Y-%m"), "--json").stdout)
    assert month["days"] == {SOON.isoformat(): [{
        "periodId": worker["shift"], "jointCommissionNumber": "XXX", "workerType": "FLX",
        "startHour": "1800", "endHour": "2330", "hours": 5.5}]}

    table = stack.cli("register", "periods", "--employer", "175110801", "--ssin", ssin).stdout
    assert "Brasserie De Kroon" in table and "1 to 2 of 2 results" in table


def test_cli_period_declaration_and_quota_details(stack, worker):
    detail = json.loads(stack.cli("register", "period", str(worker["shift"]),
                                  "--json").stdout)
    assert detail["worker"]["familyName"] == "Maes"
    assert [(d["declarationId"], d["declarationType"], d["result"])
            for d in detail["declarations"]] == [(worker["shift"], "DIMONA_IN", "A")]
    six = json.loads(stack.cli("register", "declaration", str(worker["shift"]),
                               "--json").stdout)
    assert set(six) >= {"criteria", "worker", "period", "technical", "content",
                        "notifications"}
    assert (six["technical"]["channel"], six["technical"]["declarant"]) == (
        "webservice", "0403170701")
    assert six["content"]["references"] == {"employer": "payroll-1", "worker": "w-1",
                                            "declaration": "d-1"}
    text = stack.cli("register", "declaration", str(worker["shift"])).stdout
    assert "Maes" in text and "webservice" in text
    quotas = json.loads(stack.cli("register", "quotas", "--employer", "175110801",
                                  "--json").stdout)
    assert quotas["horecaDays"]["limit"] == 200

    for bad in (["periods", "--employer", "kroon"],
                ["periods", "--employer", "175110801", "--today", "--from", "2026-01-01"],
                ["periods", "--employer", "175110801", "--from", "2026-01-01"],
                ["monthly", "--employer", "175110801", "--month", "June"]):
        done = stack.cli("register", *bad, check=False)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert stack.cli("register", "period", "1", check=False).returncode == 1


def test_http_register_is_scoped_to_the_token(stack, worker):
    def get(path: str, headers: dict, **params) -> httpx.Response:
        return httpx.get(f"{stack.api}/register{path}", headers=headers, params=params)

    search = {"employer": "175110801", "ssin": worker["ssin"]}
    found = get("/periods", KROON, **search)
    assert found.status_code == 200, found.text
    assert (found.json()["total"], found.json()["employer"]["name"]) == (
        2, "Brasserie De Kroon")
    assert get("/periods", SECRETARIAT, **search).status_code == 200  # Kroon's mandate
    assert get("/periods", AUDITOR, **search).status_code == 200
    assert get("/periods", PARC, **search).status_code == 404
    assert get("/periods", {}, **search).status_code == 401
    assert get("/workers", PARC, employer="197100119").status_code == 200  # its own

    page = get("/periods", KROON, **search, limit=1, offset=1).json()
    assert [p["periodId"] for p in page["items"]] == [worker["open"]]
    exported = get("/periods", KROON, **search, format="csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines()[0].startswith("status,familyName,givenName,ssin")
    month = get("/monthly", KROON, **search, month=SOON.strftime("%Y-%m")).json()
    assert month["items"][0]["ssin"] == worker["ssin"]

    for params in ({**search, "from": "2026-02-01"}, {**search, "month": "2026-13"},
                   {**search, "from": "2026-02-01", "to": "2026-01-01"}):
        refused = get("/monthly", KROON, **params)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"

    shift = worker["shift"]
    assert get(f"/periods/{shift}", KROON).json()["period"]["periodId"] == shift
    assert get(f"/periods/{shift}", PARC).status_code == 404
    assert get(f"/declarations/{shift}", SECRETARIAT).status_code == 200
    assert get(f"/declarations/{shift}", PARC).status_code == 404
    assert get("/quotas/175110801", KROON, ssin=worker["ssin"]).status_code == 200
    assert get("/quotas/175110801", PARC).status_code == 404
