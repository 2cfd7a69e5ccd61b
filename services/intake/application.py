"""Intake's use cases: record declarations, then publish them; recover what Kafka lost."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import BinaryIO, TypeVar

import psycopg
from faststream.kafka import KafkaBroker

from schemas import topics
from schemas.declaration import Declaration
from schemas.events import Channel, DeclarationSubmitted, stable_id
from services.intake.adapter import Idempotency, IntakeStore, Recording, SubmissionRow
from services.intake.domain import (
    Principal,
    Rejected,
    declaration_number,
    employer_key,
    read_lines,
)
from services.validator.eventlog import EventLog

log = logging.getLogger("dimona.intake")
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Intake:
    """Records declarations before anyone is answered; the relay publishes them."""

    def __init__(self, store: IntakeStore, clock: Callable[[], datetime] = utc_now,
                 chunk_lines: int = 2000):
        self.store = store
        self.clock = clock
        self.chunk_lines = chunk_lines
        self.recorded = asyncio.Event()  # wakes the relay of this process at once
        self.loop: asyncio.AbstractEventLoop | None = None

    def submit(self, declarations: Sequence[Declaration], principal: Principal,
               idempotency: Idempotency | None = None) -> list[int]:
        """Record declarations (one transaction); returns their declaration numbers. Raises
        UniqueViolation when the idempotency key was used meanwhile."""
        received_at = self.clock()
        with self.store.recording() as rec:
            rows = self._rows(rec, [(None, d) for d in declarations], principal.channel,
                              principal.declarant, None, received_at)
            rec.submissions(rows)
            if idempotency is not None:
                rec.idempotency(idempotency, [r.declaration_id for r in rows])
        self._wake()
        return [r.declaration_id for r in rows]

    def accept_batch(self, file_name: str, stream: BinaryIO, sha256: str,
                     declarant: str) -> dict:
        """Record a JSON Lines file, read line by line in one transaction; returns its
        summary (INTERFACE.md §5). The same name and content again is a duplicate."""
        if (known := self.store.find_batch(declarant, file_name, sha256)) is not None:
            return {**known, "duplicate": True}
        ref = uuid.uuid4().hex[:20]
        received_at = self.clock()
        lines = accepted = rejected = 0
        try:
            with self.store.recording() as rec:
                rec.batch(ref, declarant, file_name, sha256, received_at)
                for chunk in chunks(read_lines(stream), self.chunk_lines):
                    good = [(n, d) for n, d in chunk if isinstance(d, Declaration)]
                    bad = [d for _, d in chunk if isinstance(d, Rejected)]
                    rec.submissions(self._rows(rec, good, "batch", declarant, ref,
                                               received_at))
                    rec.rejected(ref, bad)
                    lines, accepted, rejected = (chunk[-1][0], accepted + len(good),
                                                 rejected + len(bad))
                summary = {"batchRef": ref, "fileName": file_name, "declarant": declarant,
                           "receivedAt": received_at.isoformat(), "sha256": sha256,
                           "lines": lines, "accepted": accepted, "rejectedLines": rejected,
                           "duplicate": False}
                rec.batch_summary(ref, summary)
        except psycopg.errors.UniqueViolation:  # the same file, sent twice at once
            return {**self.store.find_batch(declarant, file_name, sha256), "duplicate": True}
        self._wake()
        return summary

    def _rows(self, rec: Recording, items: Sequence[tuple[int | None, Declaration]],
              channel: Channel, declarant: str | None, batch_ref: str | None,
              received_at: datetime) -> list[SubmissionRow]:
        numbers = [declaration_number(s) for s in rec.next_sequences(len(items))]
        employers = rec.period_employers(
            d.period_id for _, d in items if d.employer is None and d.period_id)
        correlation = batch_ref or (str(numbers[0]) if numbers else "")
        rows = []
        for (line, declaration), number in zip(items, numbers, strict=True):
            key = employer_key(declaration, employers)
            if declaration.dimona_in is not None:
                employers[number] = key  # later lines may be about this new period
            event = DeclarationSubmitted(
                event_id=stable_id("submitted", number), occurred_at=received_at,
                correlation_id=correlation, declaration_id=number,
                employer_key=key, received_at=received_at, channel=channel,
                declarant=declarant, batch_ref=batch_ref, line=line, declaration=declaration)
            rows.append(SubmissionRow(number, key, received_at, channel, declarant, batch_ref,
                                      line, event.model_dump_json()))
        return rows

    def _wake(self) -> None:
        if self.loop is not None:  # else (the CLI) the running relay's poll finds them
            self.loop.call_soon_threadsafe(self.recorded.set)


class Relay:
    """Publishes recorded submissions that are not yet on Kafka (a transactional outbox)."""

    def __init__(self, store: IntakeStore, broker: KafkaBroker, batch: int, idle_s: float,
                 wake: asyncio.Event):
        self.store, self.broker, self.batch, self.idle_s, self.wake = (
            store, broker, batch, idle_s, wake)

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                published = await self.publish_pending()
                backoff = 0.5
            except Exception:  # broker or database away: retry, never lose
                log.exception("relay failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
                continue
            if published < self.batch:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), self.idle_s)
                except TimeoutError:
                    pass

    async def publish_pending(self) -> int:
        rows = await asyncio.to_thread(self.store.unpublished, self.batch)
        pending = [await self.broker.publish(event.encode(), topics.SUBMISSIONS,
                                             key=key.encode(), no_confirm=True,
                                             headers={"content-type": "application/json"})
                   for _, key, event in rows]
        await asyncio.gather(*pending)
        if rows:
            await asyncio.to_thread(self.store.mark_published, [r[0] for r in rows])
        return len(rows)


class Reconciler:
    """Re-publishes what was published but never decided (the embedded broker forgets
    everything when it stops), and settles what the event store shows as decided."""

    def __init__(self, store: IntakeStore, log_: EventLog, republish_after_s: float,
                 wake: asyncio.Event, page: int = 50_000):
        self.store, self.eventlog, self.republish_after_s, self.wake, self.page = (
            store, log_, republish_after_s, wake, page)

    def reconcile(self, after_s: float) -> tuple[int, int]:
        """Returns (settled, re-published)."""
        ids = self.store.unsettled(after_s, self.page)
        decided = self.eventlog.decided(ids)
        lost = [i for i in ids if i not in decided]
        self.store.settle(list(decided))
        self.store.unpublish(lost)
        return len(decided), len(lost)

    async def run(self, interval_s: float) -> None:
        after_s = 0.0  # at start, the broker may be new: check everything at once
        while True:
            try:
                settled, republished = await asyncio.to_thread(self.reconcile, after_s)
                if republished:
                    log.info("re-publishing %d undecided declarations", republished)
                    self.wake.set()
                after_s = self.republish_after_s
            except Exception:
                log.exception("reconciliation failed")
            await asyncio.sleep(interval_s)
