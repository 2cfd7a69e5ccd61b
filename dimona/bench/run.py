"""`dimona bench`: a fresh embedded stack (`dimona up` in a temporary home), a warm-up, then
the workload of dimona.bench.workload through the batch channel (POST /batches), timed
until the last result, register row and results file exist; then the null pipeline on the
same broker and database. docs/performance.md explains the figures."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import httpx
import psycopg

from dimona.bench import floor, null_pipeline
from dimona.bench.workload import TOKEN, Workload, directory, lines
from services.common.db import open_pool
from services.common.settings import CommonSettings
from services.directory import adapter as directory_adapter
from services.directory.domain import DirectoryDocument

Progress = Callable[[str], None]  # a stage begins, or an interim figure
# How far the measured run is: (what, done, total, unit), as dimona.client.Progress
Count = Callable[[str, int, int | None, str], None]


class BenchFailed(Exception):
    """The stack did not start or did not finish the work in time."""


@dataclass
class Options:
    declarations: int = 100_000
    file_lines: int = 10_000
    employers: int = 40
    partitions: int = 4
    timeout_s: float = 1800
    env: dict[str, str] = field(default_factory=dict)  # e.g. DIMONA_SCALE
    keep: Path | None = None


def bench(options: Options, progress: Progress, count: Count | None = None) -> dict:
    """The figures of a run; `progress` is told each stage, `count` (when given) the results
    files written of the measured run, instead of a line every 5 seconds."""
    with fresh_stack(options, progress) as stack:
        stack.load_directory(directory(options.employers))
        progress("warm-up: 500 declarations (the consumers join their groups)")
        submit_and_wait(stack, Workload(500, options.employers, seed=1, worker_offset=10**6),
                        options, progress, quiet=True)
        pids = stack.pids()
        with ResourceProbe(pids) as probe:
            run = submit_and_wait(stack, Workload(options.declarations, options.employers),
                                  options, progress, count=count)
        # read once the probe stopped: reading every decision costs PostgreSQL seconds
        figures = run.figures(*stack.decisions(run.refs), stack.results(run.refs))
        figures["peak_rss_mb"], figures["cpu_s"] = probe.peaks_mb(), probe.cpu_s
        progress("null pipeline: the same messages through Kafka and COPY, no rules")
        wait_until_quiet(pids)  # the services' after-work and autovacuum
        messages = stack.submission_messages(options.declarations)
        null_s = null_pipeline.run(stack.state["kafka_bootstrap"], stack.state["database_url"],
                                   messages, options.partitions,
                                   CommonSettings().batch_max_records)  # as the services
        figures["null_pipeline_per_s"] = round(len(messages) / null_s)
        figures["ratio"] = round(figures["declarations_per_s"] / figures["null_pipeline_per_s"],
                                 3)
        progress("I/O floor: templates from this run's database and topics")
        templates = floor.extract(stack.state["database_url"], stack.state["kafka_bootstrap"])
    try:  # the stack has stopped: the floor has the machine
        found = floor.run(templates, options.declarations, options.partitions, progress)
    except floor.FloorFailed as exc:
        raise BenchFailed(str(exc)) from None
    figures["floor_per_s"] = found["per_s"]
    figures["ratio_to_floor"] = round(figures["declarations_per_s"] / found["per_s"], 3)
    figures["floor"] = found
    return figures


@contextmanager
def fresh_stack(options: Options, progress: Progress,
                prepare: Callable[[Path], None] | None = None) -> Iterator[LocalStack]:
    """A stack started in a new home (or `options.keep`), stopped (and removed) after;
    `prepare` is given the home first (e.g. to create its PostgreSQL with other settings)."""
    home = options.keep or Path(tempfile.mkdtemp(prefix="dimona-bench-"))
    stack = LocalStack(home, options.partitions, options.env)
    progress(f"starting a fresh stack in {home}")
    try:
        if prepare:
            prepare(home)
        stack.start()
        yield stack
    finally:
        stack.stop()
        if options.keep is None:
            shutil.rmtree(home, ignore_errors=True)


def wait_until_quiet(pids: dict[str, int], timeout_s: float = 120) -> None:
    """Until the stack's processes used less than a tenth of a core for a second."""
    deadline, before = time.monotonic() + timeout_s, cpu_seconds(pids)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = cpu_seconds(pids)
        if sum(now.values()) - sum(before.values()) < 0.1:
            return
        before = now


