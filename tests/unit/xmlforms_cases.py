"""Declarations, forms and decisions for the tests of services/intake/xmlforms: one
example of each kind with every field the XML form carries, hypothesis strategies for
declarations of every kind, the sources' minimal forms (in our own values), and
DeclarationDecided events."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from hypothesis import strategies as st

from schemas.declaration import Declaration
from schemas.events import (
    Anomaly,
    DeclarationDecided,
    PeriodState,
    QuotaExceeded,
    RegistrationState,
    stable_id,
)
from services.intake.xmlforms import read_dimona, read_flxwage, write_dimona, write_flxwage

CREATED = datetime(2026, 7, 7, 9, 58, tzinfo=UTC)
UUID = "018e32eb-0d2e-7792-bea7-ef3dc24b404f"
ADDRESS = {"street": "Rue Haute", "houseNumber": "12", "boxNumber": "b3", "postCode": "1000",
           "municipality": "Bruxelles", "country": 150}

EXAMPLES: dict[str, dict] = {
    "in_every_field": {
        "employer": {"employerId": 175110801, "enterpriseNumber": "0403170701"},
        "worker": {"ssin": "85073003328", "familyName": "Peeters", "givenName": "Anna",
                   "birthDate": "1985-07-30", "placeOfBirth": "Gent", "countryOfBirth": 150,
                   "nationality": 150, "gender": 2, "address": ADDRESS},
        "references": {"employer": "payroll-42", "worker": "emp-7", "declaration": "shift-991"},
        "dimonaIn": {"startDate": "2026-07-08", "startHour": "0800", "endDate": "2026-07-08",
                     "endHour": "1400", "plannedHoursNumber": 6,
                     "features": {"jointCommissionNumber": "322", "workerType": "STU",
                                  "subEntityNumber": "0203040506"},
                     "constructionControlCards": {"firstMonthC32ANumber": "012345678901",
                                                  "nextMonthC32ANumber": "012345678902"},
                     "studentPlaceOfWork": {"name": "Shop Zuid", "address": ADDRESS},
                     "smallStatutesInformation": {"employmentNature": "WORKER",
                                                  "activityWithRisk": 7, "workerStatus": "F1"},
                     "usingEmployer": {"jointCommissionNumber": "302", "name": "Hotel Zee",
                                       "enterpriseNumber": "0876543270",
                                       "address": {"street": "Dijk", "municipality": "Oostende",
                                                   "country": "BE"}}}},
    "in_control_cards": {
        "employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
        "dimonaIn": {"startDate": "2026-07-08",
                     "features": {"jointCommissionNumber": "124", "workerType": "OTH"},
                     "constructionControlCards": {"firstMonthC32ANumber": "012345678901",
                                                  "nextMonthC32ANumber": "012345678902"}}},
    "in_sub_entity": {
        "employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
        "dimonaIn": {"startDate": "2026-07-08",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "OTH",
                                  "subEntityNumber": "0203040506"}}},
    "in_small_statutes": {
        "employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
        "dimonaIn": {"startDate": "2026-07-08", "endDate": "2026-07-10",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "STG"},
                     "smallStatutesInformation": {"employmentNature": "EMPLOYEE",
                                                  "activityWithRisk": 1, "workerStatus": "F2"}}},
    "in_without_ssin": {
        "employer": {"enterpriseNumber": "0403170701"},
        "worker": {"familyName": "Dubois", "givenName": "Marc", "birthDate": "1990-01-02",
                   "placeOfBirth": "Liège", "countryOfBirth": 150, "nationality": "F",
                   "gender": 1, "address": {"street": "Quai", "postCode": "4000"}},
        "dimonaIn": {"startDate": "2026-07-08",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}}},
    "out": {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
            "dimonaOut": {"periodId": 680725377630, "endDate": "2026-08-31"}},
    "out_bare": {"dimonaOut": {"periodId": 680725377630, "endDate": "2026-08-31"}},
    "update": {"employer": {"enterpriseNumber": "0403170701"}, "worker": {"ssin": "85073003328"},
               "references": {"declaration": "fix-1"},
               "dimonaUpdate": {"periodId": 680725377630, "startDate": "2026-07-09",
                                "startHour": "0900", "endDate": "9999-12-31", "endHour": "1700",
                                "plannedHoursNumber": 12}},
    "cancel": {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
               "dimonaCancel": {"periodId": 680725377630}},
    "cancel_bare": {"dimonaCancel": {"periodId": 680725377630}},
    "registration_create": {"dailyRegistration": {
        "action": "create", "periodId": 680725377630, "startDate": "2026-07-08",
        "startHour": "1800", "endDate": "2026-07-09"}},
    "registration_update": {"references": {"declaration": "clock-out"}, "dailyRegistration": {
        "action": "update", "registrationId": 680725377729, "endHour": "0200"}},
    "registration_cancel": {"dailyRegistration": {"action": "cancel",
                                                  "registrationId": 680725377729}},
    "flexi_create": {"flexiWage": {
        "action": "create", "debtor": {"employerId": 175110801, "enterpriseNumber": "0403170701"},
        "beneficiary": {"ssin": "85073003328"},
        "relation": {"uuid": UUID, "reference": "contract-12"},
        "payslipReference": "ABC123456789",
        "calculation": {"startDate": "2026-07-01", "endDate": "2026-07-31",
                        "calculationDate": "2026-08-02",
                        "features": [
                            {"employerCategory": "017", "workerCode": "050",
                             "validFrom": "2026-07-01", "validTo": "2026-07-15",
                             "financialElements": [
                                 {"code": "0001001000", "amountCents": 9400},
                                 {"code": "0002001000", "amountCents": 5000,
                                  "frequencyMonths": 12}]},
                            {"employerCategory": "017", "workerCode": "450",
                             "financialElements": [{"code": "0001001000"}]},
                            {"employerCategory": "017", "workerCode": "050"}]}}},
    "flexi_modify": {"flexiWage": {
        "action": "modify", "debtor": {"employerId": 175110801},
        "beneficiary": {"ssin": "85073003328"}, "relation": {"uuid": UUID},
        "calculation": {"startDate": "2026-07-01", "endDate": "2026-07-31",
                        "calculationDate": "2026-08-03",
                        "features": [{"employerCategory": "017", "workerCode": "050",
                                      "financialElements": [{"code": "0001001000",
                                                             "amountCents": 5500}]}]}}},
    "flexi_cancel": {"flexiWage": {
        "action": "cancel", "debtor": {"enterpriseNumber": "0403170701"},
        "beneficiary": {"ssin": "85073003328"}, "relation": {"uuid": UUID.upper()}}},
}


def declaration(name: str) -> Declaration:
    return Declaration.model_validate(EXAMPLES[name])


def round_trip(declarations: list[Declaration]) -> list:
    """Declarations -> one file (Dimona or FLXWAGE) -> the reader's results."""
    flexi = declarations[0].flexi_wage is not None
    out = io.BytesIO()
    (write_flxwage if flexi else write_dimona)(out, declarations, created_at=CREATED)
    out.seek(0)
    return list((read_flxwage if flexi else read_dimona)(out))


