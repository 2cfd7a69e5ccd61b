"""The directory document (docs/interface.md §6) and the questions the rules ask of it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel


class Entry(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              frozen=True)


Sector = Literal["private", "public", "local"]
"""An employer's sector: `public` a public-sector employer, `local` a provincial or local
authority (a public employer whose worker types the glossary restricts, zone 00655)."""


class DirectoryEmployer(Entry):
    employer_id: int | None = None
    enterprise_number: str | None = None
    name: str
    language: str = "nl"
    secured_channels_only: bool = False
    active: bool = True
    sector: Sector = "private"
    sub_entities: tuple[Annotated[str, Field(pattern=r"^[0-9]{10}$")], ...] = ()
    """The sub-entity numbers (10 digits, zone 00652) of a public employer that uses
    sub-entities: its INs must name one of them."""

    @model_validator(mode="after")
    def _sub_entities_are_public(self) -> DirectoryEmployer:
        if self.sub_entities and self.sector == "private":
            raise ValueError("subEntities are for public employers: give sector public or "
                             "local")
        return self

    @property
    def public(self) -> bool:
        return self.sector != "private"

    @property
    def key(self) -> str:
        return str(self.employer_id) if self.employer_id is not None else str(
            self.enterprise_number).zfill(10)


class Declarant(Entry):
    enterprise_number: str
    name: str
    token: str = Field(repr=False)
    batch_sender: bool = False
    sender_id: str | None = Field(None, pattern=r"^[0-9]{6}$")
    """The NSSO's sender number (zone 00002) of a sender of official batch files: it names
    the files and the folders `var/sftp/<senderId>/` (docs/interface.md §10)."""
    ssh_public_keys: tuple[str, ...] = ()
    """OpenSSH public key lines with which the sender logs in to the SFTP server."""
    signing_certificate: str | None = None
    """PEM certificate: with it, a production file needs a valid FS signature."""

    @field_validator("ssh_public_keys")
    @classmethod
    def _keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for i, key in enumerate(keys):
            try:
                load_ssh_public_key(key.strip().encode())
            except (ValueError, TypeError) as exc:
                raise ValueError(f"sshPublicKeys[{i}] is not an OpenSSH public key: {exc}"
                                 ) from None
        return keys

    @field_validator("signing_certificate")
    @classmethod
    def _certificate(cls, pem: str | None) -> str | None:
        if pem is not None:
            try:
                x509.load_pem_x509_certificate(pem.encode())
            except ValueError as exc:
                raise ValueError(f"signingCertificate is not a PEM certificate: {exc}"
                                 ) from None
        return pem

    @model_validator(mode="after")
    def _sender(self) -> Declarant:
        if (self.ssh_public_keys or self.signing_certificate) and self.sender_id is None:
            raise ValueError("sshPublicKeys and signingCertificate need a senderId")
        return self


class Mandate(Entry):
    declarant: str
    employer_id: int
    from_: date = Field(alias="from")
    to: date | None = None


class FlexiEligibility(Entry):
    ssin: str
    quarter: str
    eligible: bool


class FlexiRetirement(Entry):
    """A flexi-jobber who receives a legal pension from `retired_from` on: the yearly
    ceiling of flexi income does not apply to the work done from then (docs/interface.md
    §6, §9)."""

    ssin: str
    retired_from: date


class Identity(Entry):
    family_name: str
    given_name: str
    birth_date: date
    ssin: str


class Auditor(Entry):
    name: str
    token: str = Field(repr=False)


DailyRegistrationSystem = Literal["dimona", "dimona+cashRegister"]
DAILY_REGISTRATION_SYSTEMS: tuple[DailyRegistrationSystem, ...] = ("dimona", "dimona+cashRegister")
CLOCK_TOLERANCE = timedelta(seconds=1)
"""How far apart the clocks of two processes may be: reception times are intake's, the
time a copy of the directory was read is the validator's."""


class SystemChoice(Entry):
    """An employer's choice of system for its daily registrations, a dated fact (table
    directory.daily_registration_systems, append-only): the Dimona system alone, or Dimona
    and the cash register. The choice in force at a moment is the latest made by then."""

    employer_key: str
    system: DailyRegistrationSystem
    chosen_at: datetime
    chosen_by: str


