"""The directory document (docs/interface.md §6) and the questions the rules ask of it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Entry(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              frozen=True)


class DirectoryEmployer(Entry):
    employer_id: int | None = None
    enterprise_number: str | None = None
    name: str
    language: str = "nl"
    secured_channels_only: bool = False
    active: bool = True

    @property
    def key(self) -> str:
        return str(self.employer_id) if self.employer_id is not None else str(
            self.enterprise_number).zfill(10)


class Declarant(Entry):
    enterprise_number: str
    name: str
    token: str = Field(repr=False)
    batch_sender: bool = False


class Mandate(Entry):
    declarant: str
    employer_id: int
    from_: date = Field(alias="from")
    to: date | None = None


class FlexiEligibility(Entry):
    ssin: str
    quarter: str
    eligible: bool


class Identity(Entry):
    family_name: str
    given_name: str
    birth_date: date
    ssin: str


class Auditor(Entry):
    name: str
    token: str = Field(repr=False)


class DirectoryDocument(Entry):
    employers: list[DirectoryEmployer] = []
    declarants: list[Declarant] = []
    mandates: list[Mandate] = []
    flexi_eligibility: list[FlexiEligibility] = []
    identities: list[Identity] = []
    auditors: list[Auditor] = []


def token_digest(token: str) -> str:
    """Tokens are kept and compared as digests only, never in clear."""
    return hashlib.sha256(token.encode()).hexdigest()


class EmployerIndex:
    """The employers of the directory, by NSSO number and by enterprise number."""

    def __init__(self, employers: list[DirectoryEmployer]):
        self.by_id = {e.employer_id: e for e in employers if e.employer_id is not None}
        self.by_enterprise = {str(e.enterprise_number).zfill(10): e
                              for e in employers if e.enterprise_number}

    def by_nsso(self, employer_id: int) -> DirectoryEmployer | None:
        return self.by_id.get(employer_id)

    def by_enterprise_number(self, number: str) -> DirectoryEmployer | None:
        return self.by_enterprise.get(number.zfill(10))

    def by_key(self, employer_key: str) -> DirectoryEmployer | None:
        """By the register key: an NSSO number (up to 10 digits with a provisional one)
        or a 10-digit enterprise number."""
        if employer_key.isdigit() and int(employer_key) in self.by_id:
            return self.by_id[int(employer_key)]
        return self.by_enterprise.get(employer_key)

    def find(self, employer_id: int | None, enterprise_number: str | None
             ) -> DirectoryEmployer | None:
        """By the NSSO number when the declaration gives one, else by enterprise number."""
        if employer_id is not None:
            return self.by_nsso(employer_id)
        return self.by_enterprise_number(str(enterprise_number))


def _folded(name: str) -> str:
    return " ".join(name.casefold().split())


class Directory:
    """What the validator asks of the directory (docs/interface.md §6)."""

    def __init__(self, employers: Iterable[DirectoryEmployer] = (),
                 mandates: Iterable[Mandate] = (), flexi: Iterable[FlexiEligibility] = (),
                 identities: Iterable[Identity] = ()):
        self.employers = EmployerIndex(list(employers))
        self.mandates: dict[tuple[str, int], list[Mandate]] = {}
        for m in mandates:
            self.mandates.setdefault((m.declarant.zfill(10), m.employer_id), []).append(m)
        self.flexi = {(f.ssin, f.quarter): f.eligible for f in flexi}
        self.by_person = {(_folded(i.family_name), _folded(i.given_name), i.birth_date): i.ssin
                          for i in identities}
        self.by_ssin = {i.ssin: i for i in identities}

    def may_declare(self, declarant: str, employer: DirectoryEmployer, day: date) -> bool:
        """An employer declares for itself; anyone else needs a mandate valid on `day`."""
        if employer.enterprise_number and declarant.zfill(10) == str(
                employer.enterprise_number).zfill(10):
            return True
        return any(m.from_ <= day and (m.to is None or day <= m.to)
                   for m in self.mandates.get((declarant.zfill(10), employer.employer_id), []))

    def flexi_eligible(self, ssin: str, quarter: str) -> bool | None:
        """None when the directory says nothing about this worker and quarter."""
        return self.flexi.get((ssin, quarter))

    def identify(self, family_name: str, given_name: str, birth_date: date) -> str | None:
        """The SSIN of a person, as the national identification service would find it."""
        return self.by_person.get((_folded(family_name), _folded(given_name), birth_date))

    def identity(self, ssin: str) -> Identity | None:
        return self.by_ssin.get(ssin)