# -- Hypothesis strategies: declarations of every kind, within what XML can carry --------

_CANONICAL_INT = re.compile(r"-?[1-9]\d*|0")
xml_char = st.characters(blacklist_categories=("Cs",),
                         blacklist_characters="".join(
                             [chr(c) for c in range(32) if chr(c) not in "\t\n\r"]
                             + ["\ufffe", "\uffff"]))
text = st.text(xml_char, max_size=40)
# A text that reads back as a text (a canonical integer reads back as a NIS code number).
code_text = text.filter(lambda t: not _CANONICAL_INT.fullmatch(t))
text_or_int = st.one_of(st.integers(-10**15, 10**15), code_text)
# ASCII digits: the schemas take 0-9 only (the JSON's \d also takes other scripts' digits).
digits = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
hour = st.from_regex(r"([01][0-9]|2[0-3])[0-5][0-9]", fullmatch=True)
day = st.dates(min_value=date(1, 1, 1)).map(date.isoformat)
period_id = st.integers(0, 2**63 - 1)
count = st.integers(-(10**18), 10**18)


def objects(required: dict | None = None, **optional: st.SearchStrategy) -> st.SearchStrategy:
    """A JSON object: the required members, and each optional member present or not."""
    fields = {**(required or {}),
              **{k: st.one_of(st.none(), v) for k, v in optional.items()}}
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not None})


