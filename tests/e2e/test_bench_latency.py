"""`dimona bench --latency` and `dimona bench --rate` run a fresh stack and report figures
that hold together (the figures themselves are the benchmark's business,
docs/performance.md, not a test's: these runs are small and the machine may be busy)."""

import json
import subprocess

import pytest

from tests.conftest import DIMONA

pytestmark = pytest.mark.e2e


def test_the_latency_bench_times_each_declaration_and_the_idle_stack():
    done = subprocess.run([DIMONA, "bench", "--latency", "--count", "15", "--idle-seconds", "2",
                           "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)["latency"]
    assert figures["declarations"] == 15 == sum(figures["results"].values())
    assert set(figures["results"]) <= {"A", "W", "B"}
    whole = figures["post_to_200_ms"]
    assert 0 < whole["p50"] <= whole["p90"] <= whole["p99"] <= whole["max"]
    # the POST's answer is part of the whole; a result needs at least one GET
    assert figures["post_answer_ms"]["p50"] < whole["p50"]
    assert figures["gets_per_declaration"] >= 1
    # the server's steps, from its commit times: those on the client's path each within
    # the whole; the register and the e-Box follow the decision beside it (after the 200)
    steps = figures["segments_ms"]
    path = ("sent_to_received", "received_to_submitted", "submitted_to_decided",
            "decided_to_200")
    assert {*path, "decided_to_registered", "decided_to_notified"} == set(steps)
    assert all(0 <= s["p50"] <= s["p99"] for s in steps.values()), steps
    assert all(steps[s]["p99"] <= whole["max"] for s in path), steps
    assert sum(steps[s]["p50"] for s in path) <= whole["max"]
    for idle in figures["idle_cores"].values():
        assert idle["seconds"] >= 2
        assert {"intake", "validator", "broker", "postgres"} <= set(idle["processes"])
        # every process of the stack is counted, so the whole is no less than its parts
        assert 0 < idle["total"] >= sum(idle["processes"].values()) - 0.01
    assert "bench: the idle stack's CPU" in done.stderr


def test_the_load_bench_keeps_its_schedule_at_a_low_rate():
    done = subprocess.run([DIMONA, "bench", "--rate", "20", "--seconds", "4", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)["load"]
    assert [(s["channel"], s["offered_per_s"]) for s in figures["curve"]] == [
        ("rest", 20), ("files", 20)]
    for step in figures["curve"]:
        # every arrival was sent and acknowledged, and has its result
        assert step["declarations"] == 80 == step["accepted"], step
        assert step["failures"] == 0, step
        assert 16 <= step["sent_per_s"] <= 24, step  # the schedule was kept
        assert 14 <= step["achieved_per_s"] <= 26, step  # the stack kept up
        latency = step["latency_ms"]
        assert 0 < latency["p50"] <= latency["p99"] <= latency["max"], step
        assert step["backlog"]["max"] is not None
    assert figures["capacity_per_s"] == {
        ch: max(s["achieved_per_s"] for s in figures["curve"] if s["channel"] == ch)
        for ch in ("rest", "files")}


def test_a_bad_rate_is_a_usage_error():
    done = subprocess.run([DIMONA, "bench", "--rate", "fast"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "declarations per second" in done.stderr
    done = subprocess.run([DIMONA, "bench", "--rate", "10", "--latency"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "choose one" in done.stderr
