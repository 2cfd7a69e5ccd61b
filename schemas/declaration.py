"""The Dimona REST v2 declaration JSON (docs/interface.md §2), as intake accepts it.

Intake only rejects what is not a declaration (wrong shape or type); identifiers with wrong
check digits are still declarations and get refused by the validator with an anomaly code.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

Hour = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3])[0-5][0-9]$")]
Digits = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,20}$")]
# No NUL character: PostgreSQL cannot keep it in text or jsonb (found by fuzzing).
Text = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]
# Any period number PostgreSQL can compare (bigint); an unknown one is refused by the
# validator (00913-354), one past bigint is not a declaration.
PeriodId = Annotated[int, Field(ge=0, le=2**63 - 1)]
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
"""Every other integer: what PostgreSQL's bigint and the event store's JSON encoder take (a
larger one was accepted, then could not be recorded)."""
DeclarationType = Literal["DIMONA_IN", "DIMONA_OUT", "DIMONA_UPDATE", "DIMONA_CANCEL",
                          "DAILY_REGISTRATION", "FLEXI_WAGE"]
RegistrationAction = Literal["create", "update", "cancel"]
"""The AttestationStatus of the XML block DailyRegistrationDeclaration: 0, 1 and 3."""


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
    country: Text | Int64 | None = None


class Employer(Contract):
    employer_id: int | None = Field(default=None, ge=0, le=2**63 - 1)
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
    country_of_birth: Text | Int64 | None = None
    nationality: Text | Int64 | None = None
    gender: Text | Int64 | None = None
    address: Address | None = None


class Features(Contract):
    joint_commission_number: Annotated[str, StringConstraints(pattern=r"^([0-9]{3}|XXX)$")]
    worker_type: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3}$")]
    sub_entity_number: Text | None = None
    """The sub-entity of a public employer that uses sub-entities (zone 00652, 10 digits;
    checked by the validator against the directory)."""


class PlaceOfWork(Contract):
    name: Text | None = None
    address: Address | None = None


class UsingEmployer(Contract):
    joint_commission_number: Text | None = None
    enterprise_number: Digits | None = None
    name: Text | None = None
    address: Address | None = None


class ConstructionControlCards(Contract):
    """The C3.2A control cards of a construction worker (block 90375): the card of the
    month the period starts (zone 00663) and of the next month (00664), 12 digits each,
    checked by the validator."""

    first_month_c32a_number: Text | None = Field(default=None,
                                                 alias="firstMonthC32ANumber")
    next_month_c32a_number: Text | None = Field(default=None, alias="nextMonthC32ANumber")


class SmallStatutesInformation(Contract):
    """The "small statutes" of an intern or trainee (block 90594): the kind of work
    (01231: EMPLOYEE or WORKER), the activity with respect to the work-accident risk
    (00041, a 3-digit risk class) and the worker status (00053: F1 or F2), checked by the
    validator."""

    employment_nature: Text | None = None
    activity_with_risk: Annotated[int, Field(ge=0, le=999)] | None = None
    worker_status: Text | None = None


def risk_class_text(activity: int | str) -> str:
    """A work-accident risk class (zone 00041) as the XML form writes it and the pages show
    it: its three digits, 1 -> "001" (anything else as it is)."""
    return f"{activity:03d}" if isinstance(activity, int) else str(activity)


class DimonaIn(Contract):
    start_date: date
    start_hour: Hour | None = None
    end_date: date | None = None
    end_hour: Hour | None = None
    features: Features
    planned_hours_number: Int64 | None = None
    student_place_of_work: PlaceOfWork | None = None
    using_employer: UsingEmployer | None = None
    construction_control_cards: ConstructionControlCards | None = None
    small_statutes_information: SmallStatutesInformation | None = None


class DimonaOut(Contract):
    period_id: PeriodId
    end_date: date
    end_hour: Hour | None = None


class DimonaUpdate(Contract):
    period_id: PeriodId
    start_date: date | None = None
    start_hour: Hour | None = None
    end_date: date | None = None
    end_hour: Hour | None = None
    planned_hours_number: Int64 | None = None


class DimonaCancel(Contract):
    period_id: PeriodId


class DailyRegistration(Contract):
    """A fixed horeca worker's presence on one day (docs/interface.md §8): `create` names
    the period, `update` and `cancel` the registration (the declaration number of its
    create). Which fields each action needs or forbids is the validator's to say, with the
    codes -001 (missing) and -005 (forbidden), as for the XML form."""

    action: RegistrationAction
    registration_id: PeriodId | None = None
    period_id: PeriodId | None = None
    start_date: date | None = None
    start_hour: Hour | None = None
    end_date: date | None = None
    end_hour: Hour | None = None


SituationAction = Literal["create", "modify", "cancel"]
"""The AttestationStatus of a FLXWAGE form: 0 (original), 1 (cancel and replace), 3."""
Uuid = Annotated[str, StringConstraints(
    pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]


class Beneficiary(Contract):
    ssin: Digits


class FlexiRelation(Contract):
    """The sender's relation with the flexi-jobber: its UUID (mandatory: with the debtor
    and the SSIN it names the situation) and an own reference (a contract number)."""

    uuid: Uuid
    reference: Text | None = None


class FinancialElement(Contract):
    """A gross amount in euro cents: code 0001001000 a flexi wage, 0002001000 a premium,
    which alone has a frequency in months (0: one-off or irregular). Amount and frequency
    are checked by the validator, with a code, not refused here."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")]
    amount_cents: Int64 | None = None
    frequency_months: Int64 | None = None


