"""One declaration end to end, through the CLI and the REST API (docs/interface.md §1-§7)."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

import httpx
import pytest

from tests.conftest import DIMONA, ROOT, wait_until

pytestmark = pytest.mark.e2e
KROON = {"Authorization": "Bearer kroon-secret-token"}
SOON = (date.today() + timedelta(days=3)).isoformat()  # in time, in a flexi-declarable quarter
FLEXI_IN = {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
            "dimonaIn": {"startDate": SOON, "startHour": "0800", "endDate": SOON,
                         "endHour": "1400",
                         "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}


def test_submit_wait_json_answers_every_line_in_order(stack):
    done = stack.cli("submit", str(ROOT / "examples/batch.jsonl"), "--as", "0403170701",
                     "--wait", "--json")
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r.get("result") for r in rows] == ["A", "A", "B", "B", None]
    assert [a["code"] for a in rows[2]["anomalies"]] == ["00024-003"]
    assert [a["code"] for a in rows[3]["anomalies"]] == ["00011-235"]
    assert rows[4]["rejected"] == "not valid JSON"
    assert rows[0]["periodId"] == rows[0]["declarationId"]
    assert "periodId" not in rows[2]  # a refused IN creates no period

    status = json.loads(stack.cli("status", str(rows[0]["declarationId"]), "--json").stdout)
    assert status == {k: v for k, v in rows[0].items() if k != "line"}

    periods = json.loads(stack.cli("register", "periods", "--employer", "175110801",
                                   "--json").stdout)
    mine = [p for p in periods if p["periodId"] == rows[0]["periodId"]]
    assert mine and mine[0]["ssin"] == "85073003328" and mine[0]["plannedHoursNumber"] == 40
    for key in ("periodId", "ssin", "jointCommissionNumber", "workerType", "startDate",
                "startHour", "endDate", "endHour", "plannedHoursNumber", "cancelled",
                "lastDeclarationAt"):
        assert key in mine[0]

    def confirmed():
        ebox = json.loads(stack.cli("ebox", "list", "--declarant", "0403170701",
                                    "--json").stdout)
        return [m for m in ebox if m["declarationId"] == rows[0]["declarationId"]]
    [message] = wait_until(confirmed, 30, "the e-Box confirmation")
    assert message["result"] == "A"

    again = json.loads(stack.cli("submit", str(ROOT / "examples/batch.jsonl"), "--as",
                                 "0403170701", "--json").stdout)
    assert again["duplicate"] is True
    count = stack.sql("SELECT count(*) FROM intake.submissions WHERE batch_ref = %s",
                      (again["batchRef"],))
    assert count == [(4,)]  # the first submission's four lines, nothing twice


def test_rest_declaration_is_numbered_at_once_then_decided(stack):
    answer = httpx.post(f"{stack.api}/declarations", json=FLEXI_IN, headers=KROON)
    assert answer.status_code == 201
    number = int(answer.headers["Location"].rsplit("declarations/", 1)[1])
    assert answer.json() == {"declarationId": number}

    def decided():
        r = httpx.get(f"{stack.api}/declarations/{number}", headers=KROON)
        assert r.status_code in (200, 404)
        return r.json() if r.status_code == 200 else None
    body = wait_until(decided, 30, "the result")
    assert body["declarationStatus"]["result"] == "A"
    assert body["declarationStatus"]["period"]["id"] == number
    assert body["dimonaIn"] == FLEXI_IN["dimonaIn"]

    cancel = httpx.post(f"{stack.api}/declarations", headers=KROON,
                        json={"dimonaCancel": {"periodId": number}})
    cancel_id = cancel.json()["declarationId"]
    body = wait_until(lambda: (r := httpx.get(f"{stack.api}/declarations/{cancel_id}",
                                              headers=KROON)).status_code == 200 and r.json(),
                      30, "the cancel's result")
    assert body["declarationStatus"]["result"] == "A"
    periods = json.loads(stack.cli("register", "periods", "--employer", "175110801",
                                   "--json").stdout)
    assert [p["cancelled"] for p in periods if p["periodId"] == number] == [True]


def test_bad_requests_get_clear_answers(stack):
    assert httpx.get(f"{stack.api}/declarations/680725377630",
                     headers=KROON).status_code == 404
    bad = httpx.post(f"{stack.api}/declarations", headers=KROON,
                     json={"dimonaCancel": {"periodId": "x"}, "colour": "blue"})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert {i["name"] for i in bad.json()["issues"]} == {"dimonaCancel.periodId", "colour"}
    assert httpx.post(f"{stack.api}/declarations", content=b"{not json",
                      headers=KROON).status_code == 400
    assert httpx.post(f"{stack.api}/declarations", json=FLEXI_IN,
                      headers={"Authorization": "Bearer nope"}).status_code == 401
    openapi = httpx.get(f"{stack.api}/openapi.json").json()
    assert openapi["info"]["title"] == "Dimona"
    assert {"/oauth/token", "/declarations", "/declarations/{declaration_id}",
            "/multi-dimona", "/batches", "/batches/{batch_ref}", "/audit/log", "/audit/verify",
            "/audit/checkpoints", "/metrics"} <= set(openapi["paths"])
    assert {"Declaration", "MultiDimona"} <= set(openapi["components"]["schemas"])


def test_batches_over_http(stack):
    data = (ROOT / "examples/batch.jsonl").read_bytes()
    headers = {"Authorization": "Bearer secretariat-secret-token", "X-File-Name": "http.jsonl"}
    ack = httpx.post(f"{stack.api}/batches", content=data, headers=headers)
    assert ack.status_code == 202
    assert (ack.json()["lines"], ack.json()["accepted"]) == (5, 4)
    assert [d["line"] for d in ack.json()["declarations"]] == [1, 2, 3, 4]
    assert ack.json()["rejected"] == [{"line": 5, "reason": "not valid JSON"}]
    ref = ack.json()["batchRef"]
    done = wait_until(lambda: (b := httpx.get(f"{stack.api}/batches/{ref}",
                                              headers=headers).json())["complete"] and b,
                      30, "the batch results")
    assert [r["line"] for r in done["results"]] == [1, 2, 3, 4, 5]
    assert done["decided"] == 4 and done["results"][4]["rejected"] == "not valid JSON"
    assert httpx.get(f"{stack.api}/batches/{ref}", headers=KROON).status_code == 404
    assert httpx.post(f"{stack.api}/batches", content=b"\xff\xfe",
                      headers={**headers, "X-File-Name": "x"}).status_code == 400
    # The secretariat is a batch sender: its results go to return files, not to an e-Box.
    ebox = json.loads(stack.cli("ebox", "list", "--declarant", "0477472701", "--json").stdout)
    assert ebox == []


def test_directory_load_is_idempotent(stack):
    first = stack.cli("directory", "load", str(ROOT / "examples/directory.json")).stdout
    second = stack.cli("directory", "load", str(ROOT / "examples/directory.json")).stdout
    assert first == second and "2 employers" in first
    assert stack.sql("SELECT count(*) FROM directory.employers") == [(2,)]


def test_cli_without_a_stack_exits_2_with_one_line(tmp_path):
    done = subprocess.run([DIMONA, "--home", str(tmp_path), "status", "1"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no running stack" in done.stderr


def test_a_second_stack_in_the_same_home_is_refused(stack):
    done = stack.cli("up", "--port", "0", check=False, timeout_s=60)
    assert done.returncode == 2
    assert "a stack is already running" in done.stderr
    assert httpx.get(f"{stack.api}/health").status_code == 200  # the first one is untouched


def test_rebuild_verify_then_swap_while_the_stack_runs(stack):
    """`dimona rebuild --verify` finds the live register equal to the event store's; the
    swap keeps the projection running into the new tables (docs/interface.md §4)."""
    def declare_and_wait(ssin: str) -> int:
        answer = httpx.post(f"{stack.api}/declarations", headers=KROON,
                            json=FLEXI_IN | {"worker": {"ssin": ssin}})
        number = answer.json()["declarationId"]
        wait_until(lambda: httpx.get(f"{stack.api}/declarations/{number}",
                                     headers=KROON).status_code == 200, 60, "its result")
        return number

    declare_and_wait("90050100151")
    report = json.loads(stack.cli("rebuild", "--verify", "--json").stdout)
    assert report["decisions"] >= 1 and report["differences"] == []
    assert stack.cli("rebuild").stdout.startswith(f"{report['decisions']} decisions")

    number = declare_and_wait("73011136173")  # the projection goes on after the swap
    again = json.loads(stack.cli("rebuild", "--verify", "--json").stdout)
    assert again["differences"] == [] and again["decisions"] > report["decisions"]

    stack.sql("UPDATE register.declarations SET result = 'B' WHERE declaration_id = %s "
              "RETURNING declaration_id", (number,))
    tampered = stack.cli("rebuild", "--verify", check=False)
    assert tampered.returncode == 1 and f"declarations {number}" in tampered.stdout
    stack.cli("rebuild")  # the swap repairs it
    assert stack.sql("SELECT result FROM register.declarations WHERE declaration_id = %s",
                     (number,)) != [("B",)]
