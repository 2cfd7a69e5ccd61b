"""`dimona bench --latency`: what one user feels on an idle stack. On a fresh stack
(dimona.bench.run), declarations are sent one after the other through the REST API
(`POST /declarations` with the bench declarant's token), each followed by `GET` of its
`Location` every 2 ms until it answers 200; the time from the POST to that 200 is the
latency (p50, p90, p99, max). Before and after, the stack is left idle and the CPU of
every process it runs (the supervisor, the services, the broker, PostgreSQL and its
backends) is measured, in cores.

The server's own times split each declaration's path: its reception (intake's clock),
its submission committed, its decision committed in the event store, its register row
committed (what the GET reads) and its notification committed (the notifier's log). The
commit times are PostgreSQL's (`track_commit_timestamp`, switched on in the bench's
PostgreSQL only: `commit_timestamps`). Figures to read, not a test."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from dimona.bench.run import (
    BenchFailed,
    Count,
    LocalStack,
    Options,
    Progress,
    children,
    fresh_stack,
    process_cpu_s,
)
from dimona.bench.workload import TOKEN, Workload, directory
from dimona.embedded import EmbeddedPostgres, free_port
from services.validator.domain.aggregates import Declaration

POLL_S = 0.002  # the GET's period while the answer is 404
WARM_UP = 20  # declarations before the measure: the consumers have joined their groups
SETTLE_S = 2.0  # after the warm-up, before the idle stack is measured
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
# The server's moments of a declaration, in the order of its path (epoch seconds)
MOMENTS = ("received", "submitted", "decided", "registered", "notified")
# The steps of the breakdown: (name, from, to), the client's moments "sent" and "answered"
# (the GET answers from the recorded decision: the register and the e-Box follow beside it).
STEPS = (("sent_to_received", "sent", "received"),
         ("received_to_submitted", "received", "submitted"),
         ("submitted_to_decided", "submitted", "decided"),
         ("decided_to_200", "decided", "answered"),
         ("decided_to_registered", "decided", "registered"),
         ("decided_to_notified", "decided", "notified"))


def bench_latency(options: Options, progress: Progress, count: Count | None = None, *,
                  declarations: int = 200, idle_s: float = 20.0) -> dict:
    """The figures of `declarations` sequential declarations on an idle stack, and its idle
    CPU over `idle_s` seconds before and after."""
    with fresh_stack(options, progress, prepare=commit_timestamps) as stack:
        # the declarant is no batch sender: each declaration gets its e-Box message
        stack.load_directory(directory(options.employers, batch_sender=False))
        with httpx.Client(base_url=stack.state["api"], headers=HEADERS, timeout=60) as client:
            progress(f"warm-up: {WARM_UP} declarations one after the other")
            sequential(client, in_bodies(WARM_UP, options.employers, seed=2,
                                         worker_offset=2 * 10**6))
            time.sleep(SETTLE_S)
            progress(f"the idle stack's CPU over {idle_s:g}s")
            idle_before = idle_cpu(stack, idle_s)
            progress(f"{declarations} declarations, each POST then GET until 200")
            samples = sequential(client, in_bodies(declarations, options.employers, seed=3,
                                                   worker_offset=3 * 10**6), count)
            progress(f"the idle stack's CPU over {idle_s:g}s, after")
            time.sleep(SETTLE_S)
            idle_after = idle_cpu(stack, idle_s)
        moments = server_moments(stack, [s.declaration_id for s in samples])
    return {"latency": {
        "declarations": declarations, "poll_ms": POLL_S * 1000,
        "post_to_200_ms": summary([s.seconds for s in samples]),
        "post_answer_ms": summary([s.posted_s for s in samples]),
        "gets_per_declaration": round(sum(s.gets for s in samples) / len(samples), 1),
        "results": _counted(s.result for s in samples),
        "segments_ms": segments(samples, moments),
        "idle_cores": {"before": idle_before, "after": idle_after}}}


@dataclass(frozen=True)
class Sample:
    declaration_id: int
    sent_at: float  # epoch seconds, just before the POST
    posted_s: float  # the POST's answer came after
    seconds: float  # the GET that answered 200 came after
    gets: int
    result: str


def sequential(client: httpx.Client, bodies: Iterable[bytes], count: Count | None = None,
               timeout_s: float = 60) -> list[Sample]:
    """Each body POSTed, then its Location read every POLL_S until it answers 200."""
    samples: list[Sample] = []
    bodies = list(bodies)
    for body in bodies:
        sent_at, began = time.time(), time.perf_counter()
        posted = client.post("/declarations", content=body)
        if posted.status_code != 201:
            raise BenchFailed(f"POST /declarations: {posted.status_code} {posted.text[:300]}")
        posted_s, location, gets = time.perf_counter() - began, posted.headers["Location"], 0
        while True:
            asked = time.perf_counter()
            answer = client.get(location)
            gets += 1
            if answer.status_code == 200:
                break
            if answer.status_code != 404 or asked - began > timeout_s:
                raise BenchFailed(f"GET {location}: {answer.status_code} after "
                                  f"{asked - began:.1f}s {answer.text[:300]}")
            time.sleep(max(0.0, POLL_S - (time.perf_counter() - asked)))
        samples.append(Sample(posted.json()["declarationId"], sent_at, posted_s,
                              time.perf_counter() - began, gets,
                              answer.json()["declarationStatus"]["result"]))
        if count:
            count("latency", len(samples), len(bodies), "declarations answered")
    return samples


def in_bodies(declarations: int, employers: int, seed: int, worker_offset: int
              ) -> list[bytes]:
    """The workload's INs (regular, flexi, student, about 6 % refused), as request bodies;
    a new worker each, so none overlaps another."""
    work = Workload(declarations, employers, seed=seed, worker_offset=worker_offset,
                    ins_only=True)
    return [orjson.dumps(d) for d in work.first_wave()]


def commit_timestamps(home: Path) -> None:
    """Create the stack's PostgreSQL cluster before `dimona up` does (it keeps an existing
    one), with `track_commit_timestamp` on: a row's commit time is then known
    (pg_xact_commit_timestamp(xmin)), which is when a reader can see it. Only the bench's
    PostgreSQL runs so; it costs each commit a few bytes."""
    var = home / "var"
    (var / "log").mkdir(parents=True, exist_ok=True)
    postgres = EmbeddedPostgres(var / "pg", free_port(), var / "log" / "postgres.log")
    postgres.start()
    try:
        import psycopg
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
    finally:
        postgres.stop()


def server_moments(stack: LocalStack, ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """For each declaration, the server's moments (MOMENTS; epoch seconds, None where
    missing): reception (intake's clock), then the commits of its submission, its decision
    (the Declaration's first event in the event store), its register row and the first
    notification of it in the notifier's log."""
    by_uuid = [str(Declaration.create_id(i)) for i in ids]
    rows = stack.sql(
        "SELECT s.declaration_id, extract(epoch FROM s.received_at),"
        " extract(epoch FROM pg_xact_commit_timestamp(s.xmin)),"
        " (SELECT extract(epoch FROM min(pg_xact_commit_timestamp(e.xmin)))"
        "  FROM validator_events e WHERE e.originator_id = u.id),"
        " (SELECT extract(epoch FROM pg_xact_commit_timestamp(d.xmin))"
        "  FROM register.declarations d WHERE d.declaration_id = s.declaration_id),"
        " (SELECT extract(epoch FROM min(pg_xact_commit_timestamp(n.xmin)))"
        "  FROM notifier.notifications n WHERE n.declaration_id = s.declaration_id)"
        " FROM unnest(%s::bigint[], %s::uuid[]) AS u(declaration_id, id)"
        " JOIN intake.submissions s USING (declaration_id)", (list(ids), by_uuid))
    return {r[0]: dict(zip(MOMENTS, (None if v is None else float(v) for v in r[1:]),
                           strict=True)) for r in rows}


def segments(samples: Sequence[Sample], moments: dict[int, dict[str, float]]) -> dict:
    """p50 and p99 (ms) of each step of a declaration's path: the client's POST to its
    reception, each server moment to the next, the decision's commit to the client's 200
    (the GET's polling included), and to the register's and the e-Box's commits."""
    steps: dict[str, list[float]] = {name: [] for name, _, _ in STEPS}
    for s in samples:
        m = {**moments.get(s.declaration_id, {}), "sent": s.sent_at,
             "answered": s.sent_at + s.seconds}
        for name, start, end in STEPS:
            if m.get(start) is not None and m.get(end) is not None:
                steps[name].append(m[end] - m[start])
    return {name: {k: v for k, v in summary(values).items() if k in ("p50", "p99")}
            for name, values in steps.items() if values}


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max, in ms (nearest rank)."""
    ordered = sorted(seconds)
    return {"p50": ms(percentile(ordered, 0.50)), "p90": ms(percentile(ordered, 0.90)),
            "p99": ms(percentile(ordered, 0.99)), "max": ms(ordered[-1] if ordered else None)}


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile of sorted values (None for none)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _counted(values: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for v in values:
        found[v] = found.get(v, 0) + 1
    return dict(sorted(found.items()))


# --- the CPU of the whole stack -------------------------------------------------------------

def idle_cpu(stack: LocalStack, seconds: float, sleep: Callable[[float], None] = time.sleep
             ) -> dict:
    """The cores the stack used, doing nothing asked of it, over `seconds`: all its
    processes together (`total`), and each service, the broker and PostgreSQL."""
    assert stack.process is not None
    root, names = stack.process.pid, stack.pids()
    before, named_before, began = tree_cpu_s(root), named_cpu_s(names), time.monotonic()
    sleep(seconds)
    elapsed = time.monotonic() - began
    named = {n: round((s - named_before.get(n, s)) / elapsed, 3)
             for n, s in named_cpu_s(names).items()}
    return {"seconds": round(elapsed, 1), "total": round((tree_cpu_s(root) - before) / elapsed, 3),
            "processes": named}


def named_cpu_s(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each named process with its descendants (PostgreSQL's backends)."""
    return {name: tree_cpu_s(pid) for name, pid in pids.items()}


def tree_cpu_s(root: int) -> float:
    """CPU seconds so far of a process and all its descendants, alive or ended (an ended
    one's time is in its parent's children time once reaped)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += process_cpu_s(pid, with_children=True)
        todo += children(pid)
    return total
