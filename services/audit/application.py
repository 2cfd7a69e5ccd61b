"""The auditor's use cases (docs/adr/0007-audit.md): the timeline of what was declared and
answered (`dimona audit log`, `GET /audit/log`), and the verification of the recorded logs
against their hash chain (`dimona audit verify`, `GET /audit/verify`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import islice

from eventsourcing.persistence import Mapper

from schemas.events import DeclarationDecided, NotificationSent, Origin
from services.audit.domain import (
    LOGS,
    Entry,
    decision_entry,
    notification_entry,
    reception_entry,
    timeline,
    verify,
)
from services.audit.queries import AuditStore
from services.directory.adapter import employers_as_of
from services.validator.eventlog import Declaration

PAGE = 500  # declarations read at once


class NoSelection(ValueError):
    """Not exactly one of employer, SSIN, period and declaration was given."""


@dataclass(frozen=True)
class Selection:
    """Whose declarations an auditor asks for: exactly one of these."""

    employer: str | None = None
    ssin: str | None = None
    period: int | None = None
    declaration: int | None = None

    def __post_init__(self) -> None:
        given = [v for v in (self.employer, self.ssin, self.period, self.declaration)
                 if v not in (None, "")]
        if len(given) != 1:
            raise NoSelection("give exactly one of employer, ssin, period and declaration")


EmployersAsOf = Callable[[Sequence[tuple[str, datetime]]], list[dict | None]]
"""The directory's entry of each (employer key, moment), as it stood then."""


class AuditTrail:
    """The recorded events of declarations as a timeline, oldest received first; each
    decision with the directory's entry of its employer as of its reception (by default
    from the directory's history, in the store's database)."""

    def __init__(self, store: AuditStore, mapper: Mapper,
                 employer_keys: Callable[[str], list[str]],
                 employers: EmployersAsOf | None = None):
        self.store, self.mapper, self.employer_keys = store, mapper, employer_keys
        self.employers = employers or partial(employers_as_of, store.pool)

    def entries(self, selection: Selection) -> Iterator[Entry]:
        ids = self._declaration_ids(selection)
        while page := list(islice(ids, PAGE)):
            yield from self._page(page)

    def _declaration_ids(self, s: Selection) -> Iterator[int]:
        if s.declaration is not None:
            return iter([s.declaration])
        if s.employer:
            return self.store.declaration_ids(employer_keys=self.employer_keys(s.employer))
        if s.ssin:
            return self.store.declaration_ids(ssin=s.ssin)
        return self.store.declaration_ids(period_id=s.period)

    def _page(self, ids: list[int]) -> list[Entry]:
        found: list[Entry] = []
        events = [(position, event, DeclarationDecided.model_validate(event.decision))
                  for position, event in self._events(ids)]
        employers = self.employers([(d.employer_key, d.received_at) for _, _, d in events])
        for (position, event, decision), employer in zip(events, employers, strict=True):
            if isinstance(event, Declaration.Decided):
                origin = getattr(event, "origin", None)
                found.append(reception_entry(position, decision, origin and Origin(**origin)))
            found.append(decision_entry(position, event.timestamp, decision, employer))
        found += [notification_entry(position, NotificationSent.model_validate_json(sent))
                  for position, sent in self.store.notifications(ids)]
        return timeline(ids, found)

    def _events(self, ids: list[int]) -> Iterator[tuple[int, object]]:
        for position, stored in self.store.declaration_events(
                [Declaration.create_id(i) for i in ids]):
            yield position, self.mapper.to_domain_event(stored)


Progress = Callable[[str, int], None]


class VerifyLogs:
    """Recompute the chain of every recorded log, from one consistent snapshot, and compare
    it with the links and checkpoints in the database and with checkpoints kept elsewhere
    (`exported`, as `dimona audit checkpoints` wrote them)."""

    def __init__(self, store: AuditStore, progress: Progress = lambda log, n: None):
        self.store, self.progress = store, progress

    def __call__(self, exported: Iterable[Mapping] = ()) -> dict:
        exported = list(exported)
        reports = []
        with self.store.snapshot() as conn:
            recorded = self.store.checkpoints(conn)
            for log in LOGS:
                found = verify(log, self._counted(log, self.store.records(conn, log)),
                               self.store.links(conn, log), _hashes(recorded, log),
                               _hashes(exported, log))
                reports.append(self._report(found))
        return {"ok": all(r["broken"] is None for r in reports), "logs": reports}

    def _counted(self, log: str, records: Iterator[tuple[int, bytes]]
                 ) -> Iterator[tuple[int, bytes]]:
        for count, record in enumerate(records, 1):
            if count % 10_000 == 0:
                self.progress(log, count)
            yield record

    def _report(self, found) -> dict:
        broken = found.broken and {
            "position": found.broken.position, "problem": found.broken.problem,
            "record": self.store.describe(found.log, found.broken.position),
            "message": str(found.broken)}
        return {"log": found.log, "records": found.records,
                "lastPosition": found.last_position, "checkpoints": found.checkpoints,
                "broken": broken}

    def checkpoints(self) -> list[dict]:
        """Every checkpoint, to keep outside the database (`verify` compares them)."""
        with self.store.snapshot() as conn:
            return self.store.checkpoints(conn)


def _hashes(checkpoints: Iterable[Mapping], log: str) -> dict[int, bytes]:
    return {int(c["position"]): bytes.fromhex(c["hash"]) for c in checkpoints
            if c["log"] == log}
