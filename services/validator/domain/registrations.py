"""The daily registration: the presence of the horeca's fixed workers, day by day (glossary
2023/3: block 90480, zones 01085, 00913, 00910, 00777, 00911, 00778; docs/rules.md, "Daily
registration").

A registration is a declaration of its own kind, with its own rules, listed in
REGISTRATION_RULES (services.validator.domain) in the order their anomalies are reported.
`create` names a period, `update` and `cancel` the registration: the declaration number of
its create. Its employer and worker are its period's. The party rules it shares with the
Dimona (parties.no_mandate, parties.secured_channel_only) read only `sub`, `employer` and
`today`, which a RegistrationCase has too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from schemas.declaration import DailyRegistration, Declaration, RegistrationAction
from schemas.events import DeclarationSubmitted, PeriodState, RegistrationState
from services.common.presence import Presence, duration, overlap, presence
from services.directory.domain import DirectoryEmployer
from services.validator.domain.case import Context
from services.validator.domain.moments import local

BLOCK = "90480"
FIXED_WORKER_TYPE = "OTH"
"""The horeca's fixed workers are declared under JC XXX with worker type OTH (docs/rules.md:
a registration is accepted only on such a period)."""
DIMONA_SYSTEMS = frozenset({"dimona", "dimona+cashRegister"})
MAX_DURATION = timedelta(hours=24)
CHANGEABLE = ("start_date", "start_hour", "end_date", "end_hour")
NEEDED: dict[RegistrationAction, frozenset[str]] = {
    "create": frozenset({"period_id", "start_date", "start_hour", "end_date"}),
    "update": frozenset({"registration_id"}),
    "cancel": frozenset({"registration_id"}),
}
ALLOWED: dict[RegistrationAction, frozenset[str]] = {
    "create": NEEDED["create"] | {"end_hour"},
    "update": frozenset({"registration_id", *CHANGEABLE}),
    "cancel": NEEDED["cancel"],
}


@dataclass(frozen=True)
class RegistrationCase:
    sub: DeclarationSubmitted
    received: datetime
    """The reception timestamp, Belgian local time: the only clock the rules read."""
    period: PeriodState | None
    """The period the registration is on: a create's, else the registration's (None:
    unknown)."""
    before: RegistrationState | None
    """The registration an update or cancel names, as it stands (None: unknown)."""
    after: RegistrationState | None
    """The registration as this declaration would leave it (None: there is none)."""
    employer: DirectoryEmployer | None
    """The directory's entry of the period's employer."""

    @property
    def declaration(self) -> Declaration:
        return self.sub.declaration

    @property
    def registration(self) -> DailyRegistration:
        return self.sub.declaration.daily_registration

    @property
    def action(self) -> RegistrationAction:
        return self.registration.action

    @property
    def today(self) -> date:
        return self.received.date()

    @property
    def new_state(self) -> RegistrationState | None:
        """The dates and hours a create or an update gives (a cancel gives none)."""
        return self.after if self.action != "cancel" else None


def period_id_of(registration: DailyRegistration, before: RegistrationState | None
                 ) -> int | None:
    """The period a registration is on: the one a create names, else the registration's."""
    if registration.action == "create":
        return registration.period_id
    return before.period_id if before is not None else None


def registration_after(sub: DeclarationSubmitted, period: PeriodState | None,
                       before: RegistrationState | None) -> RegistrationState | None:
    """The registration as the declaration would leave it, if accepted."""
    r = sub.declaration.daily_registration
    if r.action == "create":
        if period is None or None in (r.start_date, r.start_hour, r.end_date):
            return None
        return RegistrationState(
            registration_id=sub.declaration_id, period_id=period.period_id,
            employer_key=period.employer_key, ssin=period.ssin, start_date=r.start_date,
            start_hour=r.start_hour, end_date=r.end_date, end_hour=r.end_hour)
    if before is None:
        return None
    changes: dict = {"version": before.version + 1}
    if r.action == "cancel":
        changes["cancelled"] = True
    else:
        changes |= {k: getattr(r, k) for k in CHANGEABLE if getattr(r, k) is not None}
    return before.model_copy(update=changes)


def open_registration_case(sub: DeclarationSubmitted, ctx: Context) -> RegistrationCase:
    r = sub.declaration.daily_registration
    before = (ctx.registration(r.registration_id)
              if r.action != "create" and r.registration_id is not None else None)
    period_id = period_id_of(r, before)
    period = ctx.period(period_id) if period_id is not None else None
    employer = ctx.directory.employers.by_key(period.employer_key) if period else None
    return RegistrationCase(sub=sub, received=local(sub.received_at), period=period,
                            before=before, after=registration_after(sub, period, before),
                            employer=employer)


def presence_of(r: RegistrationState) -> Presence:
    return presence(r.start_date, r.start_hour, r.end_date, r.end_hour)


# --- which fields each action needs (-001) or forbids (-005) --------------------------------

def _presence(case: RegistrationCase, name: str, zone: str) -> Iterator[str]:
    given = getattr(case.registration, name) is not None
    if not given and name in NEEDED[case.action]:
        yield f"{zone}-001"
    elif given and name not in ALLOWED[case.action]:
        yield f"{zone}-005"


