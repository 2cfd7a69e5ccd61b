"""A declaration as the rules see it, and what they may ask about the world."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from schemas.declaration import Declaration, DimonaIn, DimonaOut, DimonaUpdate
from schemas.events import (
    Anomaly,
    DeclarationSubmitted,
    PeriodState,
    RegistrationState,
    SituationState,
)
from schemas.reference import WorkerType, reference
from services.directory.domain import Directory, DirectoryEmployer
from services.validator.domain.moments import REOPEN, local

Kind = Literal["IN", "OUT", "UPDATE", "CANCEL"]
BLOCK: dict[Kind, str] = {"IN": "90373", "OUT": "90377", "UPDATE": "90378", "CANCEL": "90379"}
Finding = str | Anomaly
"""What a rule reports: an anomaly code, or an Anomaly when it carries more (quota)."""


class Context(Protocol):
    """What the rules may ask beyond the declaration: the directory and the event store."""

    directory: Directory

    def period(self, period_id: int) -> PeriodState | None: ...

    def relation(self, employer_key: str, ssin: str) -> Sequence[PeriodState]:
        """The periods of one employer-worker relation."""

    def quota(self, kind: str, subject: str, year: int) -> Mapping[int, dict]:
        """What each period counts against one quota (services.validator.domain.quotas)."""

    def registration(self, registration_id: int) -> RegistrationState | None:
        """A daily registration, by its number (its create's declaration number)."""

    def registrations(self, employer_key: str, ssin: str) -> Sequence[RegistrationState]:
        """The daily registrations of one employer-worker relation."""

    def registration_system(self, employer_key: str, moment: datetime) -> str | None:
        """The employer's choice of system for its daily registrations in force at
        `moment` (the directory's dated fact); None: no choice yet."""

    def situation(self, situation_key: str) -> SituationState | None:
        """A Flexi at work situation, by its key (debtor:SSIN:relation UUID)."""


@dataclass(frozen=True)
class Case:
    sub: DeclarationSubmitted
    received: datetime
    """The reception timestamp, Belgian local time: the only clock the rules read."""
    before: PeriodState | None
    """The period an OUT, UPDATE or CANCEL is about, as it stands (None: unknown)."""
    after: PeriodState | None
    """The period as this declaration would leave it (None: there is no period)."""
    employer: DirectoryEmployer | None

    @property
    def declaration(self) -> Declaration:
        return self.sub.declaration

    @property
    def kind(self) -> Kind:
        return self.declaration.declaration_type.removeprefix("DIMONA_")  # type: ignore[return-value]

    @property
    def block(self) -> str:
        """The functional block of the declaration type, the prefix of `…-460` and kin."""
        return BLOCK[self.kind]

    @property
    def dimona_in(self) -> DimonaIn | None:
        return self.declaration.dimona_in

    @property
    def change(self) -> DimonaIn | DimonaOut | DimonaUpdate | None:
        """The part of the declaration that carries dates and hours."""
        d = self.declaration
        return d.dimona_in or d.dimona_out or d.dimona_update

    @property
    def period(self) -> PeriodState | None:
        return self.after or self.before

    @property
    def worker_type(self) -> WorkerType | None:
        period = self.period
        return reference().worker_type(period.worker_type) if period else None

    @property
    def ssin(self) -> str | None:
        worker = self.declaration.worker
        if worker is not None and worker.ssin is not None:
            return worker.ssin
        return self.before.ssin if self.before else None

    @property
    def today(self) -> date:
        return self.received.date()


def employer_of(sub: DeclarationSubmitted, before: PeriodState | None,
                directory: Directory) -> DirectoryEmployer | None:
    """The directory entry of the declaration's employer, else of its period's employer."""
    employer = sub.declaration.employer
    if employer is not None:
        return directory.employers.find(employer.employer_id, employer.enterprise_number)
    return directory.employers.by_key(before.employer_key) if before else None


def period_after(sub: DeclarationSubmitted, before: PeriodState | None) -> PeriodState | None:
    """The period as the declaration would leave it, if accepted."""
    d = sub.declaration
    if d.dimona_in is not None:
        din = d.dimona_in
        user = din.using_employer
        return PeriodState(
            period_id=sub.declaration_id, employer_key=sub.employer_key,
            ssin=d.worker.ssin if d.worker else None,
            joint_commission_number=din.features.joint_commission_number,
            worker_type=din.features.worker_type, start_date=din.start_date,
            start_hour=din.start_hour, end_date=din.end_date, end_hour=din.end_hour,
            planned_hours_number=din.planned_hours_number,
            using_joint_commission_number=user.joint_commission_number if user else None,
            using_enterprise_number=user.enterprise_number if user else None,
            sub_entity_number=din.features.sub_entity_number,
            control_cards=din.construction_control_cards,
            small_statutes=din.small_statutes_information)
    if before is None:
        return None
    changes: dict = {"version": before.version + 1}
    if d.dimona_out is not None:
        changes |= {"end_date": d.dimona_out.end_date, "end_hour": d.dimona_out.end_hour}
    elif d.dimona_update is not None:
        changes |= d.dimona_update.model_dump(exclude_none=True, exclude={"period_id"})
        if changes.get("end_date") == REOPEN:
            changes |= {"end_date": None, "end_hour": None}
    else:
        changes["cancelled"] = True
    return before.model_copy(update=changes)


def open_case(sub: DeclarationSubmitted, ctx: Context) -> Case:
    period_id = sub.declaration.period_id
    before = ctx.period(period_id) if period_id is not None else None
    return Case(sub=sub, received=local(sub.received_at), before=before,
                after=period_after(sub, before),
                employer=employer_of(sub, before, ctx.directory))
