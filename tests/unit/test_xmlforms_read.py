"""The reader on the sources' example forms, on forms with their own problems (answered
per form, the others go on), and on files refused whole (a typed error with its ACRF
code)."""

import io

import pytest

from schemas.declaration import Declaration
from services.intake.xmlforms import read_dimona, read_flxwage
from services.intake.xmlforms.errors import (
    FileError,
    MalformedXml,
    NamespaceInvalid,
    NoDeclaration,
    NotAForm,
    RootUnknown,
)
from services.intake.xmlforms.read import FormHeader, Reference
from tests.unit.xmlforms_cases import (
    CANCEL_WITH_EMPLOYER,
    FLEXI_MINIMAL,
    HEADER,
    MINIMAL_IN,
    REGISTRATION_CANCEL,
    REGISTRATION_CREATE,
    REGISTRATION_END_HOUR,
    SMALL_STATUTES_IN,
    UUID,
    dimona_file,
)


def read(data: bytes) -> list:
    return list(read_dimona(io.BytesIO(data)))


def test_the_minimal_in_of_the_sources():
    [result] = read(dimona_file(MINIMAL_IN))
    assert (result.index, result.error, result.ignored) == (1, None, ())
    assert result.declaration == Declaration.model_validate({
        "employer": {"employerId": 197100119}, "worker": {"ssin": "85073003328"},
        "references": {"declaration": "WEEK-29-0001"},
        "dimonaIn": {"startDate": "2026-03-04", "endDate": "2026-03-04",
                     "features": {"jointCommissionNumber": "XXX", "workerType": "TRI"}}})
    assert result.header == FormHeader("DIMONA", "2026-03-02", "09:58:00.000", "0", "SU")
    assert result.references == (Reference("1", "1", "WEEK-29-0001"),)
    assert result.raw.startswith("<Form ") and result.raw.endswith("</DimonaIn></Form>")
    assert [r.declaration for r in read(dimona_file(result.raw[result.raw.index(">") + 1:-7]
                                                   .replace(HEADER, "")))] == [result.declaration]


def test_small_statutes_are_carried():
    [result] = read(dimona_file(SMALL_STATUTES_IN))
    assert (result.error, result.ignored) == (None, ())
    assert result.declaration.dimona_in.features.worker_type == "STG"
    assert result.declaration.dimona_in.small_statutes_information.to_json_dict() == {
        "employmentNature": "EMPLOYEE", "workerStatus": "F2"}


def test_a_cancel_with_its_worker_and_employer():
    [result] = read(dimona_file(CANCEL_WITH_EMPLOYER))
    assert result.declaration == Declaration.model_validate({
        "employer": {"employerId": 197100119}, "worker": {"ssin": "85073003328"},
        "dimonaCancel": {"periodId": 680725377630}})


def test_a_daily_registration_created_completed_and_cancelled():
    results = read(dimona_file(REGISTRATION_CREATE, REGISTRATION_END_HOUR, REGISTRATION_CANCEL))
    assert [r.error for r in results] == [None, None, None]
    assert [r.declaration.daily_registration.to_json_dict() for r in results] == [
        {"action": "create", "periodId": 680725377630, "startDate": "2026-03-02",
         "startHour": "1000", "endDate": "2026-03-02"},
        {"action": "update", "registrationId": 680725377729, "endHour": "1830"},
        {"action": "cancel", "registrationId": 680725377729}]
    assert [r.index for r in results] == [1, 2, 3]
    assert all(r.declaration.employer is None and r.declaration.worker is None
               for r in results)


def test_the_flexi_wage_of_the_sources():
    [result] = list(read_flxwage(io.BytesIO(FLEXI_MINIMAL)))
    assert (result.error, result.ignored) == (None, ())
    assert result.header.identification == "FLXWAGE"
    flexi = result.declaration.flexi_wage
    assert flexi.to_json_dict() == {
        "action": "create", "debtor": {"employerId": 175110801, "enterpriseNumber": "0403170701"},
        "beneficiary": {"ssin": "85073003328"}, "relation": {"uuid": UUID},
        "calculation": {"startDate": "2026-05-01", "endDate": "2026-05-31",
                        "calculationDate": "2026-05-31", "features": [
                            {"employerCategory": "017", "workerCode": "050",
                             "validFrom": "2026-05-01", "validTo": "2026-05-31",
                             "financialElements": [
                                 {"code": "0002001000", "amountCents": 10992},
                                 {"code": "0001001000", "amountCents": 39519}]}]}}


def test_a_provisional_nsso_number_is_the_employer_number():
    block = MINIMAL_IN.replace("NOSSRegistrationNbr", "ProvisionalNSSONbr")
    [result] = read(dimona_file(block))
    assert result.declaration.employer.employer_id == 197100119


def test_elements_without_a_json_field_are_listed():
    block = (MINIMAL_IN
             .replace("<NaturalPerson><INSS>85073003328</INSS>",
                      "<NaturalPerson><INSS>85073003328</INSS><WorkerInitial>A</WorkerInitial>")
             .replace("<WorkerType>TRI</WorkerType>",
                      "<WorkerType>TRI</WorkerType><SubEntityNbr>1234567890</SubEntityNbr>")
             .replace("<EndingDate>2026-03-04</EndingDate>",
                      "<EndingDate>2026-03-04</EndingDate><PlannedDaysNbr>3</PlannedDaysNbr>")
             .replace("</Reference>", "</Reference><Reference><ReferenceType>6</ReferenceType>"
                      "<ReferenceOrigin>1</ReferenceOrigin><ReferenceNbr>old</ReferenceNbr>"
                      "</Reference>"))
    [result] = read(dimona_file(block))
    assert result.error is None
    assert result.ignored == ("Reference[ReferenceType=6]", "DimonaIn/PlannedDaysNbr",
                              "DimonaIn/NaturalPerson/WorkerInitial")
    assert result.declaration.dimona_in.features.sub_entity_number == "1234567890"


