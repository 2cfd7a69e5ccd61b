"""Two validators racing on one student's hours, on the real PostgreSQL event store
(docs/architecture.md decision 2: shared state is guarded by optimistic concurrency)."""

from __future__ import annotations

import threading

import pytest

from services.directory.domain import Directory
from services.validator.application import DecideDeclarations
from services.validator.domain import Quota
from services.validator.eventlog import open_event_store
from tests.unit.factories import KROON, PARC
from tests.unit.test_validator_application import AT, student

pytestmark = pytest.mark.integration


def test_two_validators_racing_on_one_student_count_every_hour_once(database_url):
    directory = Directory([KROON, PARC])
    validators = [DecideDeclarations(open_event_store(database_url, False), lambda: directory)
                  for _ in range(2)]
    # Each validator takes one employer's partition: 8 periods of 50 hours each, one a month.
    batches = [[student(680725300000 + e * 10_000 + m * 100, 50, employer=employer, month=m)
                for m in range(1, 9)] for e, employer in enumerate((175110801, 197100119))]
    results: list = [None, None]
    start = threading.Barrier(2)

    def run(i: int) -> None:
        results[i] = []
        for sub in batches[i]:
            start.wait()  # step by step: after each step, one of the two caches is stale
            results[i] += validators[i]([sub])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    decisions = results[0] + results[1]
    assert len(decisions) == 16 and {d.result for d in decisions} <= {"A", "W"}
    quota = validators[0].app.repository.get(Quota.create_id("STUDENT", "85073003328", 2026))
    assert sum(e["hours"] for e in quota.entries.values()) == 800
    # 800 hours declared against 650: exactly 150 hours are reported over the quota, whatever
    # the interleaving, because every decision saw every hour counted before it.
    over = [a.quota.exceeding_hours for d in decisions for a in d.anomalies if a.quota]
    assert sum(over) == 150
    assert sum(v.conflicts for v in validators) >= 7  # the race did happen, every step
    assert AT.year == 2025  # the periods of 2026 are declared in time
