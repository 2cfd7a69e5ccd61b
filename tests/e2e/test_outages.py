"""Riding through a restart (issue 26, item 6), tried as a user would: PostgreSQL or the
broker killed under each client of one stack. `dimona submit --wait --json` of a few
thousand lines carries on and prints its whole result (one line on stderr for the outage it
saw, no traceback); POST /declarations answers 503 with Retry-After while PostgreSQL is
away, then records the declaration once, and keeps answering while the broker restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import DIMONA, StackProcess, wait_until
from tests.e2e.test_crash_recovery import restarted
from tests.e2e.workload import declaration

pytestmark = pytest.mark.e2e
LINES = 2000
KROON = {"Authorization": "Bearer kroon-secret-token"}
AWAY_LINE = "dimona: the database is away; retrying for up to 120 s ("


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """One stack whose PostgreSQL and broker these tests kill (one validator: fewer
    processes to start again); a request waits 1 s for a database connection before it
    answers 503; intake looks for what a new broker lost every second."""
    running = StackProcess(tmp_path_factory.mktemp("outages"),
                           {"DIMONA_DATABASE_WAIT_S": "1", "DIMONA_SCALE": "validator=1",
                            "DIMONA_RECONCILE_INTERVAL_S": "1"}).start()
    yield running
    running.stop()


def batch(path: Path, first: int) -> Path:
    """LINES declarations of workers `first`, `first` + 1, ... (every 20th refused: its
    SSIN is wrong), none of which another test of this stack declares."""
    path.write_text("".join(json.dumps(declaration(n)) + "\n"
                            for n in range(first, first + LINES)))
    return path


def submitting(stack: StackProcess, path: Path) -> subprocess.Popen:
    return subprocess.Popen([DIMONA, "--home", str(stack.home), "submit", str(path), "--as",
                             "0403170701", "--wait", "--json"], env=stack.env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def decided(stack: StackProcess, path: Path) -> int:
    """Lines of the file `path` with a register row (0 until it is recorded)."""
    return stack.sql("SELECT count(*) FROM register.declarations d JOIN intake.batches b "
                     "USING (batch_ref) WHERE b.file_name = %s", (path.name,))[0][0]


def finished(submit: subprocess.Popen, path: Path) -> tuple[list[dict], str]:
    """The command's JSON Lines and stderr, once it exited 0; every line answered once, in
    file order, decided (every 20th refused by the workload)."""
    out, err = submit.communicate(timeout=180)
    assert submit.returncode == 0, err
    assert "Traceback" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in rows] == list(range(1, LINES + 1))
    assert all(r["result"] == ("B" if r["line"] % 20 == 0 else "A") for r in rows), path
    assert len({r["declarationId"] for r in rows}) == LINES
    return rows, err


def test_submit_wait_rides_through_a_postgres_restart(stack, tmp_path):
    path = batch(tmp_path / "pg-restart.jsonl", 20_001)
    submit = submitting(stack, path)
    wait_until(lambda: decided(stack, path) > 0, 60, "the first results")
    pid_file = stack.home / "var" / "pg" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0])
    assert submit.poll() is None and decided(stack, path) < LINES  # in the middle
    os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown; the supervisor restarts it
    wait_until(lambda: restarted(stack, pid_file, postmaster), 60, "PostgreSQL to restart")
    rows, err = finished(submit, path)
    [line] = err.splitlines()  # one line for the outage, nothing else
    assert line.startswith(AWAY_LINE), err
    assert stack.sql("SELECT count(*), count(DISTINCT line) FROM register.declarations d "
                     "JOIN intake.batches b USING (batch_ref) WHERE b.file_name = %s",
                     (path.name,)) == [(LINES, LINES)]  # each line decided once


def test_submit_wait_and_http_ride_through_a_broker_restart(stack, tmp_path):
    path = batch(tmp_path / "broker-restart.jsonl", 40_001)
    submit = submitting(stack, path)
    wait_until(lambda: decided(stack, path) > 0, 60, "the first results")
    pids = stack.state["pids"]
    posting = Posting(stack.api)
    with posting:
        os.kill(stack.state["broker_pid"], signal.SIGKILL)
        wait_until(lambda: stack.state["pids"]["validator"] != pids["validator"], 60,
                   "the consumers to restart on the new broker")
        wait_until(lambda: len(posting.answers) > 3, 30, "declarations posted meanwhile")
    finished(submit, path)  # the CLI needs no broker: nothing to say
    assert stack.state["pids"]["intake"] == pids["intake"]  # it served throughout
    assert posting.answers and set(posting.answers) == {201}, posting.answers
    ids = posting.numbers
    wait_until(lambda: stack.sql("SELECT count(*) FROM register.declarations WHERE "
                                 "declaration_id = ANY(%s)", (ids,))[0][0] == len(ids),
               60, "the declarations posted during the restart to be decided")


def test_http_answers_503_while_postgres_is_away_then_records_once(stack):
    body = declaration(60_001)
    headers = {**KROON, "Idempotency-Key": "outage-1"}
    supervisor = stack.state["supervisor_pid"]
    pid_file = stack.home / "var" / "pg" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0])
    os.kill(supervisor, signal.SIGSTOP)  # PostgreSQL stays away until the supervisor goes on
    try:
        os.kill(postmaster, signal.SIGQUIT)
        wait_until(lambda: not answers(stack), 30, "PostgreSQL to stop")
        answer = httpx.post(f"{stack.api}/declarations", json=body, headers=headers,
                            timeout=30)
        page = httpx.get(f"{stack.api}/web/employees?lang=en", timeout=30,
                         cookies={"dimona_session": "some-session"})
    finally:
        os.kill(supervisor, signal.SIGCONT)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "2"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith("the database is away")
    assert (page.status_code, page.headers["Retry-After"]) == (503, "2")
    assert "<h1>Unavailable for a moment</h1>" in page.text

    def sent_again() -> httpx.Response | None:
        again = httpx.post(f"{stack.api}/declarations", json=body, headers=headers,
                           timeout=30)
        assert again.status_code in (201, 503), again.text
        return again if again.status_code == 201 else None
    number = wait_until(sent_again, 60, "the declaration to be recorded",
                        interval_s=2).json()["declarationId"]
    again = httpx.post(f"{stack.api}/declarations", json=body, headers=headers, timeout=30)
    assert (again.json()["declarationId"], again.headers["Idempotent-Replayed"]) == (
        number, "true")
    found = wait_until(lambda: (r := httpx.get(f"{stack.api}/declarations/{number}",
                                               headers=KROON)).status_code == 200 and r,
                       60, "its result")
    assert found.json()["declarationStatus"]["result"] == "A"
    assert stack.sql("SELECT count(*) FROM intake.submissions WHERE event LIKE %s",
                     ('%"line-60001"%',)) == [(1,)]  # recorded once


def answers(stack: StackProcess) -> bool:
    try:
        return bool(stack.sql("SELECT 1"))
    except psycopg.OperationalError:
        return False


class Posting:
    """Posts one declaration every 0.1 s in a thread while the context is open; keeps each
    answer's status and the numbers given."""

    def __init__(self, api: str):
        self.api, self.answers, self.numbers = api, [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._post, daemon=True)

    def __enter__(self) -> Posting:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)

    def _post(self) -> None:
        n = 80_000
        while not self.stop.wait(0.1):
            n += 1
            try:
                answer = httpx.post(f"{self.api}/declarations", json=declaration(n),
                                    headers=KROON, timeout=30)
            except httpx.HTTPError as exc:  # refused: intake is not serving
                self.answers.append(type(exc).__name__)
                continue
            self.answers.append(answer.status_code)
            if answer.status_code == 201:
                self.numbers.append(answer.json()["declarationId"])
