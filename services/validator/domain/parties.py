"""The employer, the declarant and the channel (docs/sources.md §4.1, §9; docs/interface.md §6)."""

from __future__ import annotations

from collections.abc import Iterator

from services.validator.domain.case import Case, Context
from services.validator.domain.identifiers import employer_zone, valid_employer_number


def employer_not_in_directory(case: Case, ctx: Context) -> Iterator[str]:
    """xx-235 on the zone of the number given (only for a number with valid check digits)."""
    employer = case.declaration.employer
    if employer is not None and case.employer is None and valid_employer_number(employer):
        yield f"{employer_zone(employer)}-235"


def employer_inactive(case: Case, ctx: Context) -> Iterator[str]:
    """No new period or change on a period for an employer no longer active (…-343)."""
    if case.employer is not None and not case.employer.active and case.kind in ("IN", "UPDATE"):
        yield f"{case.block}-343"


def no_mandate(case: Case, ctx: Context) -> Iterator[str]:
    """The declarant is the employer itself or holds a mandate valid at reception (90256-155).

    The non-secured channel has no declarant: 90256-342 governs it.
    """
    declarant = case.sub.declarant
    if declarant is None or case.employer is None:
        return
    if not ctx.directory.may_declare(declarant, case.employer, case.today):
        yield "90256-155"


def secured_channel_only(case: Case, ctx: Context) -> Iterator[str]:
    if (case.employer is not None and case.employer.secured_channels_only
            and case.sub.channel == "web-unsecured"):
        yield "90256-342"
