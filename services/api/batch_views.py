"""What a batch sender reads about its file (docs/interface.md §5): the acknowledgement and
the results of a batch, streamed line by line, from intake's store and the register (for
a test file, from the notifier's return entries)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator

from services.intake.adapter import IntakeStore
from services.intake.return_files import acknowledgement, json_lines, with_rejected
from services.notifier.queries import ReturnEntries
from services.projections.queries import RegisterQueries

__all__ = ["BatchViews", "chunked", "json_lines"]


class BatchViews:
    """What a batch sender reads about its file, streamed from the database."""

    def __init__(self, store: IntakeStore, register: RegisterQueries,
                 returns: ReturnEntries | None = None):
        self.store = store
        self.register = register
        self.returns = returns or ReturnEntries(store.pool)

    def summary(self, batch_ref: str) -> dict | None:
        """The summary of a batch (its acknowledgement without the per-line lists)."""
        return self.store.batch(batch_ref)

    def acknowledgement(self, summary: dict) -> Iterator[str]:
        """The acknowledgement as JSON text, in pieces (services.intake.return_files)."""
        return acknowledgement(self.store, summary)

    def results(self, batch_ref: str, after_line: int = 0) -> Iterator[dict]:
        """One result per line (docs/interface.md §3, with `line`), rejected lines with their
        reason, in file order, as far as they are known."""
        if is_test(self.store.batch(batch_ref)):
            decided: Iterator[dict] = (r for r in self.returns.of(batch_ref)
                                       if r["line"] > after_line)
        else:
            decided = ({**r["result"], "line": r["line"]}
                       for r in self.register.batch_results(batch_ref, after_line))
        return with_rejected(self.store, decided, batch_ref, after_line)

    def progress(self, summary: dict, after_line: int, limit: int) -> dict:
        """The summary, how many lines have a result, and the results of the lines after
        `after_line`, `limit` at most; `nextAfterLine` when there may be more."""
        ref = summary["batchRef"]
        counts = self.returns.counts if is_test(summary) else self.register.decided_counts
        decided = counts([ref])[ref]
        with contextlib.closing(self.results(ref, after_line)) as rows:
            results = list(itertools.islice(rows, limit))
        return {**summary, "decided": decided, "complete": decided >= summary["accepted"],
                "results": results,
                "nextAfterLine": results[-1]["line"] if len(results) == limit else None}


def is_test(summary: dict | None) -> bool:
    """A test file's (environment T or S, docs/interface.md §10): its results are the
    notifier's, as the register records none of them."""
    return summary is not None and summary.get("environment", "R") != "R"


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
