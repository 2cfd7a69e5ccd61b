"""Exactly once under crashes, on the real stack (issue 2, point 4).

- a consumer dies between its database commit and its Kafka offset commit;
- the whole stack stops in the middle of a batch and starts again (the embedded broker has
  forgotten everything, PostgreSQL has not);
- the broker alone dies in the middle of a batch.
- the notifier alone is killed (SIGKILL) in the middle of a batch (issue 6).
In every case each acknowledged declaration ends with exactly one recorded decision, one
register row, one e-Box message and one return-file entry, and the register lists each of
those two notifications once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal

import pytest

from schemas import topics
from tests.conftest import StackProcess, declaration_ids_on, wait_until
from tests.e2e.workload import write_batch

pytestmark = pytest.mark.e2e
CONSUMERS = ("validator", "projections", "notifier")


def submit(stack: StackProcess, path) -> dict:
    return json.loads(stack.cli("submit", str(path), "--as", "0403170701", "--json").stdout)


def decided_count(stack: StackProcess, batch_ref: str) -> int:
    return stack.sql("SELECT count(*) FROM register.declarations WHERE batch_ref = %s",
                     (batch_ref,))[0][0]


def assert_exactly_once(stack: StackProcess, ack: dict, timeout_s: float = 180) -> None:
    n = ack["accepted"]
    ids = [d["declarationId"] for d in ack["declarations"]]
    wait_until(lambda: decided_count(stack, ack["batchRef"]) == n, timeout_s,
               f"{n} results")
    wait_until(lambda: stack.sql("SELECT count(*) FROM notifier.ebox_messages WHERE "
                                 "declaration_id = ANY(%s)", (ids,))[0][0] >= n,
               timeout_s, f"{n} e-Box messages")
    # One recorded decision per declaration in the event store (the system of record).
    [(decisions, distinct)] = stack.sql(
        "SELECT count(*), count(DISTINCT originator_id) FROM validator_events "
        "WHERE topic LIKE '%%Declaration.Decided'")
    assert decisions == distinct >= n
    [(messages, declarations)] = stack.sql(
        "SELECT count(*), count(DISTINCT declaration_id) FROM notifier.ebox_messages "
        "WHERE declaration_id = ANY(%s)", (ids,))
    assert messages == declarations == n
    assert decided_count(stack, ack["batchRef"]) == n
    assert stack.sql("SELECT count(*), count(DISTINCT line) FROM notifier.return_entries "
                     "WHERE batch_ref = %s", (ack["batchRef"],)) == [(n, n)]
    # Kroon is no batch sender: an e-Box message and a return-file entry per line, each
    # announced once by NotificationSent and listed once by the register.
    wait_until(lambda: stack.sql("SELECT count(*) FROM register.notifications WHERE "
                                 "declaration_id = ANY(%s)", (ids,))[0][0] >= 2 * n,
               timeout_s, f"{2 * n} notifications in the register")
    assert stack.sql(
        "SELECT count(*), count(DISTINCT (declaration_id, channel, recipient)) "
        "FROM register.notifications WHERE declaration_id = ANY(%s)", (ids,)) == [(2 * n, 2 * n)]
    assert stack.sql("SELECT count(*) FROM notifier.unpublished") == [(0,)]
    expected_refused = sum(1 for line in range(1, n + 1) if line % 20 == 0)
    assert stack.sql("SELECT count(*) FROM register.declarations WHERE batch_ref = %s "
                     "AND result = 'B'", (ack["batchRef"],)) == [(expected_refused,)]


def test_consumers_dying_between_database_and_offset_commit(new_stack, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    stack = new_stack({"DIMONA_CRASH_AFTER_COMMIT": ",".join(CONSUMERS),
                       "DIMONA_FAULT_MARKER_DIR": str(markers)})
    ack = submit(stack, write_batch(tmp_path / "crash.jsonl", 3000))
    assert_exactly_once(stack, ack)
    for service in CONSUMERS:  # each one really died once (the replica that got there
        # first: two validators by default), and was restarted
        assert (markers / f"crashed-{service}").exists(), service
        assert sum(n for name, n in stack.state["restarts"].items()
                   if name.split("-")[0] == service) == 1, (service, stack.state["restarts"])
    # The validator died after publishing: its batch came again and was re-published, so
    # Kafka holds decisions twice while the event store and the views hold them once.
    on_kafka = asyncio.run(declaration_ids_on(stack.state["kafka_bootstrap"], topics.DECISIONS,
                                              lambda ids: len(set(ids)) == 3000))
    assert len(on_kafka) > len(set(on_kafka)) == 3000


def test_whole_stack_restart_in_the_middle_of_a_batch(new_stack, tmp_path):
    stack = new_stack()
    ack = submit(stack, write_batch(tmp_path / "restart.jsonl", 6000))
    wait_until(lambda: decided_count(stack, ack["batchRef"]) > 0, 60, "the first results")
    stack.stop()  # SIGINT, as Ctrl-C: every process of the stack ends
    assert stack.process.returncode == 0
    stack.start()
    assert_exactly_once(stack, ack)


def test_broker_death_in_the_middle_of_a_batch(new_stack, tmp_path):
    stack = new_stack()
    ack = submit(stack, write_batch(tmp_path / "broker.jsonl", 6000))
    wait_until(lambda: decided_count(stack, ack["batchRef"]) > 0, 60, "the first results")
    old_pids = stack.state["pids"]
    os.kill(stack.state["broker_pid"], signal.SIGKILL)
    wait_until(lambda: stack.state["pids"]["validator"] != old_pids["validator"], 60,
               "the services to restart on the new broker")
    assert_exactly_once(stack, ack)


def test_notifier_killed_in_the_middle_of_a_batch(new_stack, tmp_path):
    stack = new_stack()
    ack = submit(stack, write_batch(tmp_path / "notifier.jsonl", 6000))
    ids = [d["declarationId"] for d in ack["declarations"]]

    def messages() -> int:
        return stack.sql("SELECT count(*) FROM notifier.ebox_messages WHERE "
                         "declaration_id = ANY(%s)", (ids,))[0][0]
    wait_until(lambda: 0 < messages() < len(ids), 120, "the notifier at work")
    old = stack.state["pids"]["notifier"]
    os.kill(old, signal.SIGKILL)  # while it works through the batch, as a power cut would
    assert messages() < len(ids)
    wait_until(lambda: stack.state["pids"]["notifier"] != old, 60, "a new notifier")
    assert_exactly_once(stack, ack)
