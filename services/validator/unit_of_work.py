"""The unit of work of one batch of the validator: the aggregates it reads and changes, over
a cache kept between batches, saved in one insert (`UnitOfWork`); and the rules' view of
the world during the batch (`BatchContext`, the `Context` of services.validator.domain).
Apart from the use cases (services.validator.application), which say what a batch does,
this says how its aggregates are loaded, tracked and saved."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from schemas.events import DeclarationSubmitted, PeriodState, RegistrationState, SituationState
from services.directory.domain import Directory
from services.validator.domain import (
    Declaration,
    Period,
    Quota,
    Registration,
    Relation,
    Situation,
)
from services.validator.domain.flexi_wages import debtor_keys
from services.validator.domain.registrations import period_id_of
from services.validator.eventstore import ValidatorApplication


class AggregateCache:
    """The aggregates kept in memory between batches (periods, relations, registrations,
    situations, quotas), at most `size` of them (DIMONA_PERIOD_CACHE_SIZE): past it, the
    least recently used is dropped, and read again from the event store when a later batch
    needs it. A `Declaration` is never kept: nothing reads it after its batch (a redelivered
    declaration is found in the store, the cache cleared, after its batch conflicted), and it
    is the largest (its decision and the request as received)."""

    NOT_KEPT = (Declaration,)

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict[UUID, Aggregate] = OrderedDict()
        self.misses = 0
        """Aggregates a batch looked for in the store (not found here)."""

    def __len__(self) -> int:
        return len(self._kept)

    def __iter__(self) -> Iterator[Aggregate]:
        return iter(self._kept.values())

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        found = self._kept.get(aggregate_id)
        if found is not None:
            self._kept.move_to_end(aggregate_id)
        return found

    def keep(self, aggregate: Aggregate) -> None:
        if isinstance(aggregate, self.NOT_KEPT) or self.size <= 0:
            return
        self._kept[aggregate.id] = aggregate
        self._kept.move_to_end(aggregate.id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        self._kept.clear()


class UnitOfWork:
    """The aggregates one batch reads and changes, over a cache kept between batches.

    What the batch loaded or added stays in the unit of work until the batch ends, whatever
    the cache drops meanwhile. Only aggregates found are cached across batches; that one is
    absent is remembered for this batch only (after a rebalance, another validator may have
    created it since).
    """

    def __init__(self, app: ValidatorApplication, cache: AggregateCache):
        self.app, self.cache = app, cache
        self.batch: dict[UUID, Aggregate] = {}
        self.absent: set[UUID] = set()
        self.touched: dict[UUID, Aggregate] = {}

    def prefetch(self, ids: Iterable[UUID]) -> None:
        missing = set()
        for i in ids:
            if i in self.batch or i in self.absent:
                continue
            if (cached := self.cache.get(i)) is not None:
                self.batch[i] = cached
            else:
                missing.add(i)
        if not missing:
            return
        self.cache.misses += len(missing)
        found = self.app.load_many(missing)
        for aggregate in found.values():
            self.batch[aggregate.id] = aggregate
            self.cache.keep(aggregate)
        self.absent |= missing - found.keys()

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        if aggregate_id not in self.batch:
            self.prefetch([aggregate_id])
        return self.batch.get(aggregate_id)

    def get_or_add(self, aggregate_id: UUID, create: Callable[[], Aggregate]) -> Aggregate:
        """The aggregate, created when the store does not hold it yet; tracked for saving."""
        found = self.get(aggregate_id)
        return self.add(found if found is not None else create())

    def add(self, aggregate: Aggregate) -> Aggregate:
        self.absent.discard(aggregate.id)
        self.batch[aggregate.id] = self.touched[aggregate.id] = aggregate
        self.cache.keep(aggregate)
        return aggregate

    def save(self) -> None:
        """The new events of the touched aggregates, into the event store in one insert
        (`Application.save` without its per-object protocol checks: we hold aggregates)."""
        self.app.events.put([e for a in self.touched.values() for e in a.collect_events()])


class BatchContext:
    """The rules' view of the world (services.validator.domain.Context) during one batch."""

    def __init__(self, directory: Directory, uow: UnitOfWork):
        self.directory, self.uow = directory, uow

    def period(self, period_id: int) -> PeriodState | None:
        found = self.uow.get(Period.create_id(period_id))
        return found.current if found is not None else None

    def relation(self, employer_key: str, ssin: str) -> Sequence[PeriodState]:
        found = self.uow.get(Relation.create_id(employer_key, ssin))
        return list(found.periods.values()) if found is not None else []

    def quota(self, kind: str, subject: str, year: int) -> Mapping[int, dict]:
        found = self.uow.get(Quota.create_id(kind, subject, year))
        return found.entries if found is not None else {}

    def registration(self, registration_id: int) -> RegistrationState | None:
        found = self.uow.get(Registration.create_id(registration_id))
        return found.current if found is not None else None

    def registrations(self, employer_key: str, ssin: str) -> Sequence[RegistrationState]:
        found = self.uow.get(Relation.create_id(employer_key, ssin))
        return list(found.registrations.values()) if found is not None else []

    def registration_system(self, employer_key: str, moment: datetime) -> str | None:
        return self.directory.daily_registration_system(employer_key, moment)

    def situation(self, situation_key: str) -> SituationState | None:
        found = self.uow.get(Situation.create_id(situation_key))
        return found.current if found is not None else None

    def prepare_flexi_wages(self, wages: Sequence[DeclarationSubmitted]) -> set[UUID]:
        """What a batch's Flexi at work declarations read, to load with the batch's other
        aggregates: their situations, and the relations of their debtor (under each number
        the directory knows it by) and beneficiary, whose FLX periods they are checked
        against."""
        ids = set()
        for sub in wages:
            wage = sub.declaration.flexi_wage
            ids.add(Situation.create_id(wage.situation_key))
            ids.update(Relation.create_id(key, wage.beneficiary.ssin)
                       for key in debtor_keys(wage.debtor, self.directory))
        return ids

    def prepare_registrations(self, registrations: Sequence[DeclarationSubmitted]) -> set[UUID]:
        """What a batch's daily registrations read, once their periods and the registrations
        they name are loaded (application._ids_to_prefetch): the periods of the registrations
        named (one query), the system choices the directory's copy may miss for their
        employers (one query), and the ids of their relations, to load with the batch's
        other aggregates."""
        periods = self._periods_of(registrations)
        self.directory.freshen_choices((p.employer_key, s.received_at) for s, p in periods)
        return {Relation.create_id(p.employer_key, p.ssin) for _, p in periods if p.ssin}

    def _periods_of(self, registrations: Sequence[DeclarationSubmitted]
                    ) -> list[tuple[DeclarationSubmitted, PeriodState]]:
        """Each registration with the period it is on, when known."""
        blocks = [s.declaration.daily_registration for s in registrations]
        named = {r.registration_id: self.registration(r.registration_id) for r in blocks
                 if r.action != "create" and r.registration_id is not None}
        self.uow.prefetch(Period.create_id(r.period_id) for r in named.values() if r)
        found = []
        for sub, r in zip(registrations, blocks, strict=True):
            period_id = period_id_of(r, named.get(r.registration_id))
            period = self.period(period_id) if period_id is not None else None
            if period is not None:
                found.append((sub, period))
        return found