@dataclass(frozen=True)
class Run:
    declarations: int
    refs: list[str]
    started_at: float  # epoch seconds
    accepted_s: float
    seconds: float

    def figures(self, latency: dict, last: dict[str, float], results: dict) -> dict:
        seconds = round(self.seconds, 2)
        return {"declarations": self.declarations, "seconds": seconds,
                "declarations_per_s": round(self.declarations / seconds),
                "latency_ms": latency, "results": results,
                "stages_s": {"accepted": round(self.accepted_s, 1),
                             **{k: round(v - self.started_at, 1) for k, v in last.items()}}}


def submit_and_wait(stack: LocalStack, workload: Workload, options: Options,
                    progress: Progress, quiet: bool = False, count: Count | None = None
                    ) -> Run:
    started, started_at = time.perf_counter(), time.time()
    refs = [ack["batchRef"] for ack in submit(workload, options.file_lines, stack.post_batch)]
    accepted_s = time.perf_counter() - started
    if not quiet:
        progress(f"{len(refs)} files accepted in {accepted_s:.1f}s")
    stack.wait_for_results(refs, workload.declarations, options.timeout_s,
                           None if quiet else progress, count)
    return Run(workload.declarations, refs, started_at, accepted_s,
               time.perf_counter() - started)


def submit(workload: Workload, file_lines: int, post: Callable[[str, str], dict]
           ) -> list[dict]:
    """The workload's files, wave after wave, each given to `post(name, body)`, which
    returns the file's acknowledgement; returns the acknowledgements. Each wave names
    numbers the acknowledgements of the one before gave: the second the periods of the
    first, the third the registrations the second created."""
    def wave(name: str, declarations: Iterator[dict]) -> list[dict]:
        return [post(f"bench-{workload.seed}-{name}-{part}.jsonl", body)
                for part, body in enumerate(files(lines(declarations, name), file_lines))]

    def numbers(acks: list[dict]) -> list[int]:
        return [d["declarationId"] for ack in acks for d in ack["declarations"]]
    first = wave("in", workload.first_wave())
    second = wave("change", workload.second_wave(numbers(first)))
    third = wave("registration", workload.third_wave(numbers(first), numbers(second)))
    return first + second + third


def files(declaration_lines: Iterator[str], size: int) -> Iterator[str]:
    while chunk := list(islice(declaration_lines, size)):
        yield "".join(chunk)


def load_directory(database_url: str, document: dict) -> None:
    """The workload's directory, and every employer's choice of the Dimona system for its
    daily registrations (the workload registers its fixed workers' days), made now:
    before anything the workload sends is received."""
    loaded = DirectoryDocument.model_validate(document)
    directory_adapter.load(database_url, loaded)
    pool = open_pool(database_url, max_size=1)
    try:
        for employer in loaded.employers:
            directory_adapter.record_system_choice(pool, employer.key, "dimona", "bench",
                                                   datetime.now(UTC))
    finally:
        pool.close()


