"""Identifiers (docs/sources.md §8) and the rules on the worker's and employer's numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from stdnum.be import bis, nn, vat

from schemas.declaration import Employer
from services.validator.domain.case import Case, Context

DEFINITIVE_NSSO = range(100006, 199999934 + 1)
PROVISIONAL_NSSO = range(5000000120, 5999999989 + 1)


@lru_cache(maxsize=1 << 16)  # each rule asks again for the same worker
def valid_ssin(ssin: str) -> bool:
    """National register or BIS number with valid check digits (born before or after 2000)."""
    return nn.is_valid(ssin) or bis.is_valid(ssin)


def valid_enterprise_number(number: str) -> bool:
    """10 digits, first 0 or 1, mod-97 check (python-stdnum's Belgian VAT number)."""
    return vat.is_valid(number.zfill(10))


def nsso_check(number_without_check: int) -> int:
    """96 - (N x 100 mod 97): inferred, matches both ends of the official domains (§8.3)."""
    return 96 - (number_without_check * 100) % 97


def valid_nsso(number: int) -> bool:
    """A definitive (9 digits) or provisional (10 digits, 5xxxxxxxCC) NSSO number."""
    if number not in DEFINITIVE_NSSO and number not in PROVISIONAL_NSSO:
        return False
    return nsso_check(number // 100) == number % 100


def employer_zone(employer: Employer) -> str:
    """The zone of the number that identifies the employer: 00011 for a definitive NSSO
    number, 00948 for a provisional one, 00014 for an enterprise number."""
    if employer.employer_id is None:
        return "00014"
    return "00948" if employer.employer_id >= PROVISIONAL_NSSO.start else "00011"


def valid_employer_number(employer: Employer) -> bool:
    """The NSSO number when given (it takes priority, §8.3), else the enterprise number."""
    if employer.employer_id is not None:
        return valid_nsso(employer.employer_id)
    return valid_enterprise_number(str(employer.enterprise_number))


def ssin_birth_date(ssin: str) -> date | None:
    module = nn if nn.is_valid(ssin) else bis
    try:
        return module.get_birth_date(ssin)
    except Exception:  # an unknown birth date (month or day 00) is allowed in an SSIN
        return None


def ssin_gender(ssin: str) -> str | None:
    module = nn if nn.is_valid(ssin) else bis
    try:
        return module.get_gender(ssin)
    except Exception:  # a BIS number given without the sex
        return None


GENDERS = {"1": "M", "M": "M", "MALE": "M", "2": "F", "F": "F", "FEMALE": "F"}


# --- rules -------------------------------------------------------------------------------

def ssin_invalid(case: Case, ctx: Context) -> Iterator[str]:
    worker = case.declaration.worker
    if worker is not None and worker.ssin is not None and not valid_ssin(worker.ssin):
        yield "00024-003"


def ssin_missing(case: Case, ctx: Context) -> Iterator[str]:
    """The SSIN is mandatory for an occasional worker (zone 00024)."""
    din = case.dimona_in
    if din and din.features.worker_type == "EXT" and case.declaration.worker.ssin is None:
        yield "00024-001"


IDENTIFICATION = ("family_name", "given_name", "birth_date", "place_of_birth",
                  "country_of_birth", "nationality", "gender", "address")


def identification_incomplete(case: Case, ctx: Context) -> Iterator[str]:
    """Without SSIN, the full identification is mandatory (block 90017)."""
    worker = case.declaration.worker
    if case.dimona_in is None or worker.ssin is not None:
        return
    if any(getattr(worker, name) is None for name in IDENTIFICATION):
        yield "90017-363"


def identity_mismatch(case: Case, ctx: Context) -> Iterator[str]:
    """Birth date and sex against the SSIN, names against the identification service.

    Non-blocking (…-348, NP).
    """
    worker = case.declaration.worker
    if worker is None or worker.ssin is None or not valid_ssin(worker.ssin):
        return
    known = ctx.directory.identity(worker.ssin)
    if known and _differs(worker.family_name, known.family_name):
        yield "00025-348"
    if known and _differs(worker.given_name, known.given_name):
        yield "00026-348"
    if worker.birth_date and _differs_from_ssin(worker.birth_date, ssin_birth_date(worker.ssin)):
        yield "00028-348"
    stated = GENDERS.get(str(worker.gender).upper()) if worker.gender is not None else None
    if stated and _differs_from_ssin(stated, ssin_gender(worker.ssin)):
        yield "00029-348"


def _differs_from_ssin(stated: object, encoded: object | None) -> bool:
    """Only what the SSIN does encode can disagree (a BIS number may hide birth date or sex)."""
    return encoded is not None and stated != encoded


def _differs(stated: str | None, known: str) -> bool:
    return stated is not None and stated.casefold() != known.casefold()


def employer_number_invalid(case: Case, ctx: Context) -> Iterator[str]:
    employer = case.declaration.employer
    if employer is not None and not valid_employer_number(employer):
        yield f"{employer_zone(employer)}-003"