def non_empty(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return strategy.filter(bool)


address = non_empty(objects(street=text, houseNumber=text, boxNumber=text, postCode=text,
                            municipality=text, country=text_or_int))
employer = objects(employerId=st.integers(0, 2**63 - 1), enterpriseNumber=digits).filter(
    lambda e: e)
worker = objects(ssin=digits, familyName=text, givenName=text, birthDate=day,
                 placeOfBirth=text, countryOfBirth=text_or_int, nationality=text_or_int,
                 gender=text_or_int, address=address)
references = non_empty(objects(employer=text, worker=text, declaration=text))
features = objects({"jointCommissionNumber": st.from_regex(r"[0-9]{3}|XXX", fullmatch=True),
                    "workerType": st.from_regex(r"[A-Z0-9]{3}", fullmatch=True)},
                   subEntityNumber=digits)
# The schema takes the card numbers as digits and the employment nature as one of its codes.
control_cards = objects(firstMonthC32ANumber=digits, nextMonthC32ANumber=digits)
small_statutes = objects(employmentNature=st.sampled_from(["EMPLOYEE", "WORKER"]),
                         activityWithRisk=st.integers(0, 999), workerStatus=text)
using_employer = objects(jointCommissionNumber=text, name=text, enterpriseNumber=digits,
                         address=objects(street=text, municipality=text, country=text_or_int))
dimona_in = objects({"startDate": day, "features": features}, startHour=hour, endDate=day,
                    endHour=hour, plannedHoursNumber=count,
                    constructionControlCards=control_cards,
                    studentPlaceOfWork=objects(name=text, address=address),
                    smallStatutesInformation=small_statutes, usingEmployer=using_employer)
ssin_only = st.fixed_dictionaries({"ssin": digits})


def _with(kind: str, block: st.SearchStrategy, **others: st.SearchStrategy
          ) -> st.SearchStrategy:
    return objects({kind: block}, references=references, **others)


dimona_declarations = st.one_of(
    _with("dimonaIn", dimona_in).flatmap(
        lambda d: st.fixed_dictionaries({"employer": employer, "worker": worker}).map(
            lambda ew: {**d, **ew})),
    _with("dimonaOut", objects({"periodId": period_id, "endDate": day}),
          employer=employer, worker=ssin_only),
    _with("dimonaUpdate", objects({"periodId": period_id}, startDate=day, startHour=hour,
                                  endDate=day, endHour=hour, plannedHoursNumber=count),
          employer=employer, worker=ssin_only),
    _with("dimonaCancel", objects({"periodId": period_id}), employer=employer,
          worker=ssin_only),
    _with("dailyRegistration", objects(
        {"action": st.sampled_from(["create", "update", "cancel"])},
        registrationId=period_id, periodId=period_id, startDate=day, startHour=hour,
        endDate=day, endHour=hour)),
).map(Declaration.model_validate)

financial_element = objects({"code": st.from_regex(r"[0-9]{10}", fullmatch=True)},
                            amountCents=count, frequencyMonths=count)
flexi_features = objects(
    {"employerCategory": st.from_regex(r"[0-9]{3}", fullmatch=True),
     "workerCode": st.from_regex(r"[0-9]{3}", fullmatch=True),
     "financialElements": st.lists(financial_element, max_size=4)},
    validFrom=day, validTo=day)
flexi_declarations = st.fixed_dictionaries({"flexiWage": objects(
    {"action": st.sampled_from(["create", "modify", "cancel"]),
     "debtor": employer, "beneficiary": ssin_only,
     "relation": objects({"uuid": st.uuids().map(str)}, reference=text)},
    payslipReference=text,
    calculation=objects({"startDate": day, "endDate": day, "calculationDate": day,
                         "features": st.lists(flexi_features, min_size=1, max_size=3)}))}
).map(Declaration.model_validate)


# -- The sources' minimal forms, with our own values ------------------------------------

HEADER = ("<Identification>DIMONA</Identification><FormCreationDate>2026-03-02"
          "</FormCreationDate><FormCreationHour>09:58:00.000</FormCreationHour>"
          "<AttestationStatus>0</AttestationStatus><TypeForm>SU</TypeForm>")


def dimona_file(*blocks: str, header: str = HEADER, prolog: str = "") -> bytes:
    """A Dimona file of one form per block (a block: what follows the header)."""
    forms = "".join(f"<Form>{header}{block}</Form>" for block in blocks)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}\n'
            f'<Dimona xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:noNamespaceSchemaLocation="Dimona_20231.xsd">{forms}</Dimona>'
            ).encode()


MINIMAL_IN = ("<Reference><ReferenceType>1</ReferenceType><ReferenceOrigin>1</ReferenceOrigin>"
              "<ReferenceNbr>WEEK-29-0001</ReferenceNbr></Reference>"
              "<DimonaIn><StartingDate>2026-03-04</StartingDate><EndingDate>2026-03-04"
              "</EndingDate><EmployerId><NOSSRegistrationNbr>197100119</NOSSRegistrationNbr>"
              "</EmployerId><NaturalPerson><INSS>85073003328</INSS></NaturalPerson>"
              "<DimonaFeatures><JointCommissionNbr>XXX</JointCommissionNbr>"
              "<WorkerType>TRI</WorkerType></DimonaFeatures></DimonaIn>")
