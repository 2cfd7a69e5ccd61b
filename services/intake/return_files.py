"""The answers to a batch file (docs/interface.md §5): its acknowledgement, streamed line by
line, and the files written for it in `outbox/<declarant>/` from the notifier's return-file
entries (services.notifier.queries)."""

from __future__ import annotations

import contextlib
import heapq
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from services.intake.adapter import BatchClaim, IntakeStore, OpenBatch
from services.intake.domain import outbox_name
from services.notifier.queries import ReturnEntries


def acknowledgement(store: IntakeStore, summary: dict) -> Iterator[str]:
    """The acknowledgement as JSON text, in pieces: the summary, then `declarations`
    [{line, declarationId}] and `rejected` [{line, reason}], in line order."""
    ref = summary["batchRef"]
    yield json.dumps(summary, ensure_ascii=False)[:-1] + ', "declarations": ['
    yield from _joined(json.dumps({"line": line, "declarationId": number})
                       for line, number in store.declared_lines(ref))
    yield '], "rejected": ['
    yield from _joined(json.dumps({"line": r.line, "reason": r.reason}, ensure_ascii=False)
                       for r in store.rejected_lines(ref))
    yield "]}"


def with_rejected(store: IntakeStore, decided: Iterable[dict], batch_ref: str,
                  after_line: int = 0) -> Iterator[dict]:
    """Results of a batch's lines (each with `line`, in line order) merged with its
    rejected lines and their reason, in file order."""
    rejected = ({"line": r.line, "rejected": r.reason}
                for r in store.rejected_lines(batch_ref, after_line))
    return heapq.merge(decided, rejected, key=lambda r: r["line"])


def json_lines(rows: Iterable[dict]) -> Iterator[str]:
    """Each row as one line of JSON Lines."""
    return (json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _joined(items: Iterable[str]) -> Iterator[str]:
    for i, item in enumerate(items):
        yield ("," if i else "") + item


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

    def __init__(self, store: IntakeStore, returns: ReturnEntries, outbox: Path):
        self.store, self.returns, self.outbox = store, returns, outbox

    def write_pending(self, limit: int = 50) -> int:
        written = 0
        with self.store.claim_batches(limit, self.fresh()) as claim:
            entries = self.returns.counts([b.batch_ref for b in claim.batches])
            for b in claim.batches:
                if not b.ack_written:
                    self._write(b, "ack", acknowledgement(self.store, b.summary))
                    claim.ack_written(b.batch_ref)
                    written += 1
                if entries[b.batch_ref] >= b.summary["accepted"]:
                    written += self._write_results(claim, b)
        return written

    def fresh(self) -> list[str]:
        """The batches whose lines wait for their final result and for which the notifier
        recorded an entry since their last results file: a batch whose lines wait with
        nothing new takes no turn, and never holds back the others."""
        return [ref for ref, upto in self.store.waiting_batches().items()
                if self._has_entries_after(ref, upto)]

    def _has_entries_after(self, batch_ref: str, position: int) -> bool:
        with contextlib.closing(self.returns.of(batch_ref, after=position)) as entries:
            return next(entries, None) is not None

    def _write_results(self, claim: BatchClaim, b: OpenBatch) -> int:
        """The results file, or a follow-up with the final results of lines that had `S`
        (the entries after those written out)."""
        upto, waiting, _ = self.returns.progress(b.batch_ref)
        if b.results_files == 0:
            rows = with_rejected(self.store, self.returns.of(b.batch_ref, upto=upto),
                                 b.batch_ref)
        elif upto > b.results_upto:
            rows = self.returns.of(b.batch_ref, after=b.results_upto, upto=upto)
        else:
            return 0
        kind = "results" if b.results_files == 0 else f"results.{b.results_files + 1}"
        self._write(b, kind, json_lines(rows))
        claim.results_written(b.batch_ref, upto, waiting)
        return 1

    def _write(self, b: OpenBatch, kind: str, pieces: Iterable[str]) -> None:
        write_atomically(self.outbox / b.declarant / outbox_name(
            b.summary["fileName"], b.batch_ref, kind), pieces)
