"""The bench workload (dimona.bench.workload) through a test stack's POST /batches, as a
batch sender's client does it: a file whose answer is lost is sent again (intake knows it
by name and content), and the run waits until every effect is there."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import httpx
import psycopg

from dimona.bench.run import load_directory as bench_directory
from dimona.bench.run import submit
from dimona.bench.workload import TOKEN, Workload, directory
from tests.conftest import StackProcess, wait_until
from tests.e2e.fingerprint import fingerprint

DECLARATIONS = 20_000  # the workload the crash and scale-out tests run
FILE_LINES = 5000
# Fixed once: runs compared with each other must declare the same days.
FIRST_DAY = date.today() + timedelta(days=1)
# The consumers read the directory again for every batch: the one the test loads counts from
# the first declaration (with the default, a copy read up to 2 s before could still be used).
ENV = {"DIMONA_DIRECTORY_REFRESH_S": "0"}


def workload(declarations: int) -> Workload:
    return Workload(declarations, employers=40, seed=8, first_day=FIRST_DAY)


def load_directory(stack: StackProcess) -> None:
    """The bench declarant as no batch sender: an e-Box message and a return-file entry for
    every declaration; every employer has chosen the Dimona system for its daily
    registrations."""
    bench_directory(stack.state["database_url"], directory(40, batch_sender=False))


class BatchClient:
    """POST /batches with the bench declarant's token; a file whose acknowledgement did not
    come (intake killed, connection reset) is sent again until `timeout_s`."""

    def __init__(self, stack: StackProcess, timeout_s: float = 300):
        self.stack, self.timeout_s = stack, timeout_s
        self.retries = 0
        self.posting = threading.Event()  # set while a file is on its way

    def post(self, name: str, body: str) -> dict:
        deadline = time.monotonic() + self.timeout_s
        while True:
            self.posting.set()
            try:
                answer = httpx.post(f"{self.stack.api}/batches", content=body.encode(),
                                    headers={"Authorization": f"Bearer {TOKEN}",
                                             "X-File-Name": name}, timeout=120)
                if answer.status_code == 202:
                    return answer.json()
                failure = f"{answer.status_code} {answer.text[:300]}"
            except (httpx.HTTPError, ValueError) as exc:  # ValueError: a cut-off body
                failure = repr(exc)
            finally:
                self.posting.clear()
            if time.monotonic() > deadline:
                raise AssertionError(f"POST /batches {name}: {failure}")
            self.retries += 1
            time.sleep(0.5)  # a client's pause before it sends again, not a synchronisation


def submit_workload(stack: StackProcess, work: Workload, client: BatchClient | None = None
                    ) -> list[dict]:
    """Both waves as files of FILE_LINES lines; their acknowledgements, in order."""
    return submit(work, FILE_LINES, (client or BatchClient(stack)).post)


def progress(stack: StackProcess) -> dict[str, int]:
    """How far the work of a stack that received only the workload is: the declarations
    recorded, the register's rows, the e-Box messages, the return-file entries, the
    notifications the register lists, the batch files without their results file, and
    what the outboxes of intake and the notifier still have to publish."""
    [row] = stack.sql(
        "SELECT (SELECT count(*) FROM intake.submissions),"
        " (SELECT count(*) FROM register.declarations),"
        " (SELECT count(*) FROM notifier.ebox_messages),"
        " (SELECT count(*) FROM notifier.return_entries),"
        " (SELECT count(*) FROM register.notifications),"
        " (SELECT count(*) FROM intake.batches WHERE results_written_at IS NULL),"
        " (SELECT count(*) FROM intake.outbox WHERE published_at IS NULL)"
        "  + (SELECT count(*) FROM notifier.unpublished)")
    return dict(zip(("submitted", "register", "ebox", "returns", "notifications",
                     "files waiting", "unpublished"), row, strict=True))


def complete(done: dict[str, int], declarations: int) -> bool:
    """Every declaration of the workload has all its effects (each once: two notifications,
    its e-Box message and its return-file entry), every file its results file, and the
    outboxes are empty: the register may list every notification before a restarted
    notifier has published them all, since it also reads the notifier's log at start."""
    return (all(done[k] >= declarations for k in ("submitted", "register", "ebox", "returns"))
            and done["notifications"] >= 2 * declarations and done["files waiting"] == 0
            and done["unpublished"] == 0)


def wait_and_fingerprint(stack: StackProcess, acks: list[dict], timeout_s: float = 300
                         ) -> dict:
    n = sum(a["accepted"] for a in acks)
    last: dict = {}

    def done() -> bool:
        try:
            last.update(progress(stack))
        except psycopg.OperationalError:  # PostgreSQL restarting: ask again
            return False
        return complete(last, n)
    wait_until(done, timeout_s, f"every effect of the workload (so far {last})", 0.5)
    return fingerprint(stack.sql, stack.home / "var" / "outbox", acks)


def run(stack: StackProcess, client: BatchClient | None = None) -> dict:
    """The workload of DECLARATIONS on a fresh stack, from the directory to the
    fingerprint of every effect, which is checked for doubles."""
    load_directory(stack)
    acks = submit_workload(stack, workload(DECLARATIONS), client)
    found = wait_and_fingerprint(stack, acks)
    assert_nothing_doubled(found)
    return found


def assert_nothing_doubled(found: dict) -> None:
    c = found["counts"]
    n = c["acknowledged"]
    assert c["submissions"] == c["decided events"] == c["decided declarations"] == n, c
    assert c["register declarations"] == c["ebox messages"] == c["ebox declarations"] == n, c
    assert c["return entries"] == c["return lines"] == n, c
    assert c["notifications sent"] == c["register notifications"] == 2 * n, c
    assert c["unpublished submissions"] == c["unpublished notifications"] == 0, c
    assert c["dead letters"] == 0, c
    # one register row per daily registration the workload created, none lost or doubled
    created = [line for line in found["lines"].values()
               if line[0] == "DAILY_REGISTRATION" and line[1] in ("A", "W")
               and line[5][-1]["dailyRegistration"]["action"] == "create"]
    assert len(found["registrations"]) == len(created) > 0, (len(found["registrations"]),
                                                             len(created))
