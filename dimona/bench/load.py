"""`dimona bench --rate N[,N...] --seconds S`: latency under an open-loop load. On a fresh
stack (dimona.bench.run), declarations (the workload's INs) arrive at a fixed rate for S
seconds whatever the answers, through the REST API (`POST /declarations`, many requests
in flight) and through files (`POST /batches`, one JSON Lines file per second of load);
one step per channel and rate, on the same stack, each after the one before has drained
and the stack is quiet again.

Each step reports the offered rate, the rate the sender really kept (its lateness is
counted: a sender that cannot keep the schedule says so), the achieved rate (results per
second over as many seconds as the load lasted, from the first result), the time results
kept coming after the load stopped (`drain_s`), the latency from reception to
result (intake's reception time to the commit of the register row a GET reads:
PostgreSQL's commit time, dimona.bench.latency.commit_timestamps), and the backlog (the
declarations received without a result yet) sampled every half second, with its slope
over the load: near zero when the stack keeps up, about offered minus capacity when it
does not. Figures to read, not a test."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import psycopg

from dimona.bench.latency import (
    HEADERS,
    commit_timestamps,
    in_bodies,
    ms,
    percentile,
    sequential,
    summary,
    tree_cpu_s,
)
from dimona.bench.run import (
    BenchFailed,
    Count,
    LocalStack,
    Options,
    Progress,
    fresh_stack,
    wait_until_quiet,
)
from dimona.bench.workload import directory

CHANNELS = ("rest", "files")
IN_FLIGHT = 32  # REST requests on their way at most (one connection each)
FILE_S = 1.0  # a file holds this many seconds of the load
SAMPLE_S = 0.5  # the backlog's sampling period
LEAD_S = 0.2  # from the sender's start to its first arrival


def bench_load(options: Options, progress: Progress, count: Count | None = None, *,
               rates: Sequence[int], seconds: float,
               channels: Sequence[str] = CHANNELS) -> dict:
    """The curve: for each channel, each offered rate in turn for `seconds`."""
    with fresh_stack(options, progress, prepare=commit_timestamps) as stack:
        stack.load_directory(directory(options.employers))
        workers = Workers(options.employers)
        progress("warm-up: 20 declarations one after the other, then a file of 500")
        with httpx.Client(base_url=stack.state["api"], headers=HEADERS, timeout=60) as client:
            sequential(client, workers.bodies(20))
        warm_up = Step(stack, "files", 500, 1, workers.bodies(500))
        warm_up.run(options.timeout_s)
        curve = []
        for channel in channels:
            for rate in rates:
                wait_until_quiet(stack.pids())
                progress(f"{channel}: {rate}/s for {seconds:g}s")
                step = Step(stack, channel, rate, seconds,
                            workers.bodies(round(rate * seconds)), count)
                curve.append(step.run(options.timeout_s))
                progress(line(curve[-1]))
    capacity = {ch: max(s["achieved_per_s"] for s in curve if s["channel"] == ch)
                for ch in channels}
    return {"load": {"seconds": seconds, "file_s": FILE_S, "in_flight": IN_FLIGHT,
                     "curve": curve, "capacity_per_s": capacity}}


def line(step: dict) -> str:
    latency = step["latency_ms"]
    return (f"{step['channel']} {step['offered_per_s']}/s: sent {step['sent_per_s']}/s, "
            f"achieved {step['achieved_per_s']}/s, p50 {latency['p50']} ms, "
            f"p99 {latency['p99']} ms, backlog {step['backlog']['slope_per_s']:+}/s")


class Workers:
    """The load's INs, a new worker for each (none overlaps another)."""

    def __init__(self, employers: int):
        self.employers, self.next, self.seed = employers, 4 * 10**6, 10

    def bodies(self, n: int) -> list[bytes]:
        found = in_bodies(n, self.employers, seed=self.seed, worker_offset=self.next)
        self.next, self.seed = self.next + n, self.seed + 1
        return found


@dataclass
class Sent:
    """What the sender did: each arrival's lateness (from its due time to when it was
    sent: the sender's own delay and waiting for a free connection), each answer's time,
    the acknowledged declarations and what failed."""

    started_at: float = 0.0  # epoch seconds of the first due arrival
    lateness: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    sent_at: list[tuple[float, int]] = field(default_factory=list)  # (loop time, lines)
    accepted: int = 0
    failures: list[str] = field(default_factory=list)


