"""The Dimona REST v2 declaration JSON (INTERFACE.md §2), as intake accepts it.

Intake only rejects what is not a declaration (wrong shape or type); identifiers with wrong
check digits are still declarations and get refused by the validator with an anomaly code.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

Hour = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3])[0-5]\d$")]
Digits = Annotated[str, StringConstraints(pattern=r"^\d{1,20}$")]
Text = Annotated[str, StringConstraints(max_length=200)]
DeclarationType = Literal["DIMONA_IN", "DIMONA_OUT", "DIMONA_UPDATE", "DIMONA_CANCEL"]


class Contract(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Municipality(Contract):
    code: Text | None = None
    name: Text | None = None


class Address(Contract):
    street: Text | None = None
    house_number: Text | None = None
    box_number: Text | None = None
    post_code: Text | None = None
    municipality: Municipality | Text | None = None
    country: Text | int | None = None


class Employer(Contract):
    employer_id: int | None = Field(default=None, ge=0)
    enterprise_number: Digits | None = None

    @model_validator(mode="after")
    def _one_identifier(self) -> Employer:
        if self.employer_id is None and self.enterprise_number is None:
            raise ValueError("employerId or enterpriseNumber is required")
        return self

    @property
    def key(self) -> str:
        """The Kafka key and register key: NSSO number, else enterprise number."""
        if self.employer_id is not None:
            return str(self.employer_id)
        return str(self.enterprise_number).zfill(10)


class Worker(Contract):
    ssin: Digits | None = None
    family_name: Text | None = None
    given_name: Text | None = None
    birth_date: date | None = None
    place_of_birth: Text | None = None
    country_of_birth: Text | int | None = None
    nationality: Text | int | None = None
    gender: Text | int | None = None
    address: Address | None = None


class Features(Contract):
    joint_commission_number: Annotated[str, StringConstraints(pattern=r"^(\d{3}|XXX)$")]
    worker_type: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3}$")]


class PlaceOfWork(Contract):
    name: Text | None = None
    address: Address | None = None


class UsingEmployer(Contract):
    joint_commission_number: Text | None = None
    enterprise_number: Digits | None = None
    name: Text | None = None
    address: Address | None = None


class DimonaIn(Contract):
    start_date: date
    start_hour: Hour | None = None
    end_date: date | None = None
    end_hour: Hour | None = None
    features: Features
    planned_hours_number: int | None = None
    student_place_of_work: PlaceOfWork | None = None
    using_employer: UsingEmployer | None = None


class DimonaOut(Contract):
    period_id: int
    end_date: date
    end_hour: Hour | None = None


class DimonaUpdate(Contract):
    period_id: int
    start_date: date | None = None
    start_hour: Hour | None = None
    end_date: date | None = None
    end_hour: Hour | None = None
    planned_hours_number: int | None = None


class DimonaCancel(Contract):
    period_id: int


class References(Contract):
    employer: Text | None = None
    worker: Text | None = None
    declaration: Text | None = None


class Declaration(Contract):
    """One declaration: exactly one of dimonaIn, dimonaOut, dimonaUpdate, dimonaCancel."""

    employer: Employer | None = None
    worker: Worker | None = None
    references: References | None = None
    dimona_in: DimonaIn | None = None
    dimona_out: DimonaOut | None = None
    dimona_update: DimonaUpdate | None = None
    dimona_cancel: DimonaCancel | None = None

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> Declaration:
        kinds = [self.dimona_in, self.dimona_out, self.dimona_update, self.dimona_cancel]
        if sum(k is not None for k in kinds) != 1:
            raise ValueError(
                "exactly one of dimonaIn, dimonaOut, dimonaUpdate, dimonaCancel is required"
            )
        if self.dimona_in is not None and (self.employer is None or self.worker is None):
            raise ValueError("dimonaIn requires employer and worker")
        return self

    @property
    def declaration_type(self) -> DeclarationType:
        if self.dimona_in is not None:
            return "DIMONA_IN"
        if self.dimona_out is not None:
            return "DIMONA_OUT"
        if self.dimona_update is not None:
            return "DIMONA_UPDATE"
        return "DIMONA_CANCEL"

    @property
    def period_id(self) -> int | None:
        """The period an OUT, UPDATE or CANCEL is about (None for an IN)."""
        change = self.dimona_out or self.dimona_update or self.dimona_cancel
        return change.period_id if change is not None else None
