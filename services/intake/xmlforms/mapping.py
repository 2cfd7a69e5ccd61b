"""How the elements of a form map to the JSON declaration (schemas/declaration.py), both
ways, from one table per block: read.py walks it from XML to JSON, write.py from JSON to
XML, so the two directions cannot drift apart.

A table lists a block's elements in the order of the schema (schema/*.xsd). Each entry is:

- `Leaf`: an element with a value, and the JSON field it carries (a path relative to the
  block's JSON object, or from the declaration's top when it starts with "/");
- `Block`: an element with children, standing for a JSON object (or a list of them);
- `References`: the repeated `Reference` blocks, sorted by ReferenceType and
  ReferenceOrigin into JSON fields;
- `Fixed`: an element with the one value the schema allows (written, not read);
- `Stamp`: a header element filled in when writing (the form's creation date and hour);
- `Unmapped`: an element the schema accepts and the JSON has no field for: the reader
  reports it (FormResult.ignored) and does not carry it.

docs/sources.md §13 lists the mapping field by field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemas.declaration import risk_class_text

FLXWAGE_NS = "http://socialsecurity.be/xml/ns/FLXWAGE"
_CANONICAL_INT = re.compile(r"-?[1-9]\d*|0")


@dataclass(frozen=True)
class Conv:
    """Text of an element <-> JSON value. `pick`: the key of a JSON object value that the
    element carries (a municipality {code, name} keeps only its name)."""

    to_json: Callable[[str], Any]
    to_xml: Callable[[Any], str]
    pick: str | None = None


def _text_or_int(text: str) -> str | int:
    """A country, nationality or sex: an integer (NIS code) when written as one."""
    return int(text) if _CANONICAL_INT.fullmatch(text) else text


def _enum(pairs: dict[str, str]) -> Conv:
    back = {v: k for k, v in pairs.items()}
    return Conv(pairs.__getitem__, back.__getitem__)


TEXT = Conv(str, str)
INT = Conv(lambda t: int(t.strip()), str)
TEXT_OR_INT = Conv(_text_or_int, str)
MUNICIPALITY = Conv(str, str, pick="name")
ACTIVITY_WITH_RISK = Conv(lambda t: int(t.strip()), risk_class_text)
"""Zone 00041, a work-accident risk class of 3 digits: `001` <-> 1."""
REGISTRATION_ACTION = _enum({"0": "create", "1": "update", "3": "cancel"})
SITUATION_ACTION = _enum({"0": "create", "1": "modify", "3": "cancel"})


@dataclass(frozen=True)
class Leaf:
    xml: str
    path: str
    conv: Conv = TEXT
    aliases: tuple[str, ...] = ()
    """Other elements read into the same field (ProvisionalNSSONbr -> employerId)."""
    choose: Callable[[Any], str] | None = None
    """The element to write for a value, when it is not always `xml`."""


@dataclass(frozen=True)
class Fixed:
    xml: str
    value: str


@dataclass(frozen=True)
class Stamp:
    xml: str


@dataclass(frozen=True)
class Unmapped:
    xml: str


@dataclass(frozen=True)
class References:
    """`Reference` blocks: (ReferenceType, ReferenceOrigin) -> JSON path, in writing order;
    `unmapped`: the ReferenceTypes accepted but not carried."""

    fields: tuple[tuple[tuple[str, str], str], ...]
    unmapped: frozenset[str] = frozenset()
    xml: str = "Reference"


@dataclass(frozen=True)
class Block:
    xml: str
    path: str | None
    children: tuple[Entry, ...]
    repeated: bool = False
    """A JSON list of objects at `path`, one element each."""


Entry = Leaf | Fixed | Stamp | Unmapped | References | Block


def address(path: str) -> Block:
    """90022 Address: a JSON address, its municipality's name as City."""
    return Block("Address", path, (
        Leaf("Street", "street"), Leaf("HouseNbr", "houseNumber"), Leaf("PostBox", "boxNumber"),
        Leaf("ZIPCode", "postCode"), Leaf("City", "municipality", MUNICIPALITY),
        Leaf("Country", "country", TEXT_OR_INT)))


