"""What the CLI does against a running stack (found through var/stack.json)."""

from __future__ import annotations

import json
import sys
import time
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
        from services.intake.adapter import IntakeStore
        from services.intake.application import BadFile, Intake
        declarants = directory.declarants(self.state["database_url"])
        if declarant is None:
            if not declarants:
                raise StackError("the directory has no declarant; load one first")
            declarant = declarants[0]["enterpriseNumber"]
        elif declarant not in {d["enterpriseNumber"] for d in declarants}:
            raise StackError(f"declarant {declarant} is not in the directory")
        try:
            return Intake(IntakeStore(self.pool)).accept_batch(file.name, file.read_bytes(),
                                                                declarant)
        except BadFile as exc:
            raise StackError(f"{file}: {exc}") from None

    def wait_for_batch(self, ack: dict, timeout_s: float, progress: bool) -> list[dict] | None:
        """Every line's result in file order (rejected lines with their reason), or None."""
        from services.projections.adapter import RegisterReader
        reader = RegisterReader(self.pool)
        started = time.monotonic()
        while True:
            results = reader.batch_results(ack["batchRef"])
            if progress:
                progress_line(len(results), ack["accepted"], started)
            if len(results) >= ack["accepted"]:
                break
            if time.monotonic() - started > timeout_s:
                return None
            time.sleep(0.2)
        if progress:
            sys.stderr.write("\n")
        rows = [{**r["result"], "line": line} for line, r in results.items()]
        rows += [{"line": r["line"], "rejected": r["reason"]} for r in ack["rejected"]]
        return sorted(rows, key=lambda r: r["line"])

    def result(self, declaration_id: int) -> dict | None:
        from services.projections.adapter import RegisterReader
        return RegisterReader(self.pool).result(declaration_id)

    def periods(self, employer: str) -> list[dict]:
        from services.projections.adapter import RegisterReader
        return RegisterReader(self.pool).periods(employer)

    def ebox(self, employer: str | None, declarant: str | None) -> list[dict]:
        from services.notifier.adapter import Ebox
        return Ebox(self.pool).messages(employer_key=employer, recipient=declarant)

    def ebox_message(self, message_id: str) -> dict | None:
        from services.notifier.adapter import Ebox
        return Ebox(self.pool).message(message_id)


def progress_line(done: int, total: int, started: float) -> None:
    """Results so far and their rate, rewritten in place on a terminal."""
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stderr.write(f"\r{done}/{total} results ({rate:.0f}/s)")
    sys.stderr.flush()
