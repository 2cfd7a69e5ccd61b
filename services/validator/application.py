"""Use cases of the validator over the event store (eventsourcing on PostgreSQL): decide a
batch of submissions (`DecideDeclarations`), give their final result to the declarations
waiting for identification (`ResolveIdentifications`), and what an accepted decision
changes (`record_effects`). Each works through a unit of work
(services.validator.unit_of_work) and records its batch in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel

from schemas.events import DeclarationDecided, DeclarationSubmitted, PeriodState
from services.directory.domain import Directory
from services.validator.domain import (
    Declaration,
    Identifications,
    Period,
    Quota,
    Registration,
    Relation,
    Situation,
    decide,
    identified,
)
from services.validator.domain.case import period_after
from services.validator.domain.quotas import counts
from services.validator.eventstore import ValidatorApplication
from services.validator.settings import CACHE_SIZE
from services.validator.unit_of_work import AggregateCache, BatchContext, UnitOfWork

ATTEMPTS = 8  # optimistic-concurrency retries of one batch (quota races, redeliveries)


def _ids_to_prefetch(batch: Sequence[DeclarationSubmitted]) -> tuple[set[UUID], set[UUID]]:
    """The aggregates a batch reads: periods (and the registrations named) first, then
    relations and quotas."""
    periods, others = set(), set()
    for sub in batch:
        d = sub.declaration
        if d.daily_registration is not None:
            periods.update(_registration_ids(sub))
        elif d.period_id is not None:
            periods.add(Period.create_id(d.period_id))
        elif d.worker is not None and d.worker.ssin is not None and d.employer is not None:
            # the period an IN opens: found absent in the batch's one query, not one each
            others.add(Period.create_id(sub.declaration_id))
            others |= _relation_and_quotas(period_after(sub, None))
    return periods, others


def _relation_and_quotas(period: PeriodState) -> set[UUID]:
    """The ids of the worker's relation with the employer and of the quotas the period
    counts in."""
    return {Relation.create_id(period.employer_key, period.ssin),
            *(Quota.create_id(c.kind, c.subject, c.year) for c in counts(period))}


def _ids_follow_ups_read(batch: Sequence[DeclarationSubmitted], ctx: BatchContext) -> set[UUID]:
    """The relations and quotas of the periods that OUTs, UPDATEs and CANCELs name (once
    those periods are loaded): loaded with the batch's other aggregates rather than one
    query each when the cache no longer holds them."""
    ids = set()
    for sub in batch:
        d = sub.declaration
        if d.daily_registration is not None or d.period_id is None:
            continue
        period = ctx.period(d.period_id)
        if period is not None and period.ssin is not None:
            ids |= _relation_and_quotas(period)
    return ids


def _registration_ids(sub: DeclarationSubmitted) -> set[UUID]:
    """A create's period and the registration it opens (found absent in the batch's one
    query), or the registration an update or cancel names."""
    r = sub.declaration.daily_registration
    if r.action == "create":
        ids = {Registration.create_id(sub.declaration_id)}
        return ids | ({Period.create_id(r.period_id)} if r.period_id is not None else set())
    return {Registration.create_id(r.registration_id)} if r.registration_id is not None else set()


class DecideDeclarations:
    """Decide a batch of submissions and record them in one transaction.

    A declaration already recorded (a redelivered message) is not decided again: its recorded
    decisions are returned, so that the caller re-publishes them unchanged. When the store
    refuses the batch because another validator changed an aggregate meanwhile (a student's
    hours), the batch is decided again from what the store now holds.
    """

    def __init__(self, app: ValidatorApplication, directory: Callable[[], Directory],
                 cache_size: int = CACHE_SIZE):
        self.app = app
        self.directory = directory
        self.cache = AggregateCache(cache_size)
        self.conflicts = 0
        """Batches the store refused (another validator, or a redelivery) and decided again."""

    def __call__(self, batch: Sequence[DeclarationSubmitted]) -> list[DeclarationDecided]:
        look_up_recorded = False
        for attempt in range(ATTEMPTS):
            try:
                return self._decide(batch, look_up_recorded)
            except IntegrityError:
                self.conflicts += 1
                if attempt == ATTEMPTS - 1:
                    raise
            except BaseException:
                self.cache.clear()
                raise
            self.cache.clear()
            look_up_recorded = True
        raise AssertionError("unreachable")

    def _decide(self, batch: Sequence[DeclarationSubmitted],
                look_up_recorded: bool) -> list[DeclarationDecided]:
        uow = UnitOfWork(self.app, self.cache)
        ctx = BatchContext(self.directory(), uow)
        periods, others = _ids_to_prefetch(batch)
        uow.prefetch(periods)
        others |= _ids_follow_ups_read(batch, ctx)
        registrations = [s for s in batch if s.declaration.daily_registration is not None]
        if registrations:
            others |= ctx.prepare_registrations(registrations)
        wages = [s for s in batch if s.declaration.flexi_wage is not None]
        if wages:
            others |= ctx.prepare_flexi_wages(wages)
        declarations = {Declaration.create_id(s.declaration_id) for s in batch}
        uow.prefetch(others | (declarations if look_up_recorded else set()))
        decided: dict[int, list[DeclarationDecided]] = {}
        for sub in batch:
            if sub.declaration_id in decided:
                continue
            recorded = uow.get(Declaration.create_id(sub.declaration_id)) if (
                look_up_recorded) else None
            if recorded is not None:
                decided[sub.declaration_id] = [
                    DeclarationDecided.model_validate(d) for d in recorded.decisions]
            else:
                decided[sub.declaration_id] = self._decide_one(sub, ctx, uow)
        uow.save()
        return [d for sub in batch for d in decided[sub.declaration_id]]

    def _decide_one(self, sub: DeclarationSubmitted, ctx: BatchContext,
                    uow: UnitOfWork) -> list[DeclarationDecided]:
        decision = decide(sub, ctx)
        origin = sub.origin.model_dump(mode="json") if sub.origin else None
        declaration = uow.add(Declaration(sub.declaration_id, decision.model_dump(mode="json"),
                                          origin))
        test = sub.environment != "R"  # a test file's form: decided, recorded, no effect
        if not test:
            record_effects(decision, uow)
        if decision.result != "S":
            return [decision]
        final = resolve(sub, ctx)
        if final is None and test:
            return [decision]  # a test does not wait for the identification service
        if final is None:
            waiting(uow).wait(sub.declaration_id,  # its origin is recorded with the decision
                              sub.model_dump(mode="json", exclude={"origin"}))
            return [decision]
        declaration.identified(final.model_dump(mode="json"))
        if not test:
            record_effects(final, uow)
        return [decision, final]


def resolve(sub: DeclarationSubmitted, ctx: BatchContext) -> DeclarationDecided | None:
    """The final decision of a declaration waiting for identification, once the directory's
    identities know its worker; None while they do not."""
    worker = sub.declaration.worker
    ssin = ctx.directory.identify(worker.family_name, worker.given_name, worker.birth_date)
    if ssin is None:
        return None
    return decide(identified(sub, ssin), ctx, identified_ssin=ssin)


def waiting(uow: UnitOfWork) -> Identifications:
    return uow.get_or_add(Identifications.create_id(), Identifications)


def record_effects(decision: DeclarationDecided, uow: UnitOfWork) -> None:
    """An accepted declaration moves its period, its relation and the quotas it counts in;
    an accepted daily registration its registration and its relation; an accepted flexi
    wage its situation."""
    if decision.registration_after is not None:
        record_registration(decision, uow)
    if decision.situation_after is not None:
        record_situation(decision, uow)
    after, before = decision.period_after, decision.period_before
    if after is None:
        return
    state = open_or_change(uow, Period, after.period_id, decision, after)
    if after.ssin is not None:
        relation = uow.get(Relation.create_id(after.employer_key, after.ssin))
        if relation is None:
            uow.add(Relation(after.employer_key, after.ssin, state))
        else:
            uow.add(relation).record(state)
    new = {(c.kind, c.subject, c.year): c.entry for c in counts(after)}
    old = {(c.kind, c.subject, c.year) for c in counts(before)} if before else set()
    for key in old | set(new):
        quota = uow.get(Quota.create_id(*key))
        if quota is None:
            uow.add(Quota(*key, after.period_id, new.get(key)))
        elif quota.entries.get(after.period_id) != new.get(key):
            uow.add(quota).count(after.period_id, new.get(key))


def open_or_change(uow: UnitOfWork, aggregate: type[Period | Registration | Situation],
                   key: int | str, decision: DeclarationDecided, after: BaseModel) -> dict:
    """A period, registration or situation as the decision leaves it: opened by its first
    accepted declaration, changed by each later one. Returns the state recorded."""
    state = after.model_dump(mode="json")
    found = uow.get(aggregate.create_id(key))
    if found is None:
        uow.add(aggregate(key, state))
    else:
        uow.add(found).change(decision.declaration_id, state)
    return state


def record_registration(decision: DeclarationDecided, uow: UnitOfWork) -> None:
    """The registration as the decision leaves it, and in its relation (for overlaps)."""
    after = decision.registration_after
    state = open_or_change(uow, Registration, after.registration_id, decision, after)
    if after.ssin is None:  # a period is recorded with its SSIN: never so, kept safe
        return
    relation = uow.get(Relation.create_id(after.employer_key, after.ssin))
    if relation is None:  # its period's relation is recorded with it: kept safe all the same
        relation = Relation(after.employer_key, after.ssin)
    uow.add(relation).record_registration(state)


def record_situation(decision: DeclarationDecided, uow: UnitOfWork) -> None:
    """The situation as the decision leaves it: opened by its first create, changed by
    each later declaration (a modify's whole new payslip, a cancel, a create again)."""
    after = decision.situation_after
    open_or_change(uow, Situation, after.situation_key, decision, after)


class ResolveIdentifications:
    """Give their final result to declarations waiting for identification (S) whose worker
    the directory's identities now know."""

    def __init__(self, app: ValidatorApplication, directory: Callable[[], Directory]):
        self.app = app
        self.directory = directory

    def __call__(self) -> list[DeclarationDecided]:
        uow = UnitOfWork(self.app, AggregateCache(0))
        ctx = BatchContext(self.directory(), uow)
        pending = uow.get(Identifications.create_id())
        finals = []
        for declaration_id, submission in list(pending.waiting.items()) if pending else []:
            final = resolve(DeclarationSubmitted.model_validate(submission), ctx)
            if final is None:
                continue
            uow.add(uow.get(Declaration.create_id(declaration_id))).identified(
                final.model_dump(mode="json"))
            record_effects(final, uow)
            uow.add(pending).resolve(declaration_id)
            finals.append(final)
        if finals:
            try:
                uow.save()
            except IntegrityError:  # a batch changed the same aggregates: next round
                return []
        return finals
