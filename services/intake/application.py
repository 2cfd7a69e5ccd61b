"""Intake's use cases: record declarations, then publish them; recover what Kafka lost."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import psycopg
from faststream.kafka import KafkaBroker

from schemas import topics
from schemas.declaration import Declaration
from schemas.events import Channel, DeclarationSubmitted, stable_id
from services.intake.adapter import IntakeStore, SubmissionRow
from services.intake.domain import declaration_number, employer_key, file_lines, parse_lines
from services.validator.eventlog import EventLog

log = logging.getLogger("dimona.intake")


class BadFile(ValueError):
    """A batch file that cannot be read at all (not UTF-8, empty)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class Intake:
    """Records declarations before anyone is answered; the relay publishes them."""

    def __init__(self, store: IntakeStore, clock: Callable[[], datetime] = utc_now):
        self.store = store
        self.clock = clock
        self.recorded = asyncio.Event()  # wakes the relay of this process at once
        self.loop: asyncio.AbstractEventLoop | None = None

    def submit(self, items: Sequence[tuple[int | None, Declaration]], channel: Channel,
               declarant: str | None) -> list[int]:
        """Record declarations; returns their declaration numbers."""
        numbers, rows = self._prepare(items, channel, declarant, None)
        self.store.record(rows)
        self._wake()
        return numbers

    def accept_batch(self, file_name: str, data: bytes, declarant: str) -> dict:
        """Record a JSON Lines file; returns its acknowledgement (INTERFACE.md §5)."""
        sha256 = hashlib.sha256(data).hexdigest()
        if (known := self.store.find_batch(declarant, file_name, sha256)) is not None:
            return {**known, "duplicate": True}
        try:
            lines = file_lines(data)
        except ValueError as exc:
            raise BadFile(str(exc)) from None
        if not lines:
            raise BadFile("the file is empty")
        good, bad = parse_lines(lines)
        ref = uuid.uuid4().hex[:20]
        numbers, rows = self._prepare(good, "batch", declarant, ref)
        received_at = rows[0].received_at if rows else self.clock()
        ack = {"batchRef": ref, "fileName": file_name, "declarant": declarant,
               "receivedAt": received_at.isoformat(), "lines": len(lines),
               "accepted": len(numbers),
               "declarations": [{"line": line, "declarationId": n}
                                for (line, _), n in zip(good, numbers, strict=True)],
               "rejected": [{"line": r.line, "reason": r.reason} for r in bad],
               "duplicate": False}
        try:
            self.store.record(rows, (ref, declarant, file_name, sha256, received_at, ack))
        except psycopg.errors.UniqueViolation:  # the same file, sent twice at once
            known = self.store.find_batch(declarant, file_name, sha256)
            return {**(known or ack), "duplicate": True}
        self._wake()
        return ack

    def _prepare(self, items: Sequence[tuple[int | None, Declaration]], channel: Channel,
                 declarant: str | None, batch_ref: str | None
                 ) -> tuple[list[int], list[SubmissionRow]]:
        received_at = self.clock()
        numbers = [declaration_number(s) for s in self.store.next_sequences(len(items))]
        employers = self.store.period_employers(
            d.period_id for _, d in items if d.employer is None and d.period_id)
        rows = []
        for (line, declaration), number in zip(items, numbers, strict=True):
            key = employer_key(declaration, employers)
            if declaration.dimona_in is not None:
                employers[number] = key  # later lines may be about this new period
            event = DeclarationSubmitted(
                event_id=stable_id("submitted", number), occurred_at=received_at,
                correlation_id=batch_ref or str(number), declaration_id=number,
                employer_key=key, received_at=received_at, channel=channel,
                declarant=declarant, batch_ref=batch_ref, line=line, declaration=declaration)
            rows.append(SubmissionRow(number, key, received_at, channel, declarant, batch_ref,
                                      line, event.model_dump_json()))
        return numbers, rows

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