class LocalStack:
    """`dimona up` in its own home, on free ports."""

    def __init__(self, home: Path, partitions: int, env: dict[str, str]):
        self.home, self.partitions = home, partitions
        self.env = {k: v for k, v in {**os.environ, **env}.items()
                    if k not in ("DIMONA_DATABASE_URL", "DIMONA_KAFKA_BOOTSTRAP")}
        self.process: subprocess.Popen | None = None
        self.http = httpx.Client(timeout=600, headers={"Authorization": f"Bearer {TOKEN}"})

    @property
    def state(self) -> dict:
        return json.loads((self.home / "var" / "stack.json").read_text())

    def start(self, timeout_s: float = 180) -> None:
        dimona = str(Path(sys.executable).parent / "dimona")
        self.home.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [dimona, "--home", str(self.home), "up", "--port", "0", "--partitions",
             str(self.partitions)], env=self.env, stdout=subprocess.DEVNULL,
            stderr=open(self.home / "up.log", "ab"), start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise BenchFailed(f"the stack did not start; see {self.home / 'up.log'}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            return self.http.get(f"{self.state['api']}/health", timeout=2).status_code == 200
        except (OSError, ValueError, httpx.HTTPError):
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(120)

    def pids(self) -> dict[str, int]:
        state = self.state
        return {**state["pids"], "broker": state["broker_pid"],
                "postgres": state["postgres_pid"]}

    def load_directory(self, document: dict) -> None:
        load_directory(self.state["database_url"], document)

    def post_batch(self, name: str, body: str) -> dict:
        answer = self.http.post(f"{self.state['api']}/batches", content=body.encode(),
                                headers={"X-File-Name": name})
        if answer.status_code != 202:
            raise BenchFailed(f"POST /batches {name}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.state["database_url"]) as conn:
            return conn.execute(query, params).fetchall()

    def wait_for_results(self, refs: list[str], expected: int, timeout_s: float,
                         progress: Progress | None, count: Count | None = None) -> None:
        """Until every declaration has its recorded decision and its register row, and
        every file its results file. Tells `count` the results files written at each look,
        or else `progress` every 5 seconds."""
        deadline, shown = time.monotonic() + timeout_s, time.monotonic()
        rows = 0
        while True:
            # the files first: counting the register's rows costs PostgreSQL time the
            # pipeline would use (a results file comes once every line has its result)
            [(files_done,)] = self.sql(
                "SELECT count(*) FROM intake.batches WHERE batch_ref = ANY(%s) "
                "AND results_written_at IS NOT NULL", (refs,))
            if count:
                count("measured run", files_done, len(refs), "results files written")
            if files_done == len(refs):
                [(rows,)] = self.sql("SELECT count(*) FROM register.declarations "
                                     "WHERE batch_ref = ANY(%s)", (refs,))
                if rows >= expected:
                    return
            if time.monotonic() > deadline:
                raise BenchFailed(f"timed out: {rows} of {expected} results, {files_done} of "
                                  f"{len(refs)} results files")
            if progress and not count and time.monotonic() - shown > 5:
                progress(f"{files_done} of {len(refs)} results files written")
                shown = time.monotonic()
            time.sleep(0.5)

    def decisions(self, refs: list[str]) -> tuple[dict, dict]:
        """Latency from reception (the file's) to the decision recorded in the event store;
        and when the last declaration was decided and the last results file written (epoch
        seconds)."""
        [(p50, p99, decided, written)] = self.sql(
            "WITH e AS (SELECT convert_from(state, 'UTF8')::jsonb AS s FROM validator_events "
            "  WHERE topic LIKE '%%Declaration.Decided'), "
            "d AS (SELECT (s #>> '{timestamp,_data_}')::timestamptz AS at, "
            "  (s #>> '{decision,occurred_at}')::timestamptz AS received FROM e "
            "  WHERE s #>> '{decision,correlation_id}' = ANY(%s)) "
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY at - received), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY at - received), "
            "extract(epoch FROM max(at)), "
            "(SELECT extract(epoch FROM max(results_written_at)) FROM intake.batches "
            "  WHERE batch_ref = ANY(%s)) FROM d", (refs, refs))
        return ({"p50": round(p50.total_seconds() * 1000),
                 "p99": round(p99.total_seconds() * 1000)},
                {"decided": float(decided),
                 "results_files": written and float(written)})

    def results(self, refs: list[str]) -> dict[str, int]:
        return dict(self.sql("SELECT result, count(*) FROM register.declarations "
                             "WHERE batch_ref = ANY(%s) GROUP BY result ORDER BY result",
                             (refs,)))

    def submission_messages(self, limit: int) -> list[bytes]:
        """The DeclarationSubmitted events intake published, as they were on the wire."""
        return [e.encode() for (e,) in self.sql(
            "SELECT event FROM intake.submissions ORDER BY declaration_id DESC LIMIT %s",
            (limit,))]


class ResourceProbe:
    """Peak resident memory of each process (services: the kernel's high-water mark;
    PostgreSQL: its processes' own memory summed and its shared memory once, sampled every
    0.2 s), and the CPU seconds each one used meanwhile (what limits the throughput)."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.postgres_peak_kb = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ResourceProbe:
        self.cpu_before = cpu_seconds(self.pids)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.peaks = {name: _status_kb(pid, "VmHWM") for name, pid in self.pids.items()
                      if name != "postgres"}
        self.cpu_s = {name: round(s - self.cpu_before.get(name, 0), 1)
                      for name, s in cpu_seconds(self.pids).items()}
        self.done.set()
        self.thread.join()

    def _sample(self) -> None:
        """Each backend's own memory, plus the shared buffers once."""
        while not self.done.wait(0.2):
            tree = [self.pids["postgres"], *children(self.pids["postgres"])]
            used = sum(_status_kb(p, "RssAnon") for p in tree) + max(
                _status_kb(p, "RssShmem") for p in tree)
            self.postgres_peak_kb = max(self.postgres_peak_kb, used)

    def peaks_mb(self) -> dict[str, int]:
        return {**{n: round(kb / 1024) for n, kb in self.peaks.items()},
                "postgres": round(self.postgres_peak_kb / 1024)}


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each process (PostgreSQL: its processes alive now, the ended
    ones' time counted in the postmaster's children time)."""
    return {name: process_cpu_s(pid, with_children=name == "postgres")
            + (sum(process_cpu_s(p) for p in children(pid)) if name == "postgres" else 0)
            for name, pid in pids.items()}


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def process_cpu_s(pid: int, with_children: bool = False) -> float:
    """utime + stime (and the reaped children's, when asked) of /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(f) for f in fields[11:15 if with_children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The children of every thread of a process."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found
