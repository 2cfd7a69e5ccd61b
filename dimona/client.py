"""What the CLI does against a running stack (found through var/stack.json)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

import psycopg

from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument


class StackError(Exception):
    """The stack cannot be reached or the input cannot be used (exit code 2)."""


class StackClient:
    def __init__(self, home: Path):
        self.home = home

    @cached_property
    def state(self) -> dict:
        path = self.home / "var" / "stack.json"
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise StackError(f"no running stack ({path} not found); start it with "
                             "`make run`") from None

    @cached_property
    def pool(self):
        from psycopg_pool import ConnectionPool
        try:
            pool = ConnectionPool(self.state["database_url"], min_size=1, max_size=2,
                                  open=False)
            pool.open(wait=True, timeout=10)
        except (psycopg.OperationalError, Exception) as exc:
            raise StackError(f"cannot reach the database: {exc}") from None
        return pool

    def load_directory(self, file: Path) -> dict:
        try:
            doc = DirectoryDocument.model_validate_json(file.read_bytes())
        except ValueError as exc:
            raise StackError(f"{file}: not a directory document: {exc}") from None
        return directory.load(self.state["database_url"], doc)

    def submit(self, file: Path, declarant: str | None) -> dict:
        """Record a batch file (streamed); returns its summary."""
        from services.intake.adapter import IntakeStore
        from services.intake.application import Intake
        from services.intake.domain import BadFile
        from services.intake.files import sha256_of
        declarants = directory.declarants(self.state["database_url"])
        if declarant is None:
            if not declarants:
                raise StackError("the directory has no declarant; load one first")
            declarant = declarants[0]["enterpriseNumber"]
        elif declarant not in {d["enterpriseNumber"] for d in declarants}:
            raise StackError(f"declarant {declarant} is not in the directory")
        try:
            with file.open("rb") as stream:
                return Intake(IntakeStore(self.pool)).accept_batch(
                    file.name, stream, sha256_of(stream), declarant, "dimona submit")
        except BadFile as exc:
            raise StackError(f"{file}: {exc}") from None
        except OSError as exc:
            raise StackError(f"{file}: {exc.strerror}") from None

    @cached_property
    def batch_views(self):
        from services.intake.adapter import IntakeStore
        from services.intake.files import BatchViews
        from services.notifier.adapter import ReturnEntries
        from services.projections.adapter import RegisterReader
        return BatchViews(IntakeStore(self.pool), RegisterReader(self.pool),
                          ReturnEntries(self.pool))

    def acknowledgement(self, summary: dict) -> Iterator[str]:
        return self.batch_views.acknowledgement(summary)

    def rejected_lines(self, batch_ref: str):
        return self.batch_views.store.rejected_lines(batch_ref)

    def wait_for_batch(self, summary: dict, timeout_s: float, progress: bool) -> bool:
        """Waits until every accepted line has a result; False on timeout. On a terminal,
        shows the lines acknowledged, the results received and their rate."""
        ref, total = summary["batchRef"], summary["accepted"]
        started = time.monotonic()
        while True:
            done = self.batch_views.register.decided_counts([ref])[ref]
            if progress:
                progress_line(summary["lines"], done, total, started)
            if done >= total:
                break
            if time.monotonic() - started > timeout_s:
                return False
            time.sleep(0.2)
        if progress:
            sys.stderr.write("\n")
        return True

    def batch_results(self, batch_ref: str) -> Iterator[dict]:
        """Every line's result in file order (rejected lines with their reason)."""
        return self.batch_views.results(batch_ref)

    def rebuild(self, verify: bool, progress: bool) -> tuple[int, list]:
        """Replays the event store into a fresh register: swapped in, or compared."""
        from services.projections.rebuild import Rebuild, RebuildRunning

        def show(count: int, seconds: float) -> None:
            sys.stderr.write(f"\r{count} decisions replayed ({count / max(seconds, 1e-6):.0f}/s)")
            sys.stderr.flush()
        try:
            found = Rebuild(self.state["database_url"], show if progress else
                            (lambda n, s: None)).run(verify)
        except psycopg.OperationalError as exc:
            raise StackError(f"cannot reach the database: {exc}") from None
        except RebuildRunning as exc:
            raise StackError(str(exc)) from None
        if progress:
            sys.stderr.write("\n")
        return found

    def dead_letters(self, limit: int) -> dict:
        """The Kafka records the consumers could not decode: how many per topic and
        consumer group, and the latest `limit` with their reason."""
        from services.common.deadletters import DeadLetters
        letters = DeadLetters(self.state["database_url"])
        try:
            counts, latest = letters.counts(), letters.latest(limit)
        except psycopg.OperationalError as exc:
            raise StackError(f"cannot reach the database: {exc}") from None
        return {"total": sum(c["count"] for c in counts), "byTopic": counts,
                "latest": latest}

    def result(self, declaration_id: int) -> dict | None:
        from services.projections.adapter import RegisterReader
        return RegisterReader(self.pool).result(declaration_id)

    @cached_property
    def register(self):
        from services.projections.application import Register
        return Register(self.pool)

    @cached_property
    def ebox(self):
        from services.notifier.adapter import Ebox
        from services.notifier.application import ReadEbox
        return ReadEbox(Ebox(self.pool), lambda number: self.register.employer(number)["keys"])


    @cached_property
    def audit(self):
        from services.audit.adapter import AuditStore
        from services.audit.application import AuditTrail
        from services.validator.eventlog import open_event_store
        mapper = open_event_store(self.state["database_url"], False).mapper
        return AuditTrail(AuditStore(self.pool), mapper,
                          lambda number: self.register.employer(number)["keys"])

    def audit_verifier(self, progress: bool):
        """Verifies the recorded logs; with `progress`, shows how far it is on stderr."""
        from services.audit.adapter import AuditStore
        from services.audit.application import VerifyLogs

        def show(log: str, count: int) -> None:
            sys.stderr.write(f"\r{log}: {count} records checked")
            sys.stderr.flush()
        return VerifyLogs(AuditStore(self.pool), show if progress else (lambda log, n: None))


def progress_line(lines: int, done: int, total: int, started: float) -> None:
    """Lines acknowledged, results so far and their rate, rewritten in place."""
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stderr.write(f"\r{lines} lines acknowledged, {done}/{total} results ({rate:.0f}/s)")
    sys.stderr.flush()