class FlexiFeatures(Contract):
    """The capacity ("hoedanigheid"): employer category and worker code (050 flexi workers,
    450 flexi employees), valid over the calculation period unless `validFrom`/`validTo`
    say otherwise, with its amounts."""

    employer_category: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]
    worker_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]
    valid_from: date | None = None
    valid_to: date | None = None
    financial_elements: Annotated[list[FinancialElement], Field(max_length=50)] = []


class Calculation(Contract):
    """One payslip: its calculation period, the date it was made, its capacities."""

    start_date: date
    end_date: date
    calculation_date: date
    features: Annotated[list[FlexiFeatures], Field(min_length=1, max_length=20)]


class FlexiWage(Contract):
    """A Flexi at work situation (docs/interface.md §9): the wage data of one payslip of a
    flexi-jobber. A situation is named by debtor + beneficiary SSIN + relation UUID;
    `modify` gives the whole new situation (never a difference), `cancel` no calculation.
    The debtor is an employer (NSSO number or enterprise number) or a sector fund (NSSO
    number)."""

    action: SituationAction
    debtor: Employer
    beneficiary: Beneficiary
    relation: FlexiRelation
    payslip_reference: Text | None = None
    calculation: Calculation | None = None

    @property
    def situation_key(self) -> str:
        """debtor:SSIN:relation UUID (lower case), the situation's identity."""
        return f"{self.debtor.key}:{self.beneficiary.ssin}:{self.relation.uuid.lower()}"


class References(Contract):
    employer: Text | None = None
    worker: Text | None = None
    declaration: Text | None = None


