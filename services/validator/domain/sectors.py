"""The parts of an IN that only some employers and workers give (glossary blocks 90374,
90375, 90594 and zone 00655; docs/sources.md §2.2, §6.1, §11 item 4): the C3.2A control
cards of construction, the sub-entities and worker types of public employers, the small
statutes of interns and trainees. Each rule yields the codes of its zones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Literal

from schemas.declaration import DimonaIn, SmallStatutesInformation
from services.validator.domain.case import Case, Context

CARD = re.compile(r"^[0-9]{12}$")
SUB_ENTITY = re.compile(r"^[0-9]{10}$")
Presence = Literal["mandatory", "optional", "forbidden"]


# --- C3.2A control cards (block 90375, zones 00663 and 00664) -----------------------------

def cards_presence(din: DimonaIn) -> Presence:
    """Mandatory when the joint committee, or the user's, is 124 (construction), or for a
    BCW under 322 without a user's committee; optional for DWD, IVT, TRI and STU under 322
    without a user's committee; forbidden otherwise (the glossary's block 90375)."""
    jc, worker_type = din.features.joint_commission_number, din.features.worker_type
    user_jc = din.using_employer.joint_commission_number if din.using_employer else None
    if "124" in (jc, (user_jc or "").split(".")[0]):
        return "mandatory"
    if jc == "322" and user_jc is None:
        if worker_type == "BCW":
            return "mandatory"
        if worker_type in {"DWD", "IVT", "TRI", "STU"}:
            return "optional"
    return "forbidden"


def control_cards_presence(case: Case, ctx: Context) -> Iterator[str]:
    """Both cards when the block is due or given (each zone is indispensable in its
    block); none when it is forbidden."""
    din = case.dimona_in
    if din is None:
        return
    cards, presence = din.construction_control_cards, cards_presence(din)
    if presence == "forbidden":
        if cards is not None:
            yield "00663-005"
            if cards.next_month_c32a_number is not None:
                yield "00664-005"
        return
    if cards is None and presence == "optional":
        return
    if cards is None or cards.first_month_c32a_number is None:
        yield "00663-001"
    if cards is None or cards.next_month_c32a_number is None:
        yield "00664-001"


def _card_invalid(number: str | None) -> bool:
    """A card number is 12 digits, not all zero (its check digits, if any, are not
    published: NOT CONFIRMED, docs/rules.md)."""
    return number is not None and (not CARD.match(number) or int(number) == 0)


def control_card_invalid(case: Case, ctx: Context) -> Iterator[str]:
    cards = case.dimona_in.construction_control_cards if case.dimona_in else None
    if cards is None or cards_presence(case.dimona_in) == "forbidden":
        return
    if _card_invalid(cards.first_month_c32a_number):
        yield "00663-003"
    if _card_invalid(cards.next_month_c32a_number):
        yield "00664-003"


def next_month_card_same_as_first(case: Case, ctx: Context) -> Iterator[str]:
    """Each month has its own card: the next month's may not repeat the first month's."""
    cards = case.dimona_in.construction_control_cards if case.dimona_in else None
    if (cards is not None and cards.first_month_c32a_number is not None
            and cards.first_month_c32a_number == cards.next_month_c32a_number):
        yield "00664-353"


# --- public employers: sub-entities (zone 00652) and worker types (zone 00655) -----------

def sub_entity(case: Case, ctx: Context) -> Iterator[str]:
    """Mandatory for an employer that uses sub-entities, one of its own (the directory's
    `subEntities`); forbidden for the others."""
    din, employer = case.dimona_in, case.employer
    if din is None or employer is None:
        return
    number = din.features.sub_entity_number
    if not employer.sub_entities:
        if number is not None:
            yield "00652-005"
    elif number is None:
        yield "00652-001"
    elif not SUB_ENTITY.match(number) or number not in employer.sub_entities:
        yield "00652-003"


LOCAL_TYPES_UNTIL_2021 = frozenset({"A17", "IVT", "STU", "TEA", "TRI", "DWD", "STG", "OTH"})
LAST_RESTRICTED_DAY = date(2021, 12, 31)


def worker_type_forbidden_for_employer(case: Case, ctx: Context) -> Iterator[str]:
    """Zone 00655: a provincial or local authority could declare only A17, IVT, STU, TEA,
    TRI, DWD, STG and OTH for periods up to 2021-12-31; every other employer, never TEA
    (the teachers of DmfAPPL, the local authorities' DmfA). PMP, a member of a parliament
    or government, only for a public employer (the project's reading, docs/rules.md)."""
    din, employer = case.dimona_in, case.employer
    if din is None or employer is None:
        return
    worker_type = din.features.worker_type
    if employer.sector == "local":
        if din.start_date <= LAST_RESTRICTED_DAY and worker_type not in LOCAL_TYPES_UNTIL_2021:
            yield "00655-350"
    elif worker_type == "TEA" or (worker_type == "PMP" and not employer.public):
        yield "00655-350"


# --- small statutes (block 90594: zones 01231, 00041, 00053) -----------------------------

SMALL_STATUTE_TYPES = frozenset({"IVT", "TRI", "STG"})
SMALL_STATUTES_FROM = date(2020, 1, 1)
EMPLOYMENT_NATURES = frozenset({"EMPLOYEE", "WORKER"})
WORKER_STATUSES = frozenset({"F1", "F2"})


def small_statutes_presence(case: Case, ctx: Context) -> Iterator[str]:
    """Mandatory for IVT, TRI and STG periods from 2020 (the block came with the Dimona of
    December 2019), optional for theirs before; forbidden for the other types (the block
    is for internships and vocational training: the project's reading, docs/rules.md)."""
    din = case.dimona_in
    if din is None:
        return
    block = din.small_statutes_information
    if din.features.worker_type not in SMALL_STATUTE_TYPES:
        if block is not None:
            yield "01231-005"
            if block.worker_status is not None:
                yield "00053-005"
        return
    if block is None and din.start_date < SMALL_STATUTES_FROM:
        return
    if block is None or block.employment_nature is None:
        yield "01231-001"
    if block is None or block.worker_status is None:
        yield "00053-001"


def _small_statutes(case: Case) -> SmallStatutesInformation | None:
    din = case.dimona_in
    if din is None or din.features.worker_type not in SMALL_STATUTE_TYPES:
        return None
    return din.small_statutes_information


def small_statutes_invalid(case: Case, ctx: Context) -> Iterator[str]:
    """The kind of work is EMPLOYEE or WORKER, the worker status F1 or F2."""
    block = _small_statutes(case)
    if block is None:
        return
    if block.employment_nature is not None and block.employment_nature not in EMPLOYMENT_NATURES:
        yield "01231-003"
    if block.worker_status is not None and block.worker_status not in WORKER_STATUSES:
        yield "00053-003"


def risk_class_kind(activity: int) -> str:
    """The kind of work of a risk class: the classes from 400 on are employees'
    ("bediende"), those below manual workers' ("arbeider") (NOT CONFIRMED: the list,
    DmfA annex 6, is not in our sources; docs/rules.md)."""
    return "EMPLOYEE" if activity >= 400 else "WORKER"


def activity_incompatible_with_nature(case: Case, ctx: Context) -> Iterator[str]:
    """00041-521: a risk class of the other kind of work than the one declared."""
    block = _small_statutes(case)
    if (block is not None and block.activity_with_risk is not None
            and block.employment_nature in EMPLOYMENT_NATURES
            and risk_class_kind(block.activity_with_risk) != block.employment_nature):
        yield "00041-521"
