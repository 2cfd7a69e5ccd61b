"""Intake's front doors through the running stack (docs/interface.md §2, §5, §7; issue 4): a
payroll package written for the NSSO's REST v2, OAuth, mandates and read scoping,
idempotent retries, Multi-Dimona, and the watched batch folder with its outbox files."""

from __future__ import annotations

import json
import os
import pty
import random
import select
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import DIMONA, wait_until

pytestmark = pytest.mark.e2e
KROON = {"Authorization": "Bearer kroon-secret-token"}
PARC = {"Authorization": "Bearer parc-secret-token"}
SECRETARIAT = {"Authorization": "Bearer secretariat-secret-token"}
AUDITOR = {"Authorization": "Bearer auditor-secret-token"}
FLX = {"jointCommissionNumber": "XXX", "workerType": "FLX"}


def new_ssin() -> str:
    """A valid SSIN (born in the 1980s) that no other test uses."""
    base = f"8{random.randint(0, 9)}0{random.randint(1, 9)}{random.randint(10, 28)}" \
           f"{random.randint(1, 997):03d}"
    return base + f"{97 - int(base) % 97:02d}"


def other_in(ssin: str, start: str = "2030-01-07") -> dict:
    return {"employer": {"employerId": 175110801}, "worker": {"ssin": ssin},
            "dimonaIn": {"startDate": start,
                         "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}}}


class RestClient:
    """What a payroll package written for the NSSO's Dimona REST v2 does."""

    def __init__(self, api: str, token: str):
        self.api, self.headers = api, {"Authorization": f"Bearer {token}"}

    def declare(self, body: dict) -> int:
        answer = httpx.post(f"{self.api}/declarations", json=body, headers=self.headers)
        assert answer.status_code == 201, answer.text
        return int(answer.headers["Location"].split("declarations/")[1])

    def status(self, number: int) -> dict:
        def poll():
            r = httpx.get(f"{self.api}/declarations/{number}", headers=self.headers)
            assert r.status_code in (200, 404), r.text
            return r.json()["declarationStatus"] if r.status_code == 200 else None
        return wait_until(poll, 60, f"the result of {number}")


def oauth_token(api: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(f"{api}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def test_a_rest_v2_client_with_an_oauth_token_declares_a_student_life(stack):
    answer = oauth_token(stack.api, "0403170701", "kroon-secret-token")
    assert answer.status_code == 200 and answer.json()["token_type"] == "Bearer"
    assert answer.json()["expires_in"] > 0
    client = RestClient(stack.api, answer.json()["access_token"])
    student = {"employer": {"employerId": 175110801}, "worker": {"ssin": new_ssin()},
               "dimonaIn": {"startDate": "2030-07-01", "endDate": "2030-07-31",
                            "plannedHoursNumber": 40,
                            "features": {"jointCommissionNumber": "XXX", "workerType": "STU"},
                            "studentPlaceOfWork": {"name": "Terras", "address": {
                                "street": "Grote Markt", "houseNumber": "1",
                                "boxNumber": "B2", "postCode": "1000",
                                "municipality": {"code": "21004", "name": "Brussel"},
                                "country": "150"}}}}
    number = client.declare(student)
    status = client.status(number)
    assert (status["result"], status["anomalies"], status["period"]["id"]) == ("A", [], number)

    # UPDATE, OUT and CANCEL with only the period, as real clients send them (a student
    # period has its end date: an OUT is for an open period, 00913-356).
    open_period = client.declare(other_in(new_ssin()))
    changes = [{"dimonaUpdate": {"periodId": number, "plannedHoursNumber": 30,
                                 "endDate": "2030-07-20"}},
               {"dimonaOut": {"periodId": open_period, "endDate": "2030-02-28"}},
               {"dimonaCancel": {"periodId": number}}]
    assert [client.status(client.declare(c))["result"] for c in changes] == ["A", "A", "A"]
    place = httpx.get(f"{stack.api}/declarations/{number}", headers=client.headers).json()
    assert place["dimonaIn"]["studentPlaceOfWork"] == student["dimonaIn"]["studentPlaceOfWork"]

    assert oauth_token(stack.api, "0403170701", "wrong").status_code == 401
    assert oauth_token(stack.api, "0477472701", "kroon-secret-token").status_code == 401
    basic = httpx.post(f"{stack.api}/oauth/token", data={"grant_type": "client_credentials"},
                       auth=("0876543270", "parc-secret-token"))
    assert basic.status_code == 200
    assert httpx.post(f"{stack.api}/oauth/token", data={"grant_type": "password"}
                      ).json() == {"error": "unsupported_grant_type"}


def test_mandates_channels_and_who_reads_what(stack):
    kroon = RestClient(stack.api, "kroon-secret-token")
    number = kroon.declare(other_in(new_ssin()))
    assert kroon.status(number)["result"] == "A"

    parc_in = {**other_in(new_ssin()), "employer": {"employerId": 197100119}}
    for who, body in ((KROON, parc_in), (PARC, {"dimonaCancel": {"periodId": number}}),
                      (AUDITOR, other_in(new_ssin()))):
        refused = httpx.post(f"{stack.api}/declarations", json=body, headers=who)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert httpx.post(f"{stack.api}/declarations", json=other_in(new_ssin()),
                      headers={"Authorization": "Bearer nope"}).status_code == 401

    # The secretariat holds Kroon's mandate; Kroon reads what was declared for it.
    by_secretariat = RestClient(stack.api, "secretariat-secret-token").declare(
        other_in(new_ssin()))
    assert kroon.status(by_secretariat)["result"] == "A"
    anonymous = httpx.post(f"{stack.api}/declarations", json=other_in(new_ssin()))
    assert anonymous.status_code == 201
    unsecured = anonymous.json()["declarationId"]
    assert kroon.status(unsecured)["result"] == "A"

    def visible(number: int, headers: dict) -> int:
        return httpx.get(f"{stack.api}/declarations/{number}", headers=headers).status_code
    assert visible(number, AUDITOR) == 200 and visible(number, PARC) == 404
    assert visible(number, SECRETARIAT) == 404  # Kroon's own declaration, not its data
    assert visible(number, {}) == 401
    channels = dict(stack.sql("SELECT declaration_id, channel FROM register.declarations "
                              "WHERE declaration_id = ANY(%s)",
                              ([number, unsecured],)))
    assert channels == {number: "webservice", unsecured: "web-unsecured"}


def test_a_retried_post_with_an_idempotency_key_gets_the_first_answer(stack):
    body = other_in(new_ssin())
    headers = {**KROON, "Idempotency-Key": f"retry-{random.getrandbits(64)}"}
    first = httpx.post(f"{stack.api}/declarations", json=body, headers=headers)
    again = httpx.post(f"{stack.api}/declarations", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.headers["Location"] == again.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = httpx.post(f"{stack.api}/declarations", json=other_in(new_ssin()), headers=headers)
    assert other.status_code == 422
    ssin = body["worker"]["ssin"]
    wait_until(lambda: stack.sql("SELECT count(*) FROM register.declarations WHERE ssin = %s",
                                 (ssin,)) == [(1,)], 30, "the one declaration")
    assert stack.sql("SELECT count(*) FROM intake.submissions WHERE event LIKE %s",
                     (f"%{ssin}%",)) == [(1,)]


def test_multi_dimona_gives_one_declaration_per_worker_and_day(stack):
    workers = [new_ssin(), new_ssin()]
    # Flexi days soon: a flexi IN more than 31 days before its quarter is refused.
    days = [{"date": (date.today() + timedelta(days=d)).isoformat(), "startHour": "0800",
             "endHour": "1400"} for d in (3, 5, 8)]
    days[1] = {**days[1], "startHour": "1400", "endHour": "1800"}
    multi = {"employer": {"employerId": 175110801}, "features": FLX, "days": days,
             "workers": [{"ssin": s} for s in workers]}
    answer = httpx.post(f"{stack.api}/multi-dimona", json=multi, headers=KROON)
    assert answer.status_code == 201, answer.text
    made = answer.json()["declarations"]
    assert [(m["worker"]["ssin"], m["startDate"], m["startHour"]) for m in made] == [
        (s, d["date"], d["startHour"]) for s in workers for d in days]
    assert len({m["declarationId"] for m in made}) == 6
    kroon = RestClient(stack.api, "kroon-secret-token")
    results = [kroon.status(m["declarationId"]) for m in made]
    assert all(r["period"]["id"] == m["declarationId"] for r, m in zip(results, made, strict=True))
    assert {r["result"] for r in results} <= {"A", "W"}
    received = json.loads(stack.cli("audit", "log", "--declaration",
                                    str(made[4]["declarationId"]), "--json").stdout.split("\n")[0])
    assert (received["via"], json.loads(received["raw"])) == ("POST /multi-dimona", multi)
    bad = httpx.post(f"{stack.api}/multi-dimona", json={**multi, "days": []}, headers=KROON)
    assert bad.status_code == 400 and bad.json()["issues"][0]["name"] == "days"


def outbox_files(stack, declarant: str) -> dict[str, Path]:
    folder = stack.home / "var" / "outbox" / declarant
    return {p.name: p for p in folder.glob("*")} if folder.exists() else {}


def test_the_watched_inbox_answers_in_the_outbox_and_takes_a_file_once(stack):
    inbox = stack.home / "var" / "inbox" / "0477472701"
    inbox.mkdir(parents=True, exist_ok=True)
    lines = [other_in(new_ssin()), "{broken", other_in("72011136173"), other_in(new_ssin())]
    data = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    name = f"payroll-{random.getrandbits(32)}.jsonl"
    (inbox / name).write_text(data)

    def answered(suffix: str) -> Path | None:
        return next((p for n, p in outbox_files(stack, "0477472701").items()
                     if n.startswith(name) and n.endswith(suffix)), None)
    ack = json.loads(wait_until(lambda: answered(".ack.json"), 30, "the ack").read_text())
    assert (ack["lines"], ack["accepted"], ack["duplicate"]) == (4, 3, False)
    assert ack["rejected"] == [{"line": 2, "reason": "not valid JSON"}]
    results = wait_until(lambda: answered(".results.jsonl"), 60, "the results file")
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4]
    assert [r.get("result") for r in rows] == ["A", None, "B", "A"]
    assert rows[1]["rejected"] == "not valid JSON"
    assert [d["declarationId"] for d in ack["declarations"]] == [
        rows[i]["declarationId"] for i in (0, 2, 3)]
    assert not (inbox / name).exists() and list((inbox / "processed").glob(f"*{name}"))
    received = json.loads(stack.cli("audit", "log", "--declaration", str(rows[3][
        "declarationId"]), "--json").stdout.split("\n")[0])
    assert (received["via"], received["fileName"], received["line"], received["raw"]) == (
        "inbox", name, 4, data.splitlines()[3])

    (inbox / name).write_text(data)  # the same file again
    notice = wait_until(lambda: answered(".duplicate.json"), 30, "the duplicate notice")
    assert json.loads(notice.read_text())["batchRef"] == ack["batchRef"]
    assert stack.sql("SELECT count(*) FROM intake.batches WHERE file_name = %s",
                     (name,)) == [(1,)]

    (inbox / f"latin1-{name}").write_bytes("Café".encode("latin-1"))
    error = wait_until(lambda: next((p for n, p in outbox_files(stack, "0477472701").items()
                                     if n.startswith(f"latin1-{name}")), None), 30, "error")
    assert "not UTF-8" in json.loads(error.read_text())["error"]
    stranger = stack.home / "var" / "inbox" / "0999999999"
    stranger.mkdir()
    (stranger / "x.jsonl").write_text(data)
    error = wait_until(lambda: outbox_files(stack, "0999999999"), 30, "the stranger's answer")
    assert "not a declarant" in json.loads(next(iter(error.values())).read_text())["error"]


def test_submit_wait_shows_progress_on_a_terminal(stack, tmp_path):
    path = tmp_path / "progress.jsonl"
    path.write_text("\n".join(json.dumps(other_in(new_ssin())) for _ in range(20)))
    main, child = pty.openpty()
    done = subprocess.run([DIMONA, "--home", str(stack.home), "submit", str(path), "--as",
                           "0403170701", "--wait"], stdout=subprocess.PIPE, stderr=child,
                          text=True, timeout=120, env=stack.env)
    os.close(child)
    shown = b""
    while select.select([main], [], [], 0.5)[0]:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert done.returncode == 0, done.stdout
    assert b"20 lines acknowledged, 20/20 results" in shown
    assert done.stdout.count(": ") >= 20 and "20 accepted" in done.stdout


def test_tokens_are_never_logged(stack):
    token = oauth_token(stack.api, "0403170701", "kroon-secret-token").json()["access_token"]
    httpx.get(f"{stack.api}/declarations/1", headers={"Authorization": f"Bearer {token}"})
    httpx.post(f"{stack.api}/declarations", content=b"{", headers=KROON)
    logs = "".join(p.read_text(errors="replace") for p in (stack.home / "var" / "log").glob(
        "*.log")) + (stack.home / "up.log").read_text(errors="replace")
    for secret in (token, "kroon-secret-token", "secretariat-secret-token"):
        assert secret not in logs
