"""Intake's use cases: record declarations and batch files before anyone is answered."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import BinaryIO, TypeVar

import psycopg

from schemas.declaration import Declaration
from schemas.events import Channel, DeclarationSubmitted, Environment, Origin, stable_id
from services.intake.adapter import Idempotency, IntakeStore, Recording, SubmissionRow
from services.intake.domain import (
    Principal,
    Rejected,
    declaration_number,
    employer_key,
    opens_something,
    read_lines,
    rejection_kind,
)

log = logging.getLogger("dimona.intake")
T = TypeVar("T")
# What was recorded: (channel, declarations, rejected inputs by kind), e.g. for GET /metrics.
Counted = Callable[[str, int, Mapping[str, int]], None]
# What was just committed, (id, key, event JSON) rows, e.g. for this process's relay.
Recorded = Callable[[list[tuple[int, str, str]]], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class IdempotencyConflict(ValueError):
    """An Idempotency-Key used again for another request (HTTP 422)."""


class Intake:
    """Records declarations before anyone is answered; the relay publishes them."""

    def __init__(self, store: IntakeStore, clock: Callable[[], datetime] = utc_now,
                 chunk_lines: int = 2000, counted: Counted = lambda *counts: None,
                 recorded: Recorded = lambda rows: None):
        """`recorded` is called with what was just committed (services.intake.jobs hands
        it to this process's relay). A file of more than one chunk is streamed, never held
        whole: it is called with [] and the relay reads those rows back from the outbox."""
        self.store = store
        self.clock = clock
        self.chunk_lines = chunk_lines
        self.counted = counted
        self.recorded = recorded

    def submit(self, declarations: Sequence[Declaration], principal: Principal,
               idempotency: Idempotency | None = None, via: str = "POST /declarations",
               raw: Sequence[str] | None = None) -> list[int]:
        """Record declarations (one transaction); returns their declaration numbers. `raw`:
        each declaration as received (else its JSON). Raises UniqueViolation when the
        idempotency key was used meanwhile."""
        received_at = self.clock()
        raw = raw if raw is not None else [d.model_dump_json(by_alias=True, exclude_none=True)
                                           for d in declarations]
        items = [(None, d, Origin(via=via, token=principal.token, raw=r))
                 for d, r in zip(declarations, raw, strict=True)]
        with self.store.recording() as rec:
            rows = self._rows(rec, items, principal.channel, principal.declarant, None,
                              received_at)
            rec.submissions(rows)
            if idempotency is not None:
                rec.idempotency(idempotency, [r.declaration_id for r in rows])
        self.counted(principal.channel, len(rows), {})
        self._recorded(rows)
        return [r.declaration_id for r in rows]

    def accept_batch(self, file_name: str, stream: BinaryIO, sha256: str,
                     declarant: str, via: str = "POST /batches", token: str | None = None
                     ) -> dict:
        """Record a JSON Lines file, read line by line in one transaction; returns its
        summary (docs/interface.md §5). The same name and content again is a duplicate. `via`
        and `token`: how it came in (schemas.events.Origin)."""
        if (known := self.store.find_batch(declarant, file_name, sha256)) is not None:
            return {**known, "duplicate": True}
        try:
            return self.record_file(uuid.uuid4().hex[:20], file_name, sha256, declarant,
                                    read_lines(stream), Origin(via=via, token=token, raw=""))
        except psycopg.errors.UniqueViolation:  # the same file, sent twice at once
            return {**self.store.find_batch(declarant, file_name, sha256), "duplicate": True}

    def record_file(self, ref: str, file_name: str, sha256: str, declarant: str,
                    lines: Iterable[tuple[int, Declaration | Rejected, str]], origin: Origin,
                    environment: Environment = "R", summary: Mapping | None = None,
                    before_commit: Callable[[Recording, dict], object] = lambda *a: None
                    ) -> dict:
        """Record a file's lines (number, declaration or rejection, raw text), read chunk
        by chunk, in one transaction: whatever `lines` raises leaves nothing recorded.
        `origin`: how the file came in (each line's raw text is added); `summary`: more
        fields of the acknowledgement; `before_commit(recording, acknowledgement)` records
        more in the same transaction, or raises to record nothing."""
        received_at = self.clock()
        lines_read = accepted = rejected = 0
        kinds: Counter[str] = Counter()
        recorded: list[SubmissionRow] = []  # the rows of a file of one chunk
        with self.store.recording() as rec:
            rec.batch(ref, declarant, file_name, sha256, received_at)
            for i, chunk in enumerate(chunks(lines, self.chunk_lines)):
                good = [(n, d, origin.model_copy(update={
                    "file_name": file_name, "file_sha256": sha256, "raw": raw}))
                        for n, d, raw in chunk if isinstance(d, Declaration)]
                bad = [d for _, d, _ in chunk if isinstance(d, Rejected)]
                rows = self._rows(rec, good, "batch", declarant, ref, received_at,
                                  environment)
                rec.submissions(rows)
                recorded = rows if i == 0 else []
                rec.rejected(ref, bad)
                kinds.update(rejection_kind(r.reason) for r in bad)
                lines_read, accepted, rejected = (chunk[-1][0], accepted + len(good),
                                                  rejected + len(bad))
            body = {"batchRef": ref, "fileName": file_name, "declarant": declarant,
                    "receivedAt": received_at.isoformat(), "sha256": sha256,
                    "lines": lines_read, "accepted": accepted, "rejectedLines": rejected,
                    "duplicate": False, **(summary or {})}
            rec.batch_summary(ref, body)
            before_commit(rec, body)
        self.counted("batch", accepted, kinds)
        self._recorded(recorded)
        return body

    def _rows(self, rec: Recording,
              items: Sequence[tuple[int | None, Declaration, Origin]], channel: Channel,
              declarant: str | None, batch_ref: str | None, received_at: datetime,
              environment: Environment = "R") -> list[SubmissionRow]:
        numbers = [declaration_number(s) for s in rec.next_sequences(len(items))]
        employers = rec.period_employers(  # of the periods and registrations named
            d.refers_to for _, d, _ in items if d.own_employer is None and d.refers_to)
        correlation = batch_ref or (str(numbers[0]) if numbers else "")
        rows = []
        for (line, declaration, origin), number in zip(items, numbers, strict=True):
            key = employer_key(declaration, employers)
            if opens_something(declaration):
                employers[number] = key  # later lines may name this new period or registration
            event = DeclarationSubmitted(
                event_id=stable_id("submitted", number), occurred_at=received_at,
                correlation_id=correlation, declaration_id=number,
                employer_key=key, received_at=received_at, channel=channel,
                declarant=declarant, batch_ref=batch_ref, line=line, declaration=declaration,
                origin=origin, environment=environment)
            rows.append(SubmissionRow(number, key, received_at, channel, declarant, batch_ref,
                                      line, event.model_dump_json()))
        return rows

    def _recorded(self, rows: Sequence[SubmissionRow]) -> None:
        self.recorded([(r.declaration_id, r.employer_key, r.event) for r in rows])


class Declare:
    """A principal declares: a retry with the same Idempotency-Key gets the first answer;
    otherwise its mandates are checked and the declarations recorded."""

    def __init__(self, intake: Intake, check_may_declare: Callable[[Principal, list], None]):
        self.intake = intake
        self.check_may_declare = check_may_declare

    def __call__(self, who: Principal, declarations: list[Declaration], key: str | None,
                 via: str, body: str) -> tuple[list[int], bool]:
        """Declaration numbers, and whether they are a replayed first answer. `via`: the
        route, `body`: the request as received (each declaration's raw request)."""
        idem = None
        if key:
            digest = hashlib.sha256(b"\n".join(
                d.model_dump_json().encode() for d in declarations)).hexdigest()
            idem = Idempotency(who.name or "-", key, digest)
            if (first := self.first_answer(idem)) is not None:
                return first, True
        self.check_may_declare(who, declarations)
        try:
            return self.intake.submit(declarations, who, idem, via,
                                      [body] * len(declarations)), False
        except psycopg.errors.UniqueViolation:  # the same key, sent twice at once
            return self.first_answer(idem), True

    def first_answer(self, idem: Idempotency) -> list[int] | None:
        found = self.intake.store.idempotent_answer(idem.principal, idem.key)
        if found is not None and found[0] != idem.request_sha256:
            raise IdempotencyConflict("this Idempotency-Key was used for another request")
        return found[1] if found else None