def choice_in_force(choices: Iterable[SystemChoice], moment: datetime) -> SystemChoice | None:
    """The latest choice made at or before `moment`; None when there was none yet."""
    made = [c for c in choices if c.chosen_at <= moment]
    return max(made, key=lambda c: c.chosen_at) if made else None


def choice_json(employer: DirectoryEmployer, choice: SystemChoice) -> dict:
    """A recorded choice as the HTTP edge and the CLI answer it (docs/interface.md §6):
    the employer's NSSO number (its enterprise number when it has none)."""
    number = employer.employer_id if employer.employer_id is not None else employer.key
    return {"employerId": number, "system": choice.system,
            "chosenAt": choice.chosen_at.isoformat()}


ChoicesReader = Callable[[Collection[str]], tuple[datetime, list[SystemChoice]]]
"""Reads again the choices of some employers: (the time the read began, their choices)."""


class DirectoryDocument(Entry):
    employers: list[DirectoryEmployer] = []
    declarants: list[Declarant] = []
    mandates: list[Mandate] = []
    flexi_eligibility: list[FlexiEligibility] = []
    identities: list[Identity] = []
    auditors: list[Auditor] = []
    flexi_retirements: list[FlexiRetirement] = []

    @model_validator(mode="after")
    def _one_declarant_per_sender(self) -> DirectoryDocument:
        senders = [d.sender_id for d in self.declarants if d.sender_id is not None]
        if len(senders) != len(set(senders)):
            raise ValueError("a senderId belongs to one declarant only")
        return self


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
                 identities: Iterable[Identity] = (), choices: Iterable[SystemChoice] = (),
                 read_at: datetime | None = None, reread_choices: ChoicesReader | None = None):
        """`read_at`: when the read of this copy began (None: unknown, e.g. built in
        memory); `reread_choices`: how to read some employers' choices again."""
        self.employers = EmployerIndex(list(employers))
        self.mandates: dict[tuple[str, int], list[Mandate]] = {}
        for m in mandates:
            self.mandates.setdefault((m.declarant.zfill(10), m.employer_id), []).append(m)
        self.flexi = {(f.ssin, f.quarter): f.eligible for f in flexi}
        self.by_person = {(_folded(i.family_name), _folded(i.given_name), i.birth_date): i.ssin
                          for i in identities}
        self.by_ssin = {i.ssin: i for i in identities}
        self.choices: dict[str, list[SystemChoice]] = {}
        for c in choices:
            self.choices.setdefault(c.employer_key, []).append(c)
        self.choices_read_at: dict[str, datetime | None] = {}
        self.read_at = read_at
        self.reread_choices = reread_choices

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

    # --- the daily registration's system (docs/interface.md §6) --------------------------

    def daily_registration_system(self, employer_key: str, moment: datetime
                                  ) -> DailyRegistrationSystem | None:
        """The system the employer had chosen at `moment` (None: none yet)."""
        found = choice_in_force(self.choices.get(employer_key, ()), moment)
        return found.system if found is not None else None

    def may_miss_choice(self, employer_key: str, moment: datetime) -> bool:
        """Whether this copy may wrongly say that the employer had made no choice at
        `moment`: it has none in force then, and was read before `moment` (give or take
        CLOCK_TOLERANCE), so a choice recorded just before `moment` may not be in it. A
        copy read after `moment` holds every choice committed before `moment`."""
        if self.daily_registration_system(employer_key, moment) is not None:
            return False
        read_at = self.choices_read_at.get(employer_key, self.read_at)
        return read_at is None or read_at < moment + CLOCK_TOLERANCE

    def freshen_choices(self, wanted: Iterable[tuple[str, datetime]]) -> None:
        """Read again, in one query, the choices of the employers this copy may miss
        (employer key, moment asked), and keep them (the table is append-only, so what is
        read later holds what was read before)."""
        keys = {key for key, moment in wanted if self.may_miss_choice(key, moment)}
        if not keys or self.reread_choices is None:
            return
        read_at, found = self.reread_choices(keys)
        for key in keys:
            self.choices[key] = [c for c in found if c.employer_key == key]
            self.choices_read_at[key] = read_at