def registration_id_presence(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """Zone 01085: needed by update and cancel, forbidden in a create."""
    yield from _presence(case, "registration_id", "01085")


def period_id_presence(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """Zone 00913: needed by a create; an update or cancel names the registration only."""
    yield from _presence(case, "period_id", "00913")


def start_date_presence(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """Zone 00910: needed by a create, optional in an update, forbidden in a cancel."""
    yield from _presence(case, "start_date", "00910")


def start_hour_presence(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """Zone 00777: needed by a create, optional in an update, forbidden in a cancel."""
    yield from _presence(case, "start_hour", "00777")


def end_date_presence(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """Zone 00911: needed by a create, optional in an update, forbidden in a cancel."""
    yield from _presence(case, "end_date", "00911")


def end_hour_presence(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """Zone 00778: optional in a create and an update, forbidden in a cancel."""
    yield from _presence(case, "end_hour", "00778")


# --- the employer's system, the registration, the period ------------------------------------

def dimona_system_not_chosen(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """00913-461: when the registration was received, its employer had not chosen the Dimona
    system (alone or with the cash register). The directory's dated fact is read as of the
    reception time, never the clock."""
    if case.period is None:
        return
    system = ctx.registration_system(case.period.employer_key, case.sub.received_at)
    if system not in DIMONA_SYSTEMS:
        yield "00913-461"


def unknown_registration(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    if (case.action != "create" and case.registration.registration_id is not None
            and case.before is None):
        yield "01085-354"


def registration_cancelled(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """A cancelled registration takes no update and no second cancel."""
    if case.before is not None and case.before.cancelled:
        yield "01085-355"


def unknown_period(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    if (case.action == "create" and case.registration.period_id is not None
            and case.period is None):
        yield "00913-354"


def period_cancelled(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """No new presence on a cancelled period; a registration on it may still be cancelled."""
    if case.action != "cancel" and case.period is not None and case.period.cancelled:
        yield "00913-355"


def active_on(p: PeriodState, day: date) -> bool:
    return p.start_date <= day and (p.end_date is None or day <= p.end_date)


def period_incompatible(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """00913-462: a registration is a fixed worker's presence (worker type OTH) on a day of
    the period: its start date is within the period (docs/rules.md)."""
    p = case.period
    if case.action == "cancel" or p is None or p.cancelled:
        return
    start = case.after.start_date if case.after else case.registration.start_date
    if p.worker_type != FIXED_WORKER_TYPE or (start is not None and not active_on(p, start)):
        yield "00913-462"


# --- dates and hours ------------------------------------------------------------------------

def start_date_domain(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """00910-008: from 1920 to before the year of reception + 10, as a Dimona start date
    (fields.start_date_domain); a malformed date never gets here (intake answers 400)."""
    day = case.registration.start_date
    if day is not None and not date(1920, 1, 1) <= day < date(case.today.year + 10, 1, 1):
        yield "00910-008"


def end_date_domain(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """00911-008: from 1999 to before the year of reception + 10, as a Dimona end date
    (fields.end_date_domain); 9999-12-31 re-opens nothing here."""
    day = case.registration.end_date
    if day is not None and not date(1999, 1, 1) <= day < date(case.today.year + 10, 1, 1):
        yield "00911-008"


def end_before_start(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    r = case.new_state
    if r is not None and r.end_date < r.start_date:
        yield "00911-014"


def end_hour_before_start_hour(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """00778-345: on one day, the end hour comes after the start hour (as for a Dimona
    period, an equal hour is no presence). Over midnight, the next day, it may be earlier."""
    r = case.new_state
    if (r is not None and r.end_hour is not None and r.end_date == r.start_date
            and r.end_hour <= r.start_hour):
        yield "00778-345"


def longer_than_24_hours(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """90480-260: at most 24 hours of real time (a night over the change of time counts
    what it really lasts); without an end hour, the end date is the start date or the
    next day."""
    r = case.new_state
    if r is None or r.end_date < r.start_date:
        return
    if r.end_hour is None:
        too_long = r.end_date > r.start_date + timedelta(days=1)
    else:
        too_long = duration(presence_of(r)) > MAX_DURATION
    if too_long:
        yield f"{BLOCK}-260"


def update_changes_nothing(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """90480-444: an update that gives nothing, or only what the registration already says."""
    before, after = case.before, case.after
    if (case.action == "update" and before is not None and after is not None
            and after.model_copy(update={"version": before.version}) == before):
        yield f"{BLOCK}-444"


# --- the relation's other registrations -----------------------------------------------------

def overlapping(case: RegistrationCase, ctx: Context) -> Iterator[str]:
    """90480-334: a presence may not share a moment with another of the same worker for the
    same employer, unless that one is cancelled or on a cancelled period. Presences are
    [start, end) in real time; one without end hour is the moment of its start."""
    r = case.new_state
    if r is None or r.ssin is None:
        return
    void = {p.period_id for p in ctx.relation(r.employer_key, r.ssin) if p.cancelled}
    mine = presence_of(r)
    if any(overlap(mine, presence_of(o))
           for o in ctx.registrations(r.employer_key, r.ssin)
           if o.registration_id != r.registration_id and not o.cancelled
           and o.period_id not in void):
        yield f"{BLOCK}-334"
