"""Events published on Kafka. Frozen; change one by adding a schema_version, never by editing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict

from schemas.catalogue import Severity, entry
from schemas.declaration import (
    Calculation,
    ConstructionControlCards,
    Declaration,
    DeclarationType,
    SmallStatutesInformation,
)

EVENT_NAMESPACE = UUID("6f1d3c52-0f43-4f5b-9b55-5d1c6a0e2a11")
Channel = Literal["webservice", "batch", "web-unsecured", "web"]
"""How a declaration came in: REST (`webservice`), a file (`batch`), the secured web pages
(`web`, docs/interface.md §11) or the non-secured web form and REST without a token
(`web-unsecured`)."""
Result = Literal["A", "W", "B", "S"]
NotificationChannel = Literal["ebox", "batch"]
Environment = Literal["R", "T", "S"]
"""The environment of an official batch file (docs/interface.md §10): R production; T
(circuit test) and S (declaration test) are decided and answered but change no register."""


def stable_id(*parts: object) -> UUID:
    """A deterministic event id, so that a re-published event keeps its id."""
    return uuid5(EVENT_NAMESPACE, ":".join(str(p) for p in parts))


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    event_id: UUID
    occurred_at: datetime
    schema_version: int = 1
    correlation_id: str
    causation_id: str | None = None


class Reception(Event):
    """What intake knew of a declaration when it received it; every later event keeps it."""

    declaration_id: int
    employer_key: str
    received_at: datetime
    channel: Channel
    declarant: str | None
    batch_ref: str | None = None
    line: int | None = None
    declaration: Declaration
    environment: Environment = "R"
    """`T` or `S` for a form of a test file: decided against the live register, recorded
    as a test, and changing nothing (docs/adr/0011-official-batch-files.md)."""


class Origin(BaseModel):
    """How a declaration reached intake, exactly, for the audit log (docs/adr/0007-audit.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    via: str
    """`POST /declarations`, `POST /multi-dimona`, `POST /batches`, `inbox` (the watched
    folder), `sftp` (an official batch file's GO, docs/interface.md §10) or `dimona submit`
    (the CLI on the stack's machine)."""
    token: str | None = None
    """The identity of the bearer token: `directory:` or `oauth:` and the first 16 hex
    digits of its SHA-256; never the token itself."""
    file_name: str | None = None
    file_sha256: str | None = None
    raw: str
    """The request body, or the file's line without its line end, as received; the
    `Form` element of an XML file."""


class DeclarationSubmitted(Reception):
    """Intake received a declaration and recorded it (topic dimona.submissions, key employer).
    Version 2 adds `origin`."""

    event_type: Literal["DeclarationSubmitted"] = "DeclarationSubmitted"
    schema_version: int = 4
    """Version 2 adds `origin`, version 3 `environment`, version 4 an IN's construction
    control cards, sub-entity and small statutes."""
    origin: Origin | None = None


class QuotaExceeded(BaseModel):
    """The QuotaFeatures of a notification (docs/sources.md §3.2): which quota, by how much."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    quota_type: str
    limit: int
    exceeding_hours: int | None = None
    exceeding_days: int | None = None

    def to_result_json(self) -> dict:
        body: dict = {"quotaType": self.quota_type, "limit": self.limit}
        if self.exceeding_hours is not None:
            body["exceedingHours"] = self.exceeding_hours
        if self.exceeding_days is not None:
            body["exceedingDays"] = self.exceeding_days
        return body


class Anomaly(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    severity: Severity
    label_nl: str
    label_fr: str
    label_en: str

    quota: QuotaExceeded | None = None

    @classmethod
    def of(cls, code: str, severity: Severity | None = None,
           quota: QuotaExceeded | None = None) -> Anomaly:
        """The catalogue entry of `code`; `severity` overrides it where a rule says so
        (90017-369 blocks for article 17 workers)."""
        e = entry(code)
        return cls(code=code, severity=severity or e.severity, label_nl=e.nl, label_fr=e.fr,
                   label_en=e.en, quota=quota)

    def to_result_json(self) -> dict:
        body = {"code": self.code, "severity": self.severity, "labelNl": self.label_nl,
                "labelFr": self.label_fr, "labelEn": self.label_en}
        if self.quota is not None:
            body["quota"] = self.quota.to_result_json()
        return body


class PeriodState(BaseModel):
    """A Dimona period as the validator knows it after a declaration."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    period_id: int
    employer_key: str
    ssin: str | None
    joint_commission_number: str
    worker_type: str
    start_date: date
    start_hour: str | None = None
    end_date: date | None = None
    end_hour: str | None = None
    planned_hours_number: int | None = None
    using_joint_commission_number: str | None = None
    using_enterprise_number: str | None = None
    sub_entity_number: str | None = None
    control_cards: ConstructionControlCards | None = None
    small_statutes: SmallStatutesInformation | None = None
    cancelled: bool = False
    late: bool = False
    version: int = 1


class RegistrationState(BaseModel):
    """A daily registration as the validator knows it after a declaration. Its number is
    the declaration number of its create; its employer and worker are its period's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    registration_id: int
    period_id: int
    employer_key: str
    ssin: str | None
    start_date: date
    start_hour: str
    end_date: date
    end_hour: str | None = None
    cancelled: bool = False
    version: int = 1


class SituationState(BaseModel):
    """A Flexi at work situation as the validator knows it after a declaration: the whole
    payslip (a modify replaces it) and its totals, counted in the income `year` (the year
    of its calculation period, which never crosses 31 December)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    situation_key: str
    debtor_key: str
    ssin: str
    relation_uuid: str
    ticket: int
    """The declaration number of the declaration that last set it."""
    relation_reference: str | None = None
    payslip_reference: str | None = None
    calculation: Calculation | None = None
    year: int
    wages_cents: int = 0
    premiums_cents: int = 0
    cancelled: bool = False
    version: int = 1


class DeclarationDecided(Reception):
    """The validator's decision (topic dimona.decisions, key employer). Version 2 adds
    `rule_version`; version 3 the daily registration's number, before and after; version
    4 the Flexi at work situation before and after; version 5 `environment`; version 6
    the period's sub-entity, construction control cards and small statutes."""

    event_type: Literal["DeclarationDecided"] = "DeclarationDecided"
    schema_version: int = 6
    declaration_type: DeclarationType
    result: Result
    anomalies: tuple[Anomaly, ...] = ()
    period_id: int | None = None
    period_before: PeriodState | None = None
    period_after: PeriodState | None = None
    identified_ssin: str | None = None
    """Set on the final decision of a declaration that first got `S`: the SSIN found."""
    rule_version: str | None = None
    """The version of the rules that made the decision (services.validator.domain.version)."""
    registration_id: int | None = None
    """A daily registration's number (its create's declaration number): the registration
    created, or the one an update or cancel names (also when refused). `period_id` is then
    the registration's period."""
    registration_before: RegistrationState | None = None
    registration_after: RegistrationState | None = None
    situation_before: SituationState | None = None
    situation_after: SituationState | None = None

    def to_result_json(self) -> dict:
        """The result object of docs/interface.md §3 (§8 for a daily registration)."""
        body: dict = {"declarationId": self.declaration_id,
                      "declarationType": self.declaration_type, "result": self.result}
        if self.registration_id is not None:
            body["dailyRegistration"] = {"id": self.registration_id,
                                         "periodId": self.period_id}
        elif self.period_id is not None:
            body["periodId"] = self.period_id
        body["anomalies"] = [a.to_result_json() for a in self.anomalies]
        if self.identified_ssin is not None:
            body["identifiedSsin"] = self.identified_ssin
        return body


class NotificationSent(Event):
    """The notifier sent a confirmation (topic dimona.notifications, key employer): an
    e-Box message, or an entry of a batch's return file. `event_id` is the notification's
    id; `causation_id` the decision's event id; `occurred_at` when it was sent."""

    event_type: Literal["NotificationSent"] = "NotificationSent"
    schema_version: int = 5
    """Version 2 adds the daily registration's number, before and after; version 3 the
    Flexi at work situation before and after; version 4 `environment`; version 5 the
    period's sub-entity, construction control cards and small statutes."""
    declaration_id: int
    employer_key: str
    period_id: int | None
    """The period the declaration is about (also for a refused OUT, UPDATE or CANCEL)."""
    channel: NotificationChannel
    recipient: str
    result: Result
    anomaly_codes: tuple[str, ...] = ()
    period_before: PeriodState | None = None
    period_after: PeriodState | None = None
    batch_ref: str | None = None
    line: int | None = None
    registration_id: int | None = None
    registration_before: RegistrationState | None = None
    registration_after: RegistrationState | None = None
    situation_before: SituationState | None = None
    situation_after: SituationState | None = None
    environment: Environment = "R"
    """The decision's environment: the register records only `R` (production)."""


class DeadLetter(BaseModel):
    """A message that could not be decoded (topic dimona.deadletter), with the reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    topic: str
    partition: int
    offset: int
    reason: str
    value: str
