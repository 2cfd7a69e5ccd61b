"""The read side, composed once: the register, the e-Box, the audit trail and its
verification, the batches' views and the event log, over one connection pool. The HTTP
edge's lifespan and the CLI (dimona/client.py) both read through it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property, partial
from zoneinfo import ZoneInfo

from psycopg_pool import ConnectionPool

from services.api.batch_views import BatchViews
from services.audit.application import AuditTrail, Progress, VerifyLogs
from services.audit.queries import AuditStore
from services.intake.adapter import IntakeStore
from services.notifier.ebox import ReadEbox
from services.notifier.queries import Ebox
from services.projections.application import FlexiViews, RegisterViews
from services.projections.as_of import KeptAnswers
from services.projections.as_of import Progress as AsOfProgress
from services.projections.queries import RegisterQueries, recorded_result
from services.validator.eventlog import EventLog

BRUSSELS = ZoneInfo("Europe/Brussels")


class Readers:
    """Each reader is built when first used (a CLI command opens only what it reads);
    `open_readers` builds them all at once for a server's threads."""

    def __init__(self, pool: ConnectionPool, database_url: str, as_of_kept: int = 4,
                 as_of_keep_s: float = 600):
        self.pool, self.database_url = pool, database_url
        self.as_of_kept, self.as_of_keep_s = as_of_kept, as_of_keep_s

    @cached_property
    def queries(self) -> RegisterQueries:
        """The register's queries: a declaration's result, a batch's results."""
        return RegisterQueries(self.pool)

    def result(self, declaration_id: int) -> dict | None:
        """A declaration's result (docs/interface.md §3): the register's, else the event
        store's when the validator has recorded its decision and the register has not
        applied it yet (a client polling GET /declarations/{id} has its answer as soon as
        the decision is recorded); None while undecided."""
        found = self.queries.result(declaration_id)
        if found is None:
            recorded = self.event_log.decisions_of([declaration_id]).get(declaration_id)
            found = recorded_result(recorded[0][-1]) if recorded else None
        return found

    @cached_property
    def register(self) -> RegisterViews:
        """The personnel register's searches, details and quotas."""
        return RegisterViews(self.pool)

    @contextmanager
    def register_at(self, moment: datetime | None, *, employer: str | None = None,
                    declaration: int | None = None, everyone: bool = False,
                    progress: AsOfProgress = lambda n, s: None) -> Iterator[RegisterViews]:
        """The register's views as they stood at `moment` (the live ones: None), rebuilt
        from the event store for one employer (its number; or that of a declaration, or of
        a period's IN: `declaration`), or for `everyone` (the quotas count over every
        employer). A declaration the event store does not hold gives an empty register."""
        if moment is None:
            yield self.register
            return
        keys = None
        if employer is not None:
            keys = self.employer_keys(employer)
        elif declaration is not None:
            recorded = self.event_log.decisions_of([declaration]).get(declaration)
            keys = [recorded[0][0].employer_key] if recorded else []
        elif not everyone:
            raise ValueError("the register as of a moment is of an employer, or everyone's")
        with self.kept_answers.schema(moment, keys, progress) as schema:
            yield RegisterViews(self.pool, schema)

    @cached_property
    def kept_answers(self) -> KeptAnswers:
        """The registers as of a moment made lately, kept for the next pages."""
        return KeptAnswers(self.pool, self.database_url, self.as_of_kept,
                           self.as_of_keep_s)

    @cached_property
    def flexi(self) -> FlexiViews:
        """Flexi at work: the register's situations, and what intake holds undecided."""
        return FlexiViews(self.register, self.pending_flexi_wages)

    @contextmanager
    def flexi_at(self, moment: datetime | None, *, progress: AsOfProgress = lambda n, s: None,
                 **whose) -> Iterator[FlexiViews]:
        """Flexi at work as it stood at `moment` (the live views: None): the register's as
        `register_at` rebuilds it for `whose`, the transfers intake had received by then and
        not seen decided, the directory's retirements as known then."""
        if moment is None:
            yield self.flexi
            return
        with self.register_at(moment, progress=progress, **whose) as views:
            yield FlexiViews(views, partial(self.pending_flexi_wages, received_by=moment),
                             moment)

    def pending_flexi_wages(self, employer_keys: list[str], received_by: datetime | None = None
                            ) -> list[tuple[int, dict, str]]:
        """The Flexi at work declarations intake recorded for these employers and has not
        seen decided: (ticket, the flexiWage as received, reception time in Brussels); with
        `received_by`, all those received by then (FlexiViews leaves out those decided)."""
        return [(s.declaration_id, s.declaration.flexi_wage.to_json_dict(),
                 s.received_at.astimezone(BRUSSELS).isoformat())
                for s in IntakeStore(self.pool).pending(employer_keys, "flexi_wage",
                                                        received_by)]

    @cached_property
    def ebox(self) -> ReadEbox:
        return ReadEbox(Ebox(self.pool), self.employer_keys)

    @cached_property
    def event_log(self) -> EventLog:
        """The validator's event store, read-only (it opens connections of its own)."""
        return EventLog(self.database_url)

    @cached_property
    def audit(self) -> AuditTrail:
        return AuditTrail(AuditStore(self.pool), self.event_log.app.mapper,
                          self.employer_keys)

    @cached_property
    def verify(self) -> VerifyLogs:
        return self.verifier()

    def verifier(self, progress: Progress = lambda log, n: None) -> VerifyLogs:
        """A verification of the recorded logs that reports how far it is."""
        return VerifyLogs(AuditStore(self.pool), progress)

    @cached_property
    def batches(self) -> BatchViews:
        return BatchViews(IntakeStore(self.pool), self.queries)

    def employer_keys(self, number: str) -> list[str]:
        """The keys the register and the e-Box store an employer's rows under."""
        return self.register.employer(number)["keys"]

    def close(self) -> None:
        if "event_log" in self.__dict__:
            self.event_log.close()
        if "kept_answers" in self.__dict__:
            self.kept_answers.close()


def open_readers(pool: ConnectionPool, database_url: str, *, lazy: bool = False,
                 **kept) -> Readers:
    """The read side over `pool`; unless `lazy`, every reader is built now (cached
    properties are not built under a lock: a server must not build them in two threads).
    `kept`: `as_of_kept`, `as_of_keep_s` (KeptAnswers)."""
    readers = Readers(pool, database_url, **kept)
    if not lazy:
        for name in ("queries", "register", "flexi", "ebox", "event_log", "audit",
                     "verify", "batches", "kept_answers"):
            getattr(readers, name)
    return readers
