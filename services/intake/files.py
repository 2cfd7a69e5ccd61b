"""Batch files (docs/interface.md §5): the acknowledgement and the results of a batch, streamed
line by line; the outbox files of each batch; the watched inbox folder."""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from services.intake.adapter import BatchClaim, IntakeStore, OpenBatch
from services.intake.application import Intake
from services.intake.domain import BadFile, outbox_name
from services.notifier.adapter import ReturnEntries
from services.projections.adapter import RegisterReader

log = logging.getLogger("dimona.intake.files")


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


class BatchViews:
    """What a batch sender reads about its file, streamed from the database."""

    def __init__(self, store: IntakeStore, register: RegisterReader,
                 returns: ReturnEntries | None = None):
        self.store = store
        self.register = register
        self.returns = returns

    def acknowledgement(self, summary: dict) -> Iterator[str]:
        """The acknowledgement as JSON text, in pieces: the summary, then `declarations`
        [{line, declarationId}] and `rejected` [{line, reason}], in line order."""
        ref = summary["batchRef"]
        yield json.dumps(summary, ensure_ascii=False)[:-1] + ', "declarations": ['
        yield from _joined(json.dumps({"line": line, "declarationId": number})
                           for line, number in self.store.declared_lines(ref))
        yield '], "rejected": ['
        yield from _joined(json.dumps({"line": r.line, "reason": r.reason}, ensure_ascii=False)
                           for r in self.store.rejected_lines(ref))
        yield "]}"

    def results(self, batch_ref: str, after_line: int = 0) -> Iterator[dict]:
        """One result per line (docs/interface.md §3, with `line`), rejected lines with their
        reason, in file order, as far as they are known."""
        decided = ({**r["result"], "line": r["line"]}
                   for r in self.register.batch_results(batch_ref, after_line))
        return self._with_rejected(decided, batch_ref, after_line)

    def return_file(self, batch_ref: str, upto: int) -> Iterator[dict]:
        """The results file: the notifier's return-file entries up to the position
        `upto` (one per line) and the rejected lines."""
        assert self.returns is not None
        return self._with_rejected(self.returns.of(batch_ref, upto=upto), batch_ref)

    def _with_rejected(self, decided: Iterable[dict], batch_ref: str, after_line: int = 0
                       ) -> Iterator[dict]:
        rejected = ({"line": r.line, "rejected": r.reason}
                    for r in self.store.rejected_lines(batch_ref, after_line))
        return heapq.merge(decided, rejected, key=lambda r: r["line"])


async def every(interval_s: float, work: Callable[[], object], what: str) -> None:
    """Runs blocking `work` in a thread every `interval_s`; a failure is logged and the
    next round tries again (the database may be away for a while)."""
    while True:
        try:
            await asyncio.to_thread(work)
        except Exception:
            log.exception("%s failed; retrying", what)
        await asyncio.sleep(interval_s)


def _joined(items: Iterable[str]) -> Iterator[str]:
    for i, item in enumerate(items):
        yield ("," if i else "") + item