SMALL_STATUTES_IN = ("<DimonaIn><StartingDate>2026-03-04</StartingDate><EndingDate>2026-03-06"
                     "</EndingDate><EmployerId><NOSSRegistrationNbr>197100119"
                     "</NOSSRegistrationNbr></EmployerId><NaturalPerson><INSS>85073003328"
                     "</INSS></NaturalPerson><DimonaFeatures><JointCommissionNbr>XXX"
                     "</JointCommissionNbr><WorkerType>STG</WorkerType></DimonaFeatures>"
                     "<SmallStatutesInformation><EmploymentNature>EMPLOYEE</EmploymentNature>"
                     "<WorkerStatus>F2</WorkerStatus></SmallStatutesInformation></DimonaIn>")


def dimona_in_block(features: str = "", blocks: str = "", worker_type: str = "OTH") -> str:
    """A DimonaIn with `features` after WorkerType in DimonaFeatures, then `blocks` (what
    follows DimonaFeatures), in the official order."""
    return ("<DimonaIn><StartingDate>2026-03-04</StartingDate><EndingDate>2026-03-06"
            "</EndingDate><EmployerId><NOSSRegistrationNbr>197100119</NOSSRegistrationNbr>"
            "</EmployerId><NaturalPerson><INSS>85073003328</INSS></NaturalPerson>"
            f"<DimonaFeatures><JointCommissionNbr>124</JointCommissionNbr><WorkerType>"
            f"{worker_type}</WorkerType>{features}</DimonaFeatures>{blocks}</DimonaIn>")


SUB_ENTITY = "<SubEntityNbr>0203040506</SubEntityNbr>"
CONTROL_CARDS = ("<ConstructionControlCards><FirstMonthC32ANbr>012345678901"
                 "</FirstMonthC32ANbr><NextMonthC32ANbr>012345678902</NextMonthC32ANbr>"
                 "</ConstructionControlCards>")
STUDENT_PLACE = "<StudentPlaceOfWork><Denomination>Werf Noord</Denomination></StudentPlaceOfWork>"
SMALL_STATUTES = ("<SmallStatutesInformation><EmploymentNature>WORKER</EmploymentNature>"
                  "<ActivityWithRisk>007</ActivityWithRisk><WorkerStatus>F1</WorkerStatus>"
                  "</SmallStatutesInformation>")
IN_BLOCKS: dict[str, tuple[str, dict]] = {
    "control_cards": (dimona_in_block(blocks=CONTROL_CARDS), {
        "constructionControlCards": {"firstMonthC32ANumber": "012345678901",
                                     "nextMonthC32ANumber": "012345678902"}}),
    "sub_entity": (dimona_in_block(SUB_ENTITY), {
        "features": {"jointCommissionNumber": "124", "workerType": "OTH",
                     "subEntityNumber": "0203040506"}}),
    "small_statutes": (dimona_in_block(blocks=SMALL_STATUTES, worker_type="STG"), {
        "features": {"jointCommissionNumber": "124", "workerType": "STG"},
        "smallStatutesInformation": {"employmentNature": "WORKER", "activityWithRisk": 7,
                                     "workerStatus": "F1"}}),
    "all_three": (dimona_in_block(SUB_ENTITY, CONTROL_CARDS + STUDENT_PLACE + SMALL_STATUTES,
                                  worker_type="STU"), {
        "features": {"jointCommissionNumber": "124", "workerType": "STU",
                     "subEntityNumber": "0203040506"},
        "constructionControlCards": {"firstMonthC32ANumber": "012345678901",
                                     "nextMonthC32ANumber": "012345678902"},
        "studentPlaceOfWork": {"name": "Werf Noord"},
        "smallStatutesInformation": {"employmentNature": "WORKER", "activityWithRisk": 7,
                                     "workerStatus": "F1"}}),
}
"""DimonaIn blocks with a sub-entity, construction control cards and small statutes, and
the members of `dimonaIn` each gives besides the dates (the features default to 124 OTH)."""
CANCEL_WITH_EMPLOYER = ("<DimonaCancel><DimonaPeriodId>680725377630</DimonaPeriodId>"
                        "<INSS>85073003328</INSS><EmployerId><NOSSRegistrationNbr>197100119"
                        "</NOSSRegistrationNbr></EmployerId></DimonaCancel>")
REGISTRATION_CREATE = ("<DailyRegistrationDeclaration><AttestationStatus>0</AttestationStatus>"
                       "<DimonaPeriodId>680725377630</DimonaPeriodId><StartingDate>2026-03-02"
                       "</StartingDate><StartingHour>1000</StartingHour><EndingDate>2026-03-02"
                       "</EndingDate></DailyRegistrationDeclaration>")