PROVISIONAL_NSSO = range(5_000_000_000, 6_000_000_000)
"""Provisional NSSO numbers (zone 00948): ten digits starting with 5."""


def nsso_element(number: int) -> str:
    """The EmployerId element of an NSSO number: provisional or definitive."""
    return "ProvisionalNSSONbr" if number in PROVISIONAL_NSSO else "NOSSRegistrationNbr"


EMPLOYER_ID = Block("EmployerId", "/employer", (
    Unmapped("NOSSLPARegistrationNbr"),
    Leaf("NOSSRegistrationNbr", "employerId", INT, aliases=("ProvisionalNSSONbr",),
         choose=nsso_element),
    Leaf("CompanyID", "enterpriseNumber")))

NATURAL_PERSON = Block("NaturalPerson", "/worker", (
    Unmapped("NaturalPersonSequenceNbr"), Leaf("INSS", "ssin"), Unmapped("SIS"),
    Leaf("WorkerName", "familyName"), Leaf("WorkerFirstName", "givenName"),
    Unmapped("WorkerInitial"), Leaf("WorkerBirthdate", "birthDate"),
    Leaf("WorkerBirthplace", "placeOfBirth"),
    Leaf("WorkerBirthplaceCountry", "countryOfBirth", TEXT_OR_INT),
    Leaf("WorkerSex", "gender", TEXT_OR_INT),
    Leaf("WorkerStreet", "address.street"), Leaf("WorkerHouseNbr", "address.houseNumber"),
    Leaf("WorkerPostBox", "address.boxNumber"), Leaf("WorkerZIPCode", "address.postCode"),
    Leaf("WorkerCity", "address.municipality", MUNICIPALITY),
    Leaf("WorkerCountry", "address.country", TEXT_OR_INT),
    Leaf("Nationality", "nationality", TEXT_OR_INT), Unmapped("NaturalPersonUserReference")))

_DATES_AND_HOURS = (Leaf("StartingDate", "startDate"), Leaf("StartingHour", "startHour"),
                    Leaf("EndingDate", "endDate"), Leaf("EndingHour", "endHour"))

DIMONA_IN = Block("DimonaIn", "/dimonaIn", (
    *_DATES_AND_HOURS,
    Unmapped("PlannedDaysNbr"), Leaf("PlannedHoursNbr", "plannedHoursNumber", INT),
    EMPLOYER_ID, NATURAL_PERSON,
    Block("DimonaFeatures", "features", (
        Leaf("JointCommissionNbr", "jointCommissionNumber"), Leaf("WorkerType", "workerType"),
        Leaf("SubEntityNbr", "subEntityNumber"),
        Block("UsingEmployer", "/dimonaIn.usingEmployer", (
            Leaf("JointCommissionNbr", "jointCommissionNumber"),
            Leaf("UsingEmployerName", "name"),
            Leaf("UsingEmployerCompanyID", "enterpriseNumber"),
            address("address"))))),
    Block("ConstructionControlCards", "constructionControlCards", (
        Leaf("FirstMonthC32ANbr", "firstMonthC32ANumber"),
        Leaf("NextMonthC32ANbr", "nextMonthC32ANumber"))),
    Block("StudentPlaceOfWork", "studentPlaceOfWork", (
        Leaf("Denomination", "name"), address("address"))),
    Block("SmallStatutesInformation", "smallStatutesInformation", (
        Leaf("EmploymentNature", "employmentNature"),
        Leaf("ActivityWithRisk", "activityWithRisk", ACTIVITY_WITH_RISK),
        Leaf("WorkerStatus", "workerStatus")))))

_PERIOD_ID = Leaf("DimonaPeriodId", "periodId", INT)
_WORKER_SSIN = Leaf("INSS", "/worker.ssin")

DIMONA_OUT = Block("DimonaOut", "/dimonaOut", (
    _PERIOD_ID, Leaf("EndingDate", "endDate"), _WORKER_SSIN, EMPLOYER_ID))

DIMONA_UPDATE = Block("DimonaUpdate", "/dimonaUpdate", (
    _PERIOD_ID, *_DATES_AND_HOURS, _WORKER_SSIN,
    Unmapped("PlannedDaysNbr"), Leaf("PlannedHoursNbr", "plannedHoursNumber", INT),
    EMPLOYER_ID))

