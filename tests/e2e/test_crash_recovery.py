"""Crash recovery at volume (issue 8, part 2): the bench workload (20,000 declarations, two
waves) on a fresh stack while services are killed (SIGKILL) at seeded random moments, or
while PostgreSQL restarts, ends with exactly what an undisturbed run gives: the same result
for every line, the same register, e-Box and results files, nothing lost, nothing doubled
(tests/e2e/fingerprint.py)."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.conftest import StackProcess, wait_until
from tests.e2e.bench_run import (
    DECLARATIONS,
    ENV,
    BatchClient,
    assert_nothing_doubled,
    complete,
    load_directory,
    progress,
    run,
    submit_workload,
    wait_and_fingerprint,
    workload,
)
from tests.e2e.fingerprint import differences

pytestmark = pytest.mark.e2e
SERVICES = ("intake", "validator", "projections", "notifier")


@dataclass
class Chaos:
    """Kills each service `per_service` times, in a seeded random order, each after a
    seeded random pause, as long as work remains; waits for the supervisor to restart the
    service before the next kill. Runs in a thread beside the submission; the first kill
    is intake's, while the client posts a file (it sends the file again)."""

    stack: StackProcess
    client: BatchClient
    seed: int
    per_service: int = 3
    pause_s: tuple[float, float] = (0.5, 4.0)
    kills: list[tuple[str, float, dict]] = field(default_factory=list)
    error: BaseException | None = None

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.victims = [s for s in SERVICES for _ in range(self.per_service)]
        self.victims.remove("intake")
        rng.shuffle(self.victims)
        self.first_pause = rng.uniform(0.05, 0.5)
        self.pauses = [rng.uniform(*self.pause_s) for _ in self.victims]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def __enter__(self) -> Chaos:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.thread.join(600)
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        try:
            wait_until(self.client.posting.is_set, 60, "the client to post a file", 0.01)
            time.sleep(self.first_pause)  # into the upload or its recording
            self.kill("intake", progress(self.stack))
            for victim, pause in zip(self.victims, self.pauses, strict=True):
                time.sleep(pause)  # the random moment (a schedule, not a synchronisation)
                done = progress(self.stack)
                if complete(done, DECLARATIONS):
                    return
                self.kill(victim, done)
        except BaseException as exc:  # reported by __exit__
            self.error = exc

    def kill(self, service: str, progress: dict) -> None:
        pid = self.stack.state["pids"][service]
        os.kill(pid, signal.SIGKILL)
        self.kills.append((service, round(time.monotonic() - self.started, 1), progress))
        wait_until(lambda: self.stack.state["pids"][service] != pid, 60,
                   f"the supervisor to restart {service}")

    def count(self, service: str) -> int:
        return sum(1 for s, _, _ in self.kills if s == service)


def test_services_killed_at_random_moments_change_nothing(new_stack, undisturbed):
    stack = new_stack(ENV)
    client = BatchClient(stack)
    with Chaos(stack, client, seed=8) as chaos:
        found = run(stack, client)
    print("kills (service, s, progress):", *chaos.kills, sep="\n  ")
    assert client.retries >= 1  # a file whose answer never came was sent again
    for service in SERVICES:  # several times each, while work remained
        assert chaos.count(service) >= 2, chaos.kills
        assert stack.state["restarts"][service] >= chaos.count(service), stack.state
    assert found == undisturbed, differences(undisturbed, found)


def test_postgres_restart_in_the_middle_of_a_batch(new_stack, undisturbed):
    stack = new_stack(ENV)
    load_directory(stack)
    acks = submit_workload(stack, workload(DECLARATIONS))
    wait_until(lambda: progress(stack)["register"] > DECLARATIONS // 4, 120,
               "a quarter of the results")
    pid_file = stack.home / "var" / "pg" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0])
    assert not complete(progress(stack), DECLARATIONS)  # in the middle of the batch
    # SIGQUIT is `pg_ctl stop -m immediate`: the server and its backends end at once,
    # without a checkpoint; the supervisor starts it again (crash recovery from the WAL).
    os.kill(postmaster, signal.SIGQUIT)
    wait_until(lambda: restarted(stack, pid_file, postmaster), 120, "PostgreSQL to restart")
    found = wait_and_fingerprint(stack, acks)
    assert_nothing_doubled(found)
    assert found == undisturbed, differences(undisturbed, found)


def restarted(stack: StackProcess, pid_file: Path, old_pid: int) -> bool:
    """A new postmaster runs and answers."""
    try:
        return int(pid_file.read_text().split()[0]) != old_pid and bool(stack.sql("SELECT 1"))
    except (OSError, ValueError, psycopg.OperationalError):
        return False