REGISTRATION_END_HOUR = ("<DailyRegistrationDeclaration><AttestationStatus>1</AttestationStatus>"
                         "<DailyRegistrationId>680725377729</DailyRegistrationId>"
                         "<EndingHour>1830</EndingHour></DailyRegistrationDeclaration>")
REGISTRATION_CANCEL = ("<DailyRegistrationDeclaration><AttestationStatus>3</AttestationStatus>"
                       "<DailyRegistrationId>680725377729</DailyRegistrationId>"
                       "</DailyRegistrationDeclaration>")

FLEXI_MINIMAL = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<FLXWAGE xmlns="http://socialsecurity.be/xml/ns/FLXWAGE" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://socialsecurity.be/xml/ns/FLXWAGE FLXWAGE_20261.xsd">'
    "<Form><Identification>FLXWAGE</Identification><FormCreationDate>2026-05-31"
    "</FormCreationDate><FormCreationHour>00:00:00.000</FormCreationHour>"
    "<AttestationStatus>0</AttestationStatus><TypeForm>SU</TypeForm>"
    "<Debtor><CompanyID>0403170701</CompanyID><NOSSRegistrationNbr>175110801"
    "</NOSSRegistrationNbr><Beneficiary><INSS>85073003328</INSS><Relation>"
    "<RelationType>1</RelationType><Reference><ReferenceType>10</ReferenceType>"
    f"<ReferenceOrigin>8</ReferenceOrigin><ReferenceNbr>{UUID}</ReferenceNbr></Reference>"
    "<Calculation><CalculationPeriodStartingDate>2026-05-01</CalculationPeriodStartingDate>"
    "<CalculationPeriodEndingDate>2026-05-31</CalculationPeriodEndingDate>"
    "<CalculationDate>2026-05-31</CalculationDate><Features>"
    "<ValidityPeriodStartingDate>2026-05-01</ValidityPeriodStartingDate>"
    "<ValidityPeriodEndingDate>2026-05-31</ValidityPeriodEndingDate>"
    "<EmployerClass>017</EmployerClass><WorkerCode>050</WorkerCode>"
    "<FinancialElement><FinancialElementType>1</FinancialElementType>"
    "<FinancialElementCode>0002001000</FinancialElementCode><Amount>10992</Amount>"
    "</FinancialElement><FinancialElement><FinancialElementType>1</FinancialElementType>"
    "<FinancialElementCode>0001001000</FinancialElementCode><Amount>39519</Amount>"
    "</FinancialElement></Features></Calculation></Relation></Beneficiary></Debtor></Form>"
    "</FLXWAGE>").encode()


# -- Decisions -----------------------------------------------------------------------------

RECEIVED = datetime(2026, 7, 7, 18, 0, 0, 250000, tzinfo=UTC)  # 20:00:00.250 in Brussels


def period(**changes) -> PeriodState:
    values = {"period_id": 680725377630, "employer_key": "175110801", "ssin": "85073003328",
              "joint_commission_number": "XXX", "worker_type": "FLX",
              "start_date": date(2026, 7, 8), "start_hour": "0800",
              "end_date": date(2026, 7, 8), "end_hour": "1400"}
    return PeriodState(**{**values, **changes})


def registration(**changes) -> RegistrationState:
    values = {"registration_id": 680725377729, "period_id": 680725377630,
              "employer_key": "175110801", "ssin": "85073003328",
              "start_date": date(2026, 7, 8), "start_hour": "1800",
              "end_date": date(2026, 7, 9)}
    return RegistrationState(**{**values, **changes})


def decided(name: str, result: str = "A", number: int = 680725377729,
            anomalies: tuple[Anomaly, ...] = (), employer_key: str = "175110801",
            **fields) -> DeclarationDecided:
    declaration_ = declaration(name)
    return DeclarationDecided(
        event_id=stable_id("decided", number), occurred_at=RECEIVED,
        correlation_id=str(number), declaration_id=number, employer_key=employer_key,
        received_at=RECEIVED, channel="batch", declarant="0477472701", batch_ref="b" * 20,
        line=1, declaration=declaration_, declaration_type=declaration_.declaration_type,
        result=result, anomalies=anomalies, **fields)


def anomaly(code: str, severity: str, quota: QuotaExceeded | None = None) -> Anomaly:
    return Anomaly(code=code, severity=severity, label_nl=f"nl {code}",
                   label_fr=f"fr {code}", label_en=f"en {code}", quota=quota)