class Declaration(Contract):
    """One declaration: exactly one of dimonaIn, dimonaOut, dimonaUpdate, dimonaCancel,
    dailyRegistration."""

    employer: Employer | None = None
    worker: Worker | None = None
    references: References | None = None
    dimona_in: DimonaIn | None = None
    dimona_out: DimonaOut | None = None
    dimona_update: DimonaUpdate | None = None
    dimona_cancel: DimonaCancel | None = None
    daily_registration: DailyRegistration | None = None
    flexi_wage: FlexiWage | None = None

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> Declaration:
        kinds = [self.dimona_in, self.dimona_out, self.dimona_update, self.dimona_cancel,
                 self.daily_registration, self.flexi_wage]
        if sum(k is not None for k in kinds) != 1:
            raise ValueError("exactly one of dimonaIn, dimonaOut, dimonaUpdate, dimonaCancel, "
                             "dailyRegistration, flexiWage is required")
        if self.dimona_in is not None and (self.employer is None or self.worker is None):
            raise ValueError("dimonaIn requires employer and worker")
        if self.daily_registration is not None and (self.employer or self.worker):
            raise ValueError("dailyRegistration takes no employer or worker: both come from "
                             "its period")
        if self.flexi_wage is not None and (self.employer or self.worker):
            raise ValueError("flexiWage takes no employer or worker: its debtor and "
                             "beneficiary say who")
        return self

    @property
    def declaration_type(self) -> DeclarationType:
        if self.dimona_in is not None:
            return "DIMONA_IN"
        if self.dimona_out is not None:
            return "DIMONA_OUT"
        if self.dimona_update is not None:
            return "DIMONA_UPDATE"
        if self.daily_registration is not None:
            return "DAILY_REGISTRATION"
        if self.flexi_wage is not None:
            return "FLEXI_WAGE"
        return "DIMONA_CANCEL"

    @property
    def own_employer(self) -> Employer | None:
        """The employer the declaration names itself: its employer, or a situation's
        debtor (None: it shares the employer of the declaration it refers to)."""
        return self.employer or (self.flexi_wage.debtor if self.flexi_wage else None)

    @property
    def period_id(self) -> int | None:
        """The period an OUT, UPDATE, CANCEL or a registration's create is about (None for
        an IN and for a registration's update or cancel)."""
        change = (self.dimona_out or self.dimona_update or self.dimona_cancel
                  or self.daily_registration)
        return change.period_id if change is not None else None

    @property
    def refers_to(self) -> int | None:
        """The earlier declaration this one is about, whose employer it shares: the period
        (the number of its IN), or for a registration's update or cancel the registration
        (the number of its create)."""
        registration = self.daily_registration
        if registration is not None and registration.action != "create":
            return registration.registration_id
        return self.period_id


class MultiDay(Contract):
    """One day of a Multi-Dimona (`date`, with its own hours), or a period (`startDate`,
    `endDate`?)."""

    date_: date | None = Field(default=None, alias="date")
    start_date: date | None = None
    start_hour: Hour | None = None
    end_date: date | None = None
    end_hour: Hour | None = None

    @model_validator(mode="after")
    def _a_day_or_a_period(self) -> MultiDay:
        if (self.date_ is None) == (self.start_date is None):
            raise ValueError("give either date (one day) or startDate (a period)")
        if self.date_ is not None and self.end_date is not None:
            raise ValueError("a day (date) has no endDate; use startDate and endDate")
        return self


MAX_MULTI_DECLARATIONS = 10_000


class MultiDimona(Contract):
    """Multi-Dimona (seed 000, the Multi-Dimona screens): the same period characteristics
    for several workers over several days. Intake expands it into one DIMONA_IN per worker
    and day, workers in the order given, then days."""

    employer: Employer
    features: Features
    days: Annotated[list[MultiDay], Field(min_length=1, max_length=366)]
    workers: Annotated[list[Worker], Field(min_length=1, max_length=1000)]
    planned_hours_number: Int64 | None = None
    student_place_of_work: PlaceOfWork | None = None
    using_employer: UsingEmployer | None = None
    references: References | None = None

    @model_validator(mode="after")
    def _not_too_many(self) -> MultiDimona:
        if len(self.days) * len(self.workers) > MAX_MULTI_DECLARATIONS:
            raise ValueError(f"days x workers is more than {MAX_MULTI_DECLARATIONS} "
                             "declarations; send a batch file")
        return self

    def declarations(self) -> list[Declaration]:
        common = {"features": self.features, "planned_hours_number": self.planned_hours_number,
                  "student_place_of_work": self.student_place_of_work,
                  "using_employer": self.using_employer}
        return [Declaration(employer=self.employer, worker=worker, references=self.references,
                            dimona_in=DimonaIn(
                                start_date=day.date_ or day.start_date,
                                start_hour=day.start_hour,
                                end_date=day.date_ or day.end_date,
                                end_hour=day.end_hour, **common))
                for worker in self.workers for day in self.days]
