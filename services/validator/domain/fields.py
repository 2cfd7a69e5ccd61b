"""Presence and domain of each field, per declaration type, joint committee and worker type
(glossary zones 00046, 00655, 00777, 00778, 00910, 00911, 01135; blocks 90107, 90373,
90374; docs/sources.md §2.3, §6, §11 items 4-6)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from schemas.reference import reference
from services.validator.domain.case import Case, Context
from services.validator.domain.identifiers import valid_enterprise_number
from services.validator.domain.moments import REOPEN, at, quarter
from services.validator.domain.periods import horeca_extra

USER_JOINT_COMMITTEE = re.compile(r"^(\d{3}(\.\d{2}){0,2}|XXX)$")


def is_day_rate(case: Case) -> bool:
    """The horeca day flat-rate: an EXT with a start hour and no end hour, in horeca (302
    directly or through an agency)."""
    p = case.after
    return p is not None and horeca_extra(p) and p.end_hour is None


def is_one_day_flexi(case: Case) -> bool:
    """A flexi-job by the day (oral contract) carries hours; a flexi period does not."""
    p = case.after
    return p is not None and p.worker_type == "FLX" and bool(p.start_hour or p.end_hour)


# --- features (IN only) ------------------------------------------------------------------

def joint_committee_invalid(case: Case, ctx: Context) -> Iterator[str]:
    din = case.dimona_in
    if din and din.features.joint_commission_number not in reference().joint_committees:
        yield "00046-003"


def worker_type_invalid(case: Case, ctx: Context) -> Iterator[str]:
    din = case.dimona_in
    if din and reference().worker_type(din.features.worker_type) is None:
        yield "00655-003"


def worker_type_not_declarable(case: Case, ctx: Context) -> Iterator[str]:
    """A17 up to 2021, O17/S17/T17 from 2022, ALT from 2023-09-01, QUA up to 2022, ..."""
    wt = case.worker_type
    if case.dimona_in and wt and not wt.declarable_on(case.dimona_in.start_date):
        yield "00910-008"


def joint_committee_x_worker_type(case: Case, ctx: Context) -> Iterator[str]:
    """The pair must be in the table of schemas/worker_types.json (90374-349)."""
    din = case.dimona_in
    if din is None:
        return
    ref, jc, wt = reference(), din.features.joint_commission_number, din.features.worker_type
    if jc in ref.allowed and ref.worker_type(wt) and wt not in ref.allowed[jc]:
        yield "90374-349"
    user = din.using_employer
    if (jc == "322" and wt == "EXT" and user is not None
            and user.joint_commission_number not in ref.ext_user_joint_committees):
        yield "90374-349"  # an agency's extra works for a user in an occasional-work sector


def using_employer(case: Case, ctx: Context) -> Iterator[str]:
    """Mandatory with JC 322 (enterprise number or name + address, not both), else forbidden."""
    din = case.dimona_in
    if din is None:
        return
    user = din.using_employer
    if din.features.joint_commission_number != "322":
        if user is not None:
            yield "00131-005" if user.enterprise_number else "00153-005"
        return
    if user is None or (user.enterprise_number is None and user.name is None):
        yield "90107-351"
        return
    if user.enterprise_number and user.name:
        yield "90107-352"
    if user.joint_commission_number is None:
        yield "00046-001"
    elif (user.joint_commission_number == "322"
          or not USER_JOINT_COMMITTEE.match(user.joint_commission_number)):
        yield "00046-003"
    if user.enterprise_number and not valid_enterprise_number(user.enterprise_number):
        yield "00131-003"
    if user.name and not user.enterprise_number and user.address is None:
        yield "00517-001"


def student_place_of_work_forbidden(case: Case, ctx: Context) -> Iterator[str]:
    din = case.dimona_in
    if din and din.student_place_of_work and din.features.worker_type != "STU":
        yield "00776-005"


# --- dates ---------------------------------------------------------------------------------

def start_date_domain(case: Case, ctx: Context) -> Iterator[str]:
    change = case.dimona_in or case.declaration.dimona_update
    start = change.start_date if change else None
    if start and not date(1920, 1, 1) <= start < date(case.today.year + 10, 1, 1):
        yield "00910-008"


def end_date_domain(case: Case, ctx: Context) -> Iterator[str]:
    """From 1999 to before current year + 10; 9999-12-31 only in an update."""
    change = case.change
    end = change.end_date if change else None
    if end is None or (end == REOPEN and case.kind == "UPDATE"):
        return
    if not date(1999, 1, 1) <= end < date(case.today.year + 10, 1, 1):
        yield "00911-008"


def end_date_missing(case: Case, ctx: Context) -> Iterator[str]:
    """Mandatory with JC 322, EXT/STU/IVT/TRI/STG/A17/O17/S17/T17 and one-day flexi."""
    din, wt = case.dimona_in, case.worker_type
    if din is None or din.end_date is not None:
        return
    if din.features.joint_commission_number == "322" or (wt and wt.end_date) or (
            is_one_day_flexi(case)):
        yield "00911-001"


def end_before_start(case: Case, ctx: Context) -> Iterator[str]:
    p = case.after
    if p is not None and p.end_date is not None and p.end_date < p.start_date:
        yield "00911-014"


def end_date_must_be_start_date(case: Case, ctx: Context) -> Iterator[str]:
    """A17, T17, QUA and the horeca day flat-rate: one declaration per day."""
    p, wt = case.after, case.worker_type
    if p is None or p.end_date is None or p.end_date == p.start_date:
        return
    if (wt and wt.end_is_start) or is_day_rate(case):
        yield "00911-008"


def flexi_period_end_after_start(case: Case, ctx: Context) -> Iterator[str]:
    """A flexi period (no hours) ends after the day it starts."""
    p = case.after
    if (p is not None and p.worker_type == "FLX" and not is_one_day_flexi(case)
            and p.end_date is not None and p.end_date <= p.start_date):
        yield "00911-008"


def same_quarter(case: Case, ctx: Context) -> Iterator[str]:
    """STU, O17 and S17 periods start and end in one quarter (…-421)."""
    p, wt = case.after, case.worker_type
    if (case.kind in ("IN", "UPDATE") and p is not None and wt and wt.same_quarter
            and p.end_date is not None and quarter(p.end_date) != quarter(p.start_date)):
        yield f"{case.block}-421"


# --- hours -------------------------------------------------------------------------------

def start_hour_missing(case: Case, ctx: Context) -> Iterator[str]:
    p = case.after
    if case.kind == "IN" and p.start_hour is None and (
            p.worker_type == "EXT" or is_one_day_flexi(case)):
        yield "00777-001"


def end_hour_missing(case: Case, ctx: Context) -> Iterator[str]:
    """EXT (except the horeca day flat-rate) and one-day flexi carry an end hour."""
    p = case.after
    if case.kind != "IN" or p.end_hour is not None:
        return
    if (p.worker_type == "EXT" and not is_day_rate(case)) or is_one_day_flexi(case):
        yield "00778-001"


def hours_forbidden(case: Case, ctx: Context) -> Iterator[str]:
    """Hours belong to EXT and flexi periods only."""
    wt, change = case.worker_type, case.change
    if wt is None or wt.hours or change is None:
        return
    if getattr(change, "start_hour", None) is not None:
        yield "00777-005"
    if change.end_hour is not None:
        yield "00778-005"


def end_hour_before_start_hour(case: Case, ctx: Context) -> Iterator[str]:
    p = case.after
    if (p is not None and p.start_hour and p.end_hour and p.end_date == p.start_date
            and p.end_hour <= p.start_hour):
        yield "00778-345"


def longer_than_24_hours(case: Case, ctx: Context) -> Iterator[str]:
    p, wt = case.after, case.worker_type
    if (case.kind in ("IN", "UPDATE") and p is not None and wt and wt.hours
            and p.start_hour and p.end_hour
            and p.end_date is not None
            and at(p.end_date, p.end_hour) - at(p.start_date, p.start_hour) > timedelta(hours=24)):
        yield f"{case.block}-341"


def planned_hours(case: Case, ctx: Context) -> Iterator[str]:
    """Mandatory in the IN of STU/O17/S17, forbidden elsewhere, 1-999 (zone 01135)."""
    wt = case.worker_type
    change = case.dimona_in or case.declaration.dimona_update
    if wt is None or change is None:
        return
    n = change.planned_hours_number
    if wt.planned_hours and n is None and case.kind == "IN":
        yield "01135-001"
    elif not wt.planned_hours and n is not None:
        yield "01135-005"
    if n is not None and not 1 <= n <= 999:
        yield "01135-003"