DIMONA_CANCEL = Block("DimonaCancel", "/dimonaCancel", (_PERIOD_ID, _WORKER_SSIN, EMPLOYER_ID))

DAILY_REGISTRATION = Block("DailyRegistrationDeclaration", "/dailyRegistration", (
    Leaf("AttestationStatus", "action", REGISTRATION_ACTION),
    Leaf("DailyRegistrationId", "registrationId", INT), _PERIOD_ID, *_DATES_AND_HOURS))

_HEADER_STAMPS = (Stamp("FormCreationDate"), Stamp("FormCreationHour"))

DIMONA_FORM = (
    Fixed("Identification", "DIMONA"), *_HEADER_STAMPS, Fixed("AttestationStatus", "0"),
    Fixed("TypeForm", "SU"),
    References(((("1", "1"), "/references.declaration"), (("7", "1"), "/references.employer"),
                (("8", "1"), "/references.worker")), unmapped=frozenset({"6"})),
    DIMONA_IN, DIMONA_OUT, DIMONA_UPDATE, DIMONA_CANCEL, DAILY_REGISTRATION)
"""A Dimona `Form`: exactly one of the five blocks is present (the schema says so)."""

FINANCIAL_ELEMENT = Block("FinancialElement", "financialElements", (
    Fixed("FinancialElementType", "1"), Leaf("FinancialElementCode", "code"),
    Leaf("Amount", "amountCents", INT), Leaf("BonusPaymentFrequency", "frequencyMonths", INT)),
    repeated=True)

CALCULATION = Block("Calculation", "/flexiWage.calculation", (
    Leaf("CalculationPeriodStartingDate", "startDate"),
    Leaf("CalculationPeriodEndingDate", "endDate"), Leaf("CalculationDate", "calculationDate"),
    Block("Features", "features", (
        Leaf("ValidityPeriodStartingDate", "validFrom"),
        Leaf("ValidityPeriodEndingDate", "validTo"),
        Leaf("EmployerClass", "employerCategory"), Leaf("WorkerCode", "workerCode"),
        FINANCIAL_ELEMENT), repeated=True)))

FLXWAGE_FORM = (
    Fixed("Identification", "FLXWAGE"), *_HEADER_STAMPS,
    Leaf("AttestationStatus", "/flexiWage.action", SITUATION_ACTION), Fixed("TypeForm", "SU"),
    References(((("1", "1"), "/flexiWage.payslipReference"),), unmapped=frozenset({"3"})),
    Block("Debtor", "/flexiWage.debtor", (
        Leaf("CompanyID", "enterpriseNumber"), Leaf("NOSSRegistrationNbr", "employerId", INT),
        Block("Beneficiary", "/flexiWage.beneficiary", (
            Leaf("INSS", "ssin"),
            Block("Relation", "/flexiWage.relation", (
                Fixed("RelationType", "1"),
                References(((("10", "8"), "uuid"), (("10", "1"), "reference"))),
                CALCULATION)))))))
"""A FLXWAGE `Form`: one situation (debtor, beneficiary, relation) with its payslip."""


def resolve(path: str, here: dict, top: dict, at: str) -> tuple[dict, list[str], str]:
    """The JSON object a path starts from, its keys, and the path from the top."""
    if path.startswith("/"):
        keys = path[1:].split(".")
        return top, keys, ".".join(keys)
    keys = path.split(".")
    return here, keys, f"{at}.{path}" if at else path


def get(obj: dict, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def put(obj: dict, keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        obj = obj.setdefault(key, {})
    obj[keys[-1]] = value


def leaf_paths(value: Any, at: str = "") -> set[str]:
    """Every value of a JSON document by its path; an empty object or list counts as one."""
    if isinstance(value, dict) and value:
        return {p for k, v in value.items() for p in leaf_paths(v, f"{at}.{k}" if at else k)}
    if isinstance(value, list) and value:
        return {p for i, v in enumerate(value) for p in leaf_paths(v, f"{at}.{i}")}
    return {at}
