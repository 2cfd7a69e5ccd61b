"""The aggregates of the event store: what the validator records, what the rules read."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from schemas.events import PeriodState, RegistrationState, SituationState

AGGREGATE_NAMESPACE = UUID("0b8a3f4e-3c55-4d2a-a8a4-22b1c3c1d0e7")


@lru_cache(maxsize=1 << 17)  # a batch asks for each id several times (uuid5 is SHA-1)
def aggregate_id(*parts: object) -> UUID:
    return uuid5(AGGREGATE_NAMESPACE, ":".join(str(p) for p in parts))


class Declaration(Aggregate):
    """A received declaration and its decisions (its id is the dedupe key). Its first event
    is the audit log's record of the reception and the decision: `origin` is how the
    declaration came in (schemas.events.Origin), raw request included."""

    @staticmethod
    def create_id(declaration_id: int) -> UUID:
        return aggregate_id("declaration", declaration_id)

    @event("Decided")
    def __init__(self, declaration_id: int, decision: dict, origin: dict | None = None):
        self.declaration_id = declaration_id
        self.decisions = [decision]
        self.origin = origin

    @event("Identified")
    def identified(self, decision: dict) -> None:
        """The final decision of a declaration that waited for identification (S)."""
        self.decisions.append(decision)


class Period(Aggregate):
    """A Dimona period; its number is the declaration number of its IN."""

    @staticmethod
    def create_id(period_id: int) -> UUID:
        return aggregate_id("period", period_id)

    @event("Opened")
    def __init__(self, period_id: int, state: dict):
        self.period_id = period_id
        self.state = state

    @event("Changed")
    def change(self, declaration_id: int, state: dict) -> None:
        self.state = state

    @property
    def current(self) -> PeriodState:
        return PeriodState.model_validate(self.state)


class Registration(Aggregate):
    """A daily registration; its number is the declaration number of its create."""

    @staticmethod
    def create_id(registration_id: int) -> UUID:
        return aggregate_id("registration", registration_id)

    @event("Opened")
    def __init__(self, registration_id: int, state: dict):
        self.registration_id = registration_id
        self.state = state

    @event("Changed")
    def change(self, declaration_id: int, state: dict) -> None:
        self.state = state

    @property
    def current(self) -> RegistrationState:
        return RegistrationState.model_validate(self.state)


class Relation(Aggregate):
    """The periods of one employer-worker relation, for duplicates, overlaps and the
    occasional workers' two-day rule, and its daily registrations, for their overlaps. Its
    first period comes with its creation: one event fewer per new relation
    (docs/performance.md); a relation recorded before that started empty (`state` None).
    Relations recorded before the daily registration replay with no registration."""

    @staticmethod
    def create_id(employer_key: str, ssin: str) -> UUID:
        return aggregate_id("relation", employer_key, ssin)

    @event("Started")
    def __init__(self, employer_key: str, ssin: str, state: dict | None = None):
        self.employer_key = employer_key
        self.ssin = ssin
        self.periods: dict[int, PeriodState] = {}
        self.registrations: dict[int, RegistrationState] = {}
        if state is not None:
            self._record(state)

    @event("PeriodRecorded")
    def record(self, state: dict) -> None:
        self._record(state)

    @event("RegistrationRecorded")
    def record_registration(self, state: dict) -> None:
        registration = RegistrationState.model_validate(state)
        self.registrations[registration.registration_id] = registration

    def _record(self, state: dict) -> None:
        period = PeriodState.model_validate(state)
        self.periods[period.period_id] = period


class Quota(Aggregate):
    """What each period counts against one quota of one worker or employer in one year.

    Shared across partitions (a student works for several employers): two validators that
    count against it at once conflict on its version, and the loser decides again. Its
    first entry comes with its creation, as a relation's first period does.
    """

    @staticmethod
    def create_id(kind: str, subject: str, year: int) -> UUID:
        return aggregate_id("quota", kind, subject, year)

    @event("Opened")
    def __init__(self, kind: str, subject: str, year: int, period_id: int | None = None,
                 entry: dict | None = None):
        self.kind, self.subject, self.year = kind, subject, year
        self.entries: dict[int, dict] = {}
        if period_id is not None and entry is not None:
            self.entries[period_id] = entry

    @event("Counted")
    def count(self, period_id: int, entry: dict | None) -> None:
        """`entry` None: the period no longer counts (cancelled, or moved to another year)."""
        if entry is None:
            self.entries.pop(period_id, None)
        else:
            self.entries[period_id] = entry


class Identifications(Aggregate):
    """The declarations waiting for the identification of their worker (result S)."""

    @staticmethod
    def create_id() -> UUID:
        return aggregate_id("identifications")

    @event("Opened")
    def __init__(self) -> None:
        self.waiting: dict[int, dict] = {}

    @event("Waiting")
    def wait(self, declaration_id: int, submission: dict) -> None:
        self.waiting[declaration_id] = submission

    @event("Resolved")
    def resolve(self, declaration_id: int) -> None:
        self.waiting.pop(declaration_id, None)


class Situation(Aggregate):
    """A Flexi at work situation (debtor, beneficiary SSIN, relation UUID: its key), opened
    by a create and changed by each modify (the whole new payslip) and cancel."""

    @staticmethod
    def create_id(situation_key: str) -> UUID:
        return aggregate_id("situation", situation_key)

    @event("Opened")
    def __init__(self, situation_key: str, state: dict):
        self.situation_key = situation_key
        self.state = state

    @event("Changed")
    def change(self, declaration_id: int, state: dict) -> None:
        self.state = state

    @property
    def current(self) -> SituationState:
        return SituationState.model_validate(self.state)
