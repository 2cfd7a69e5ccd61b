"""Use cases of the validator over the event store (eventsourcing on PostgreSQL)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from schemas.events import DeclarationDecided, DeclarationSubmitted, PeriodState
from services.directory.domain import EmployerIndex
from services.validator.domain import Declaration, Period, decide


class ValidatorApplication(Application):
    """The event store: its events live in table `validator_events`."""

    name = "Validator"


class _BatchContext:
    """The rules' view of the world while one batch is decided."""

    def __init__(self, employers: EmployerIndex, period: Callable[[int], Period | None]):
        self.employers = employers
        self._period = period

    def period(self, period_id: int) -> PeriodState | None:
        found = self._period(period_id)
        return found.current if found is not None else None


class DecideDeclarations:
    """Decide a batch of submissions and record them in one transaction.

    A declaration already recorded (a redelivered message) is not decided again: its recorded
    decision is returned, so that the caller re-publishes it unchanged.
    """

    def __init__(self, app: ValidatorApplication, employers: Callable[[], EmployerIndex],
                 cache_size: int = 200_000):
        self.app = app
        self.employers = employers
        self.cache_size = cache_size
        self.periods: OrderedDict[int, Period] = OrderedDict()

    def __call__(self, batch: Sequence[DeclarationSubmitted]) -> list[DeclarationDecided]:
        try:
            return self._decide(batch, look_up_recorded=False)
        except IntegrityError:
            # Something in the batch was recorded already (redelivery, or another validator
            # during a rebalance): start again from what the store holds.
            self.periods.clear()
            return self._decide(batch, look_up_recorded=True)
        except BaseException:
            self.periods.clear()
            raise

    def _decide(self, batch: Sequence[DeclarationSubmitted],
                look_up_recorded: bool) -> list[DeclarationDecided]:
        ctx = _BatchContext(self.employers(), self._period)
        decided: dict[int, DeclarationDecided] = {}
        declarations: list[Declaration] = []
        periods: dict[int, Period] = {}
        for sub in batch:
            if sub.declaration_id in decided:
                continue
            recorded = self._recorded(sub.declaration_id) if look_up_recorded else None
            if recorded is None:
                recorded = decide(sub, ctx)
                declarations.append(
                    Declaration(sub.declaration_id, recorded.model_dump(mode="json")))
                if recorded.period_after is not None:
                    period = self._record_period(sub.declaration_id, recorded.period_after)
                    periods[period.period_id] = period
            decided[sub.declaration_id] = recorded
        self.app.save(*declarations, *periods.values())
        self._trim_cache()
        return [decided[sub.declaration_id] for sub in batch]

    def _record_period(self, declaration_id: int, after: PeriodState) -> Period:
        state = after.model_dump(mode="json")
        period = self.periods.get(after.period_id)
        if period is None:
            period = Period(after.period_id, state)
            self.periods[after.period_id] = period
        else:
            period.change(declaration_id, state)
        return period

    def _period(self, period_id: int) -> Period | None:
        period = self.periods.get(period_id)
        if period is None:
            try:
                period = self.app.repository.get(Period.create_id(period_id))
            except AggregateNotFoundError:
                return None
            self.periods[period_id] = period
        self.periods.move_to_end(period_id)
        return period

    def _recorded(self, declaration_id: int) -> DeclarationDecided | None:
        try:
            declaration = self.app.repository.get(Declaration.create_id(declaration_id))
        except AggregateNotFoundError:
            return None
        return DeclarationDecided.model_validate(declaration.decision)

    def _trim_cache(self) -> None:
        while len(self.periods) > self.cache_size:
            self.periods.popitem(last=False)
