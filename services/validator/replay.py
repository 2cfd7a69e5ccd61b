"""What a rule change would change (`dimona replay --rules REF`, docs/interface.md §4): the
recorded submissions decided again, in their original order and with the directory as it
stood at each reception, under the rules of another version of the source (a git reference
or a source tree), and compared with the decisions recorded.

The submissions are rebuilt from the recorded decisions (each carries the declaration as
received, its reception and its origin), read from the event store in the order of their
positions, and decided by services/validator/replay_worker.py in a process of its own whose
imports are the other version's: an in-memory event store, no database, nothing live is
touched. The directory's dated history (directory.history) is replayed beside them: before a
submission received at T, every change loaded at or before T is in force.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import psycopg

from schemas.events import stable_id
from services.directory import adapter as directory
from services.validator.domain import RECEPTION_FIELDS
from services.validator.eventlog import DECIDED_TOPICS, EVENTS_TABLE

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("replay_worker.py")
BRUSSELS = ZoneInfo("Europe/Brussels")
BATCH = 2000
BOOT = ("import runpy, sys; sys.path.insert(0, sys.argv[1]); "
        "runpy.run_path(sys.argv[2], run_name='__main__')")
Progress = Callable[[int, int], None]  # submissions decided again, of how many


class ReplayError(Exception):
    """The rules to try cannot be found or cannot run."""


@dataclass(frozen=True)
class Scope:
    """Which decisions are compared (all are decided again: a declaration depends on those
    before it): received from `start` to `end` (days, Brussels time), of these employers."""

    start: date | None = None
    end: date | None = None
    employer_keys: frozenset[str] | None = None

    def holds(self, employer_key: str, received: date) -> bool:
        return ((self.employer_keys is None or employer_key in self.employer_keys)
                and (self.start is None or received >= self.start)
                and (self.end is None or received <= self.end))


@dataclass(frozen=True)
class Change:
    declaration_id: int
    employer_key: str
    received_at: str
    old_result: str
    old_codes: tuple[str, ...]
    new_result: str
    new_codes: tuple[str, ...]

    @property
    def added(self) -> list[str]:
        return [c for c in self.new_codes if c not in self.old_codes]

    @property
    def removed(self) -> list[str]:
        return [c for c in self.old_codes if c not in self.new_codes]

    def to_json(self) -> dict:
        return {"declarationId": self.declaration_id, "employerKey": self.employer_key,
                "receivedAt": self.received_at,
                "old": {"result": self.old_result, "anomalies": list(self.old_codes)},
                "new": {"result": self.new_result, "anomalies": list(self.new_codes)},
                "added": self.added, "removed": self.removed}


@dataclass
class Report:
    rules: str  # the version the other rules name
    replayed: int = 0  # submissions decided again
    compared: int = 0  # decisions of the scope compared
    changes: list[Change] = field(default_factory=list)

    def totals(self) -> dict[str, dict[str, int]]:
        """Per anomaly code: the decisions that would gain it, and those that would lose it."""
        found: dict[str, dict[str, int]] = {}
        for change in self.changes:
            for code in change.added:
                found.setdefault(code, {"added": 0, "removed": 0})["added"] += 1
            for code in change.removed:
                found.setdefault(code, {"added": 0, "removed": 0})["removed"] += 1
        return dict(sorted(found.items()))

    def results(self) -> dict[str, int]:
        """Per change of result (`A→B`): how many decisions."""
        found: dict[str, int] = {}
        for c in self.changes:
            if c.old_result != c.new_result:
                key = f"{c.old_result}→{c.new_result}"
                found[key] = found.get(key, 0) + 1
        return dict(sorted(found.items()))

    def to_json(self) -> dict:
        return {"rules": self.rules, "replayed": self.replayed, "compared": self.compared,
                "changed": len(self.changes), "results": self.results(),
                "totals": self.totals(), "changes": [c.to_json() for c in self.changes]}


@contextmanager
def rules_tree(ref: str) -> Iterator[Path]:
    """The source tree of the rules to try: a directory holding one (the working tree:
    `.`), or a git reference of this repository, extracted to a temporary directory."""
    path = Path(ref).expanduser()
    if path.is_dir():
        if not (path / "services" / "validator" / "domain").is_dir():
            raise ReplayError(f"{ref}: not a source tree of this project (no "
                              "services/validator/domain)")
        yield path.resolve()
        return
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref,
                              "schemas", "services"], capture_output=True)
    if archive.returncode != 0:
        raise ReplayError(f"{ref}: neither a directory nor a git reference of "
                          f"{ROOT} ({archive.stderr.decode().strip()})")
    with tempfile.TemporaryDirectory(prefix="dimona-rules-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


class DirectoryTimeline:
    """The directory as it stood at each moment, moving forward only: each entry as the
    last load at or before the moment gave it."""

    def __init__(self, rows: list[tuple[datetime | None, str, str, dict]]):
        self.rows, self.next = rows, 0
        self.entries: dict[str, dict[str, dict]] = {}

    def advance(self, moment: datetime) -> dict | None:
        """The directory document at `moment`, when it changed since the last call."""
        changed = self.next == 0
        while self.next < len(self.rows) and (
                self.rows[self.next][0] is None or self.rows[self.next][0] <= moment):
            _, name, key, doc = self.rows[self.next]
            self.entries.setdefault(name, {})[key] = doc
            self.next, changed = self.next + 1, True
        return {name: list(e.values()) for name, e in self.entries.items()} if changed else None


class Replay:
    """Decide the recorded submissions again under the rules of `tree`."""

    def __init__(self, database_url: str, tree: Path, progress: Progress = lambda n, t: None):
        self.database_url, self.tree, self.progress = database_url, tree, progress

    def run(self, scope: Scope = Scope()) -> Report:
        with tempfile.TemporaryFile() as said:  # the worker's stderr, read if it fails
            return self._run(scope, said)

    def _run(self, scope: Scope, said) -> Report:
        rows, choices = directory.history(self.database_url)
        worker = subprocess.Popen([sys.executable, "-c", BOOT, str(self.tree), str(WORKER)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=said, cwd=self.tree)
        try:
            report = Report(rules=json.loads(worker.stdout.readline())["rules"])
        except (ValueError, KeyError, TypeError):
            worker.kill()
            worker.wait()
            raise ReplayError("the rules to try do not run: " + _tail(said)) from None
        recorded: dict[int, tuple[str, tuple[str, ...], str, str]] = {}
        feeding = Feeder(self.database_url, DirectoryTimeline(rows), choices, scope, recorded,
                         worker)
        writer = threading.Thread(target=feeding.run, name="replay-feeder", daemon=True)
        writer.start()
        replayed: dict[int, tuple[str, tuple[str, ...]]] = {}
        for line in worker.stdout:
            told = orjson.loads(line)
            if "done" in told:
                report.replayed += told["done"]
                self.progress(report.replayed, feeding.total)
            else:
                replayed[told["id"]] = (told["result"], tuple(told["codes"]))
        writer.join()
        if worker.wait() != 0 or feeding.failure is not None:
            raise ReplayError(f"the replay stopped: {feeding.failure or ''} {_tail(said)}")
        for declaration_id, (result, codes, employer_key, received) in recorded.items():
            report.compared += 1
            new_result, new_codes = replayed.get(declaration_id, ("-", ()))
            if (result, sorted(codes)) != (new_result, sorted(new_codes)):
                report.changes.append(Change(declaration_id, employer_key, received, result,
                                             codes, new_result, new_codes))
        report.changes.sort(key=lambda c: (c.received_at, c.declaration_id))
        return report


class Feeder:
    """Reads the recorded decisions in the order of their positions and feeds the worker
    their submissions, with each directory change before the first submission received
    after it; keeps the final recorded decision of each declaration of the scope."""

    def __init__(self, database_url: str, timeline: DirectoryTimeline, choices: list[dict],
                 scope: Scope, recorded: dict, worker: subprocess.Popen):
        self.database_url, self.timeline, self.choices = database_url, timeline, choices
        self.scope, self.recorded, self.worker = scope, recorded, worker
        self.total, self.failure = 0, None

    def run(self) -> None:
        try:
            self._feed()
        except Exception as exc:  # told by Replay.run, after the worker's own words
            self.failure = exc
        finally:
            self.worker.stdin.close()

    def _feed(self) -> None:
        batch: list[dict] = []
        last = datetime.max.replace(tzinfo=BRUSSELS) if self.scope.end is None else \
            datetime.combine(self.scope.end, datetime.max.time(), BRUSSELS)
        with psycopg.connect(self.database_url) as conn:
            self.total = conn.execute(
                f"SELECT count(*) FROM {EVENTS_TABLE} WHERE topic = %s",
                (DECIDED_TOPICS[0],)).fetchone()[0]
            with conn.transaction(), conn.cursor(name="replay") as cur:
                cur.itersize = 2000
                cur.execute(f"SELECT topic, state FROM {EVENTS_TABLE} WHERE topic = ANY(%s) "
                            "ORDER BY notification_id", (DECIDED_TOPICS,))
                for topic, state in cur:
                    event = orjson.loads(state)
                    decision = event["decision"]
                    received = datetime.fromisoformat(decision["received_at"])
                    if received > last:
                        continue
                    self._record(decision, received)
                    if topic != DECIDED_TOPICS[0]:
                        continue  # a final decision after identification: the worker's own
                    doc = self.timeline.advance(received)
                    if doc is not None:
                        self._send({"batch": batch})
                        batch = []
                        self._send({"directory": doc, "choices": self.choices})
                    batch.append(submission(decision))
                    if len(batch) >= BATCH:
                        self._send({"batch": batch})
                        batch = []
        self._send({"batch": batch})

    def _record(self, decision: dict, received: datetime) -> None:
        if self.scope.holds(decision["employer_key"], received.astimezone(BRUSSELS).date()):
            self.recorded[decision["declaration_id"]] = (
                decision["result"], tuple(a["code"] for a in decision["anomalies"]),
                decision["employer_key"], decision["received_at"])

    def _send(self, message: dict) -> None:
        if message.get("batch") == []:
            return
        self.worker.stdin.write(orjson.dumps(message) + b"\n")
        self.worker.stdin.flush()


def _tail(file) -> str:
    """The end of what a process wrote to `file`."""
    file.seek(0)
    return file.read().decode(errors="replace").strip()[-2000:]


def submission(decision: dict) -> dict:
    """The submission a recorded decision was made of (schemas.events.DeclarationSubmitted
    as JSON), without its origin (the raw request, which no rule reads)."""
    found = {name: decision[name] for name in RECEPTION_FIELDS if name in decision}
    event_id = decision.get("causation_id") or str(stable_id("submitted",
                                                             decision["declaration_id"]))
    return {**found, "event_id": event_id, "occurred_at": decision["received_at"],
            "correlation_id": decision["correlation_id"]}