class Step:
    """One channel at one rate for `seconds`, then until every declaration has its result."""

    def __init__(self, stack: LocalStack, channel: str, rate: int, seconds: float,
                 bodies: list[bytes], count: Count | None = None):
        self.stack, self.channel, self.rate, self.seconds = stack, channel, rate, seconds
        self.bodies, self.count = bodies, count

    def run(self, timeout_s: float) -> dict:
        [(after,)] = self.stack.sql(
            "SELECT coalesce(max(declaration_id), 0) FROM intake.submissions")
        backlog = Backlog(self.stack.state["database_url"], after)
        root = self.stack.process.pid if self.stack.process else 0
        cpu, own, began = tree_cpu_s(root), time.process_time(), time.monotonic()
        with backlog:
            send = rest if self.channel == "rest" else files
            sent = asyncio.run(send(self.stack.state["api"], self.bodies, self.rate,
                                    self.count))
            stack_cores = (tree_cpu_s(root) - cpu) / (time.monotonic() - began)
            bench_cores = (time.process_time() - own) / (time.monotonic() - began)
            self._drain(after, sent.accepted, timeout_s)
        return self._figures(sent, after, backlog, stack_cores, bench_cores)

    def _drain(self, after: int, accepted: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while results(self.stack, after) < accepted:
            if time.monotonic() > deadline:
                raise BenchFailed(f"{self.channel} at {self.rate}/s: timed out waiting for "
                                  f"{accepted} results")
            time.sleep(0.2)

    def _figures(self, sent: Sent, after: int, backlog: Backlog, stack_cores: float,
                 bench_cores: float) -> dict:
        end = sent.started_at + self.seconds
        rows = self.stack.sql(
            "SELECT extract(epoch FROM s.received_at),"
            " extract(epoch FROM pg_xact_commit_timestamp(d.xmin))"
            " FROM intake.submissions s JOIN register.declarations d USING (declaration_id)"
            " WHERE s.declaration_id > %s", (after,))
        done = sorted(float(d) for _, d in rows)
        # the results over as long as the load lasted, from the first one: the pipeline's
        # delay (and a file's burst) does not count as a lower rate
        first = done[0] if done else end
        in_window = sum(1 for d in done if d <= first + self.seconds)
        spread = sent.sent_at[-1][0] - sent.sent_at[0][0] if len(sent.sent_at) > 1 else 0.0
        lines = sum(n for _, n in sent.sent_at[:-1])  # those sent before the last one
        lateness = sorted(sent.lateness)
        return {
            "channel": self.channel, "offered_per_s": self.rate, "seconds": self.seconds,
            "declarations": len(self.bodies), "accepted": sent.accepted,
            "failures": len(sent.failures), "failure_examples": sent.failures[:3],
            "sent_per_s": round(lines / spread, 1) if spread else None,
            "late_ms": {"p50": ms(percentile(lateness, 0.5)),
                        "p99": ms(percentile(lateness, 0.99)),
                        "max": ms(lateness[-1] if lateness else None)},
            "answer_ms": summary(sent.answers),
            "achieved_per_s": round(in_window / self.seconds, 1),
            "latency_ms": summary([float(d) - float(r) for r, d in rows]),
            "drain_s": round(max(0.0, done[-1] - end), 2) if done else None,
            "backlog": backlog.figures(sent.started_at, end),
            "stack_cores": round(stack_cores, 2), "bench_cores": round(bench_cores, 2)}


def results(stack: LocalStack, after: int) -> int:
    [(n,)] = stack.sql("SELECT count(*) FROM register.declarations WHERE declaration_id > %s",
                       (after,))
    return n


class Backlog:
    """The declarations received after `after` without their register row yet, every
    SAMPLE_S in a thread: (epoch seconds, count)."""

    def __init__(self, database_url: str, after: int):
        self.database_url, self.after = database_url, after
        self.samples: list[tuple[float, int]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Backlog:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()

    def _sample(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self.done.wait(SAMPLE_S):
                [(n,)] = conn.execute(
                    "SELECT (SELECT count(*) FROM intake.submissions WHERE declaration_id > %s)"
                    " - (SELECT count(*) FROM register.declarations WHERE declaration_id > %s)",
                    (self.after, self.after)).fetchall()
                self.samples.append((time.time(), n))

    def figures(self, start: float, end: float) -> dict:
        """Over the load's window: the slope (declarations per second, least squares), the
        count at its end and the largest."""
        window = [(t, n) for t, n in self.samples if start <= t <= end]
        return {"slope_per_s": round(slope(window), 1),
                "at_end": window[-1][1] if window else None,
                "max": max((n for _, n in self.samples), default=None)}


def slope(points: Sequence[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    mt = sum(t for t, _ in points) / len(points)
    mn = sum(n for _, n in points) / len(points)
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (n - mn) for t, n in points) / var if var else 0.0


# --- the senders: arrivals on a fixed schedule, whatever the answers ------------------------

async def rest(api: str, bodies: list[bytes], rate: int, count: Count | None) -> Sent:
    """Body i is due at i / rate: the schedule puts it in a queue then, whatever the
    answers; IN_FLIGHT senders, each with its own connection, take the bodies in turn
    (one client each: httpx's shared pool spends time quadratic in the requests waiting
    for a connection). The time a body waits in the queue is its lateness."""
    async def sender() -> None:
        async with httpx.AsyncClient(base_url=api, headers=HEADERS, timeout=600) as client:
            while (item := await queue.get()) is not None:
                body, due = item
                now = loop.time()
                sent.lateness.append(now - due)
                sent.sent_at.append((now, 1))
                try:
                    answer = await client.post("/declarations", content=body)
                except httpx.HTTPError as exc:
                    sent.failures.append(repr(exc))
                    continue
                sent.answers.append(loop.time() - now)
                if answer.status_code == 201:
                    sent.accepted += 1
                else:
                    sent.failures.append(f"{answer.status_code} {answer.text[:200]}")
                if count and len(sent.answers) % 100 == 0:
                    count(f"rest {rate}/s", len(sent.answers), len(bodies), "answered")

    loop, sent = asyncio.get_running_loop(), Sent()
    queue: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue()
    senders = [asyncio.create_task(sender()) for _ in range(IN_FLIGHT)]
    await asyncio.sleep(LEAD_S)  # the senders' clients are made
    start, sent.started_at = loop.time(), time.time()
    for i, body in enumerate(bodies):
        await _until(loop, start + i / rate)
        queue.put_nowait((body, start + i / rate))
    for _ in senders:
        queue.put_nowait(None)
    await asyncio.gather(*senders)
    return sent


async def files(api: str, bodies: list[bytes], rate: int, count: Count | None) -> Sent:
    """A JSON Lines file of FILE_S seconds of the load (rate × FILE_S lines) is due every
    FILE_S seconds, each POSTed in its own task. Every line of a file counts the file's
    lateness."""
    per_file = max(1, round(rate * FILE_S))
    chunks = [bodies[i:i + per_file] for i in range(0, len(bodies), per_file)]
    run = uuid.uuid4().hex[:8]

    async def one(k: int, chunk: list[bytes], due: float) -> None:
        now = loop.time()
        sent.lateness += [now - due] * len(chunk)
        sent.sent_at.append((now, len(chunk)))
        try:
            answer = await client.post("/batches", content=b"\n".join(chunk) + b"\n",
                                       headers={"X-File-Name": f"load-{run}-{rate}-{k}.jsonl"})
        except httpx.HTTPError as exc:
            sent.failures.append(repr(exc))
            return
        sent.answers.append(loop.time() - now)
        if answer.status_code == 202:
            sent.accepted += answer.json()["accepted"]
        else:
            sent.failures.append(f"{answer.status_code} {answer.text[:200]}")
        if count:
            count(f"files {rate}/s", k + 1, len(chunks), "files sent")

    loop, sent = asyncio.get_running_loop(), Sent()
    async with httpx.AsyncClient(base_url=api, headers=HEADERS, timeout=600) as client:
        start = loop.time() + LEAD_S
        sent.started_at = time.time() + LEAD_S
        tasks = []
        for k, chunk in enumerate(chunks):
            await _until(loop, start + k * FILE_S)
            tasks.append(asyncio.create_task(one(k, chunk, start + k * FILE_S)))
        await asyncio.gather(*tasks)
    return sent


async def _until(loop: asyncio.AbstractEventLoop, due: float) -> None:
    """Sleep until `due` (loop time), letting the tasks already sent run meanwhile."""
    delay = due - loop.time()
    if delay > 0:
        await asyncio.sleep(delay)