def test_a_form_against_the_schema_gets_its_own_error_and_the_others_go_on():
    bad_hour = MINIMAL_IN.replace("<EndingDate>", "<StartingHour>2500</StartingHour><EndingDate>")
    wrong_order = MINIMAL_IN.replace(
        "<EndingDate>2026-03-04</EndingDate>", "").replace(
        "<StartingDate>2026-03-04</StartingDate>",
        "<EndingDate>2026-03-04</EndingDate><StartingDate>2026-03-04</StartingDate>")
    two_blocks = CANCEL_WITH_EMPLOYER + REGISTRATION_CANCEL
    results = read(dimona_file(MINIMAL_IN, bad_hour, wrong_order, two_blocks, MINIMAL_IN))
    assert [r.index for r in results] == [1, 2, 3, 4, 5]
    assert [r.declaration is not None for r in results] == [True, False, False, False, True]
    assert "StartingHour" in results[1].error and "pattern" in results[1].error
    assert "EndingDate" in results[2].error and "not expected" in results[2].error
    assert "DailyRegistrationDeclaration" in results[3].error
    assert results[1].error.startswith("line 2: ")
    assert results[1].raw and results[1].header is None


def test_a_form_the_json_refuses_gets_the_json_message():
    block = MINIMAL_IN.replace("<NOSSRegistrationNbr>197100119</NOSSRegistrationNbr>",
                               "<NOSSLPARegistrationNbr>197100119</NOSSLPARegistrationNbr>")
    [result] = read(dimona_file(block))
    assert result.declaration is None
    assert result.error == "employer: Value error, employerId or enterpriseNumber is required"
    assert result.ignored == ("DimonaIn/EmployerId/NOSSLPARegistrationNbr",)


def test_two_references_of_one_kind_are_a_mapping_problem():
    ref = ("<Reference><ReferenceType>7</ReferenceType><ReferenceOrigin>1</ReferenceOrigin>"
           "<ReferenceNbr>{}</ReferenceNbr></Reference>")
    [result] = read(dimona_file(ref.format("a") + ref.format("b") + CANCEL_WITH_EMPLOYER))
    assert result.declaration is None
    assert result.error == "Reference: more than one of ReferenceType 7, ReferenceOrigin 1"


def test_the_header_must_be_a_dimona_submission():
    header = HEADER.replace("<TypeForm>SU</TypeForm>", "<TypeForm>FA</TypeForm>")
    [result] = read(dimona_file(CANCEL_WITH_EMPLOYER, header=header))
    assert "TypeForm" in result.error


def test_comments_and_blanks_between_forms_are_fine():
    data = dimona_file(MINIMAL_IN, MINIMAL_IN).replace(b"</Form><Form>",
                                                       b"</Form>\n  <!-- two -->\n  <Form>")
    assert [r.error for r in read(data)] == [None, None]


@pytest.mark.parametrize(("data", "error", "code"), [
    (b"<Dimona></Dimona>", NoDeclaration, "157"),
    (b"<Dimona><!-- nothing --></Dimona>", NoDeclaration, "157"),
    (b"<DIMONA><Form/></DIMONA>", RootUnknown, "089"),
    (b"<Notification/>", RootUnknown, "089"),
    (b'<Dimona xmlns="urn:other"><Form/></Dimona>', NamespaceInvalid, "139"),
    (dimona_file(MINIMAL_IN).replace(b"</Dimona>", b"<Extra/></Dimona>"), NotAForm, "205"),
    (dimona_file(MINIMAL_IN, MINIMAL_IN).replace(b"</Form><Form>", b"</Form><X/><Form>"),
     NotAForm, "205"),
    (b"<Dimona><Block><Form/></Block></Dimona>", NotAForm, "205"),
    (b"", MalformedXml, "102"),
    (b"   ", MalformedXml, "102"),
    (b"not xml at all", MalformedXml, "102"),
    (b"<Dimona><Form></Dimona>", MalformedXml, "102"),
    (b"<Dimona/><Dimona/>", MalformedXml, "102"),
])
def test_files_refused_whole(data, error, code):
    with pytest.raises(error) as refused:
        read(data)
    assert refused.value.code == code
    assert refused.value.error_id == f"ACRF-{code}"


def test_a_flxwage_file_must_be_in_its_namespace():
    unqualified = FLEXI_MINIMAL.replace(b' xmlns="http://socialsecurity.be/xml/ns/FLXWAGE"', b"")
    with pytest.raises(NamespaceInvalid):
        list(read_flxwage(io.BytesIO(unqualified)))
    with pytest.raises(RootUnknown):
        list(read_flxwage(io.BytesIO(dimona_file(MINIMAL_IN))))


def test_a_refusal_after_some_forms_still_refuses_the_file():
    data = dimona_file(MINIMAL_IN, MINIMAL_IN)[:-3]
    seen = []
    with pytest.raises(FileError):
        for result in read_dimona(io.BytesIO(data)):
            seen.append(result.index)
    assert seen == [1, 2]
