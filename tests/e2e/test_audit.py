"""The audit log through the running stack (issue 7): what an auditor reads of a declaration
sent over HTTP and of a line of a file sent with `dimona submit`, by CLI and HTTP, scoped
to auditor tokens; and `dimona audit verify` failing on a row altered in PostgreSQL."""

from __future__ import annotations

import hashlib
import json

import httpx
import psycopg
import pytest

from services.validator.domain.version import RULES_VERSION
from tests.conftest import wait_until
from tests.e2e.test_intake_channels import AUDITOR, KROON, new_ssin, other_in

pytestmark = pytest.mark.e2e


def audit_log(stack, *selection: str) -> list[dict]:
    done = stack.cli("audit", "log", *selection, "--json")
    return [json.loads(line) for line in done.stdout.splitlines()]


def recorded(stack, declaration_id: int, events: list[str]) -> list[dict]:
    """The declaration's audit log, once it holds these events."""
    def complete():
        found = audit_log(stack, "--declaration", str(declaration_id))
        return found if [e["event"] for e in found] == events else None
    return wait_until(complete, 60, f"{events} of {declaration_id}")


@pytest.fixture(scope="module")
def declared(stack, tmp_path_factory) -> dict:
    """Kroon declares an IN over HTTP, in its own spacing; then a file holding its OUT."""
    ssin = new_ssin()
    body = json.dumps(other_in(ssin, "2031-03-03"), indent=1) + "\n"
    answer = httpx.post(f"{stack.api}/declarations", content=body.encode(),
                        headers={**KROON, "Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text
    period = answer.json()["declarationId"]
    line = json.dumps({"dimonaOut": {"periodId": period, "endDate": "2031-03-09"}})
    file = tmp_path_factory.mktemp("audit") / "out.jsonl"
    file.write_text("\n" + line + "\r\n")
    results = stack.cli("submit", str(file), "--as", "0403170701", "--wait", "--json")
    [submitted] = [r for r in map(json.loads, results.stdout.splitlines())
                   if "declarationId" in r]  # line 1 is empty: rejected
    return {"ssin": ssin, "period": period, "body": body, "line": line,
            "out": submitted["declarationId"], "file": file}


def test_an_http_declaration_is_recorded_as_received_with_its_decision(stack, declared):
    received, decided, notified = recorded(stack, declared["period"],
                                           ["received", "decided", "notified"])
    fingerprint = hashlib.sha256(b"kroon-secret-token").hexdigest()[:16]
    assert received["raw"] == declared["body"]  # byte for byte, spacing and line end kept
    assert (received["via"], received["channel"], received["declarant"], received["token"]) \
        == ("POST /declarations", "webservice", "0403170701", f"directory:{fingerprint}")
    assert (decided["result"], decided["ruleVersion"], decided["periodId"]) == (
        "A", RULES_VERSION, declared["period"])
    # the directory's entry of Kroon as of reception, loaded when the stack started
    employer = decided["facts"]["employer"]
    assert (employer["employerId"], employer["name"]) == (175110801, "Brasserie De Kroon")
    assert (notified["channel"], notified["recipient"], notified["result"]) == (
        "ebox", "0403170701", "A")
    assert received["at"] <= notified["at"]


def test_a_file_line_is_recorded_with_its_file_and_line(stack, declared):
    # Kroon is no batch sender: an e-Box message and a return-file entry (ADR 0006)
    received, decided, *notified = recorded(stack, declared["out"],
                                            ["received", "decided", "notified", "notified"])
    assert {n["channel"] for n in notified} == {"ebox", "batch"}
    assert (received["via"], received["token"], received["channel"]) == (
        "dimona submit", None, "batch")
    assert (received["fileName"], received["line"], received["raw"]) == (
        "out.jsonl", 2, declared["line"])
    assert received["fileSha256"] == hashlib.sha256(declared["file"].read_bytes()).hexdigest()
    assert decided["result"] == "A"


def test_selections_and_the_readable_timeline(stack, declared):
    both = [declared["period"], declared["out"]]
    for selection in (["--period", str(declared["period"])], ["--ssin", declared["ssin"]]):
        assert list(dict.fromkeys(e["declarationId"] for e in audit_log(stack, *selection))) \
            == both
    assert set(both) <= {e["declarationId"] for e in audit_log(stack, "--employer",
                                                                "0403170701")}
    text = stack.cli("audit", "log", "--declaration", str(declared["out"])).stdout
    assert "received" in text and "via dimona submit" in text and "out.jsonl line 2" in text
    assert f"A, period {declared['period']}, rules {RULES_VERSION}" in text
    assert "raw " + declared["line"] in text
    nothing = stack.cli("audit", "log", "--declaration", "123", check=False)
    assert nothing.returncode == 1 and "nothing recorded" in nothing.stderr
    usage = stack.cli("audit", "log", "--ssin", declared["ssin"], "--period", "1", check=False)
    assert usage.returncode == 2 and "exactly one" in usage.stderr


def test_http_gives_the_audit_log_to_auditor_tokens_only(stack, declared):
    url = f"{stack.api}/audit/log"
    answer = httpx.get(url, params={"declaration": declared["period"]}, headers=AUDITOR)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(x) for x in answer.text.splitlines()] == audit_log(
        stack, "--declaration", str(declared["period"]))
    assert httpx.get(url, params={"declaration": declared["period"]},
                     headers=KROON).status_code == 403
    assert httpx.get(url, params={"declaration": declared["period"]}).status_code == 401
    assert httpx.get(url, headers=AUDITOR).status_code == 400
    assert httpx.get(url, params={"declaration": 123}, headers=AUDITOR).status_code == 404
    verified = httpx.get(f"{stack.api}/audit/verify", headers=AUDITOR, timeout=120)
    assert verified.status_code == 200 and verified.json()["ok"] is True


def test_verify_names_a_row_altered_in_postgresql(stack, declared):
    assert "validator: " in stack.cli("audit", "verify").stdout
    [(position, state)] = stack.sql(
        "SELECT notification_id, state FROM validator_events WHERE originator_id = "
        "(SELECT originator_id FROM validator_events WHERE convert_from(state, 'UTF8') "
        "LIKE %s AND topic LIKE '%%Declaration.Decided' LIMIT 1)",
        (f'%"declaration_id":{declared["out"]},%',))
    altered = bytes(state).replace(b'"result":"A"', b'"result":"W"')
    assert altered != bytes(state)
    try:
        set_state(stack, position, altered)
        failed = stack.cli("audit", "verify", check=False)
        assert failed.returncode == 1, failed.stdout
        assert f"validator log, position {position}: this record was altered" in failed.stderr
        assert f"ALTERED at position {position} (Declaration.Decided of" in failed.stdout
        report = json.loads(stack.cli("audit", "verify", "--json", check=False).stdout)
        assert report["ok"] is False and report["logs"][0]["broken"]["position"] == position
    finally:
        set_state(stack, position, bytes(state))
    assert stack.cli("audit", "verify").returncode == 0


def set_state(stack, position: int, state: bytes) -> None:
    """As a superuser who turns the append-only triggers off could."""
    with psycopg.connect(stack.state["database_url"]) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE validator_events SET state = %s WHERE notification_id = %s",
                      (state, position))