def json_lines(rows: Iterable[dict]) -> Iterator[str]:
    """Each row as one line of JSON Lines."""
    return (json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def chunked(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """Small pieces joined into chunks of about `size` characters: a streamed response
    runs its iterator in a worker thread, one round trip per piece (14 % of intake's time
    on 10,000-line acknowledgements, profiled)."""
    chunk: list[str] = []
    length = 0
    for piece in pieces:
        chunk.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(chunk)
            chunk, length = [], 0
    if chunk:
        yield "".join(chunk)


def write_atomically(path: Path, pieces: Iterable[str]) -> None:
    """Readers never see half a file: write beside it, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.writelines(pieces)
    os.replace(tmp, path)


class ReturnFiles:
    """Writes, in `outbox/<declarant>/`, each batch's acknowledgement at once, its results
    file once the notifier has an entry for every accepted line (a line waiting for
    identification counts with its `S`), and a follow-up results file (`results.2.jsonl`,
    ...) with the final results of such lines as they come. Every intake replica may run it:
    a batch is claimed with a row lock, and a file written twice is written the same."""

    def __init__(self, store: IntakeStore, views: BatchViews, outbox: Path):
        self.store, self.views, self.outbox = store, views, outbox

    def write_pending(self, limit: int = 50) -> int:
        written = 0
        with self.store.claim_batches(limit) as claim:
            entries = self.views.returns.counts([b.batch_ref for b in claim.batches])
            for b in claim.batches:
                if not b.ack_written:
                    self._write(b, "ack", self.views.acknowledgement(b.summary))
                    claim.ack_written(b.batch_ref)
                    written += 1
                if entries[b.batch_ref] >= b.summary["accepted"]:
                    written += self._write_results(claim, b)
        return written

    def _write_results(self, claim: BatchClaim, b: OpenBatch) -> int:
        """The results file, or a follow-up with the final results of lines that had `S`
        (the entries after those written out)."""
        upto, waiting = self.views.returns.progress(b.batch_ref)
        if b.results_files == 0:
            rows = self.views.return_file(b.batch_ref, upto)
        elif upto > b.results_upto:
            rows = self.views.returns.of(b.batch_ref, after=b.results_upto, upto=upto)
        else:
            return 0
        kind = "results" if b.results_files == 0 else f"results.{b.results_files + 1}"
        self._write(b, kind, json_lines(rows))
        claim.results_written(b.batch_ref, upto, waiting)
        return 1

    def _write(self, b: OpenBatch, kind: str, pieces: Iterable[str]) -> None:
        write_atomically(self.outbox / b.declarant / outbox_name(
            b.summary["fileName"], b.batch_ref, kind), pieces)

    async def run(self, interval_s: float) -> None:
        await every(interval_s, self.write_pending, "writing return files")


class Inbox:
    """The watched folder `inbox/<declarant enterprise number>/`. A file is taken once its
    size and time stay the same over one scan (or write it under a name starting with a
    dot and rename it). Taken files move to `processed/`, unreadable ones to `rejected/`;
    the sender finds the answer in `outbox/<declarant>/`."""

    def __init__(self, intake: Intake, root: Path, outbox: Path,
                 declarants: Callable[[], set[str]]):
        self.intake, self.root, self.outbox, self.declarants = intake, root, outbox, declarants
        self.seen: dict[Path, tuple[int, int]] = {}

    def scan(self) -> int:
        """Takes every file that is complete; returns how many."""
        seen, ready = {}, []
        for path in sorted(self.root.glob("*/*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            stat = path.stat()
            seen[path] = (stat.st_size, stat.st_mtime_ns)
            if self.seen.get(path) == seen[path]:
                ready.append(path)
        self.seen = {p: s for p, s in seen.items() if p not in ready}
        known = self.declarants() if ready else set()
        for path in ready:
            self.take(path, known)
        return len(ready)

    def take(self, path: Path, known: set[str]) -> None:
        declarant = path.parent.name
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        try:
            if declarant not in known:
                raise BadFile(f"{declarant} is not a declarant of the directory")
            with path.open("rb") as stream:
                summary = self.intake.accept_batch(path.name, stream, sha256_of(stream),
                                                   declarant, "inbox")
        except BadFile as exc:
            self.intake.counted("batch", 0, {"bad_file": 1})
            self._answer(path, stamp, "error", {"fileName": path.name, "error": str(exc)})
            self._move(path, "rejected", stamp)
            return
        if summary["duplicate"]:
            self._answer(path, stamp, "duplicate", summary)
        self._move(path, "processed", summary["batchRef"])

    def _answer(self, path: Path, stamp: str, kind: str, body: dict) -> None:
        write_atomically(self.outbox / path.parent.name / outbox_name(path.name, stamp, kind),
                         [json.dumps(body, ensure_ascii=False)])

    @staticmethod
    def _move(path: Path, folder: str, prefix: str) -> None:
        target = path.parent / folder / f"{prefix}-{path.name}"
        target.parent.mkdir(exist_ok=True)
        shutil.move(path, target)

    async def run(self, interval_s: float) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        await every(interval_s, self.scan, "scanning the inbox")
