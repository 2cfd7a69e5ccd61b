"""Scale-out (issue 8, part 3): two validator, two projection and two notifier processes in
their consumer groups give the same results, register, e-Box and results files as one of
each (tests/e2e/fingerprint.py), and every replica takes its share of the partitions and
works. Throughput is the benchmark's business (`dimona bench --scale`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dimona.bench.run import cpu_seconds
from tests.conftest import StackProcess, wait_until
from tests.e2e.bench_run import ENV, run
from tests.e2e.fingerprint import differences

pytestmark = pytest.mark.e2e
SCALE = {"validator": 2, "projections": 2, "notifier": 2}
# consumer group: (the service whose replicas are its members, the topic it reads)
GROUPS = {"validator": ("validator", "dimona.submissions"),
          "projections": ("projections", "dimona.decisions"),
          "projections-notifications": ("projections", "dimona.notifications"),
          "notifier": ("notifier", "dimona.decisions")}
PARTITIONS = 4
ASSIGNED = re.compile(r"Setting newly assigned partitions (set\(\)|\{.*?\}) for group (\S+)")
PARTITION = re.compile(r"partition=(\d+)")


def assignment(log: Path, group: str) -> set[int]:
    """The partitions aiokafka last assigned to this process in `group` (its log says)."""
    found: set[int] = set()
    text = log.read_text(errors="replace") if log.exists() else ""
    for partitions, name in ASSIGNED.findall(text):
        if name == group:
            found = {int(p) for p in PARTITION.findall(partitions)}
    return found


def shares(stack: StackProcess) -> dict[str, list[set[int]]]:
    """For each group, the partitions of each of its replicas."""
    logs = stack.home / "var" / "log"
    return {group: [assignment(logs / f"{replica}.log", group)
                    for replica in (service, f"{service}-2")]
            for group, (service, _) in GROUPS.items()}


def balanced(found: dict[str, list[set[int]]]) -> bool:
    """Each replica holds some of its group's partitions, none held twice, none left."""
    return all(all(found[g]) and sum(map(len, found[g])) == PARTITIONS
               and set().union(*found[g]) == set(range(PARTITIONS)) for g in found)


def test_two_of_each_consumer_give_the_same_results_as_one(new_stack, undisturbed):
    stack = new_stack({**ENV, "DIMONA_SCALE": ",".join(f"{s}={n}" for s, n in SCALE.items())})
    replicas = {f"{s}-2" for s in SCALE} | set(SCALE)
    assert replicas <= set(stack.state["pids"]), stack.state["pids"]
    wait_until(lambda: balanced(shares(stack)), 120,
               f"every replica to get partitions ({shares(stack)})", 0.5)
    pids = {r: stack.state["pids"][r] for r in replicas}
    before = cpu_seconds(pids)
    found = run(stack)
    assert {r: stack.state["pids"][r] for r in replicas} == pids  # no replica died
    used = {r: round(s - before[r], 1) for r, s in cpu_seconds(pids).items()}
    print("partitions:", shares(stack), "CPU seconds:", used)
    assert balanced(shares(stack)), shares(stack)  # still every replica, after the run
    assert min(used.values()) >= 1.0, used  # each worked, not a bystander's idling
    assert found == undisturbed, differences(undisturbed, found)
