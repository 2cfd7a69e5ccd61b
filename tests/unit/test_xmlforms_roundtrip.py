"""JSON -> XML -> JSON: every kind of declaration, every field the XML form carries, comes
back from its form unchanged; what the form cannot carry is named, never dropped silently.
XML -> JSON -> XML: an IN's sub-entity, construction control cards and small statutes are
written back as they were read."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree
from pydantic import ValidationError

from schemas.declaration import Declaration
from services.intake.xmlforms import NotRepresentable, form_element, read_dimona, unmapped_fields
from services.intake.xmlforms.read import load_schema
from tests.unit.xmlforms_cases import (
    CONTROL_CARDS,
    CREATED,
    EXAMPLES,
    IN_BLOCKS,
    SUB_ENTITY,
    declaration,
    dimona_declarations,
    dimona_file,
    dimona_in_block,
    flexi_declarations,
    round_trip,
)

ROUND_TRIP = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])


def assert_round_trip(declarations: list[Declaration]) -> None:
    results = round_trip(declarations)
    assert [(r.error, r.ignored) for r in results] == [(None, ())] * len(declarations)
    assert [r.declaration for r in results] == declarations
    assert [r.declaration.to_json_dict() for r in results] == [
        d.to_json_dict() for d in declarations]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_comes_back_unchanged(name):
    assert unmapped_fields(declaration(name)) == []
    assert_round_trip([declaration(name)])


@given(dimona_declarations)
@ROUND_TRIP
def test_any_dimona_declaration_comes_back_unchanged(generated):
    assert_round_trip([generated])


@given(flexi_declarations)
@ROUND_TRIP
def test_any_flexi_wage_comes_back_unchanged(generated):
    assert_round_trip([generated])


def test_one_file_holds_every_dimona_kind_in_order():
    names = [n for n in EXAMPLES if not n.startswith("flexi")]
    assert_round_trip([declaration(n) for n in names])


def test_the_form_follows_the_official_order():
    form = form_element(declaration("in_every_field"), created_at=CREATED)
    assert [c.tag for c in form] == ["Identification", "FormCreationDate", "FormCreationHour",
                                     "AttestationStatus", "TypeForm", "Reference", "Reference",
                                     "Reference", "DimonaIn"]
    assert form.findtext("FormCreationHour") == "11:58:00.000"  # Brussels time
    assert [c.tag for c in form.find("DimonaIn")] == [
        "StartingDate", "StartingHour", "EndingDate", "EndingHour", "PlannedHoursNbr",
        "EmployerId", "NaturalPerson", "DimonaFeatures", "ConstructionControlCards",
        "StudentPlaceOfWork", "SmallStatutesInformation"]
    assert [c.tag for c in form.find("DimonaIn/NaturalPerson")] == [
        "INSS", "WorkerName", "WorkerFirstName", "WorkerBirthdate", "WorkerBirthplace",
        "WorkerBirthplaceCountry", "WorkerSex", "WorkerStreet", "WorkerHouseNbr",
        "WorkerPostBox", "WorkerZIPCode", "WorkerCity", "WorkerCountry", "Nationality"]
    assert [(c.tag, c.text) for c in form.find("DimonaIn/DimonaFeatures")][:3] == [
        ("JointCommissionNbr", "322"), ("WorkerType", "STU"), ("SubEntityNbr", "0203040506")]
    assert [c.tag for c in form.find("DimonaIn/DimonaFeatures")] == [
        "JointCommissionNbr", "WorkerType", "SubEntityNbr", "UsingEmployer"]
    assert [(c.tag, c.text) for c in form.find("DimonaIn/ConstructionControlCards")] == [
        ("FirstMonthC32ANbr", "012345678901"), ("NextMonthC32ANbr", "012345678902")]
    assert [(c.tag, c.text) for c in form.find("DimonaIn/SmallStatutesInformation")] == [
        ("EmploymentNature", "WORKER"), ("ActivityWithRisk", "007"), ("WorkerStatus", "F1")]
    assert [c.tag for c in form.find("DimonaIn/DimonaFeatures/UsingEmployer")] == [
        "JointCommissionNbr", "UsingEmployerName", "UsingEmployerCompanyID", "Address"]
    refs = [(r.findtext("ReferenceType"), r.findtext("ReferenceNbr"))
            for r in form.iter("Reference")]
    assert refs == [("1", "shift-991"), ("7", "payroll-42"), ("8", "emp-7")]


@pytest.mark.parametrize("name", sorted(IN_BLOCKS))
def test_an_in_with_its_sub_entity_cards_and_small_statutes_comes_back_from_xml(name):
    block, members = IN_BLOCKS[name]
    [result] = read_dimona(io.BytesIO(dimona_file(block)))
    assert (result.error, result.ignored) == (None, ())
    assert result.declaration.to_json_dict() == {
        "employer": {"employerId": 197100119}, "worker": {"ssin": "85073003328"},
        "dimonaIn": {"startDate": "2026-03-04", "endDate": "2026-03-06",
                     "features": {"jointCommissionNumber": "124", "workerType": "OTH"},
                     **members}}
    written = form_element(result.declaration, created_at=CREATED).find("DimonaIn")
    assert etree.tostring(written, encoding="unicode") == block
    assert_round_trip([result.declaration])


def test_an_activity_with_risk_is_three_digits_in_xml_and_a_number_in_json():
    form = form_element(declaration("in_small_statutes"), created_at=CREATED)
    assert [(c.tag, c.text) for c in form.find("DimonaIn/SmallStatutesInformation")] == [
        ("EmploymentNature", "EMPLOYEE"), ("ActivityWithRisk", "001"), ("WorkerStatus", "F2")]
    block = dimona_in_block(blocks="<SmallStatutesInformation><ActivityWithRisk>42"
                                   "</ActivityWithRisk></SmallStatutesInformation>")
    short, long, letters = read_dimona(io.BytesIO(dimona_file(
        block, block.replace(">42<", ">0042<"), block.replace(">42<", ">4a<"))))
    assert short.declaration.dimona_in.small_statutes_information.activity_with_risk == 42
    assert form_element(short.declaration).findtext(".//ActivityWithRisk") == "042"
    assert long.declaration is None and "ActivityWithRisk" in long.error
    assert letters.declaration is None and "ActivityWithRisk" in letters.error


@pytest.mark.parametrize(("block", "element", "body"), [
    (dimona_in_block(SUB_ENTITY.replace("0203040506", "02030405AB")), "SubEntityNbr",
     {"features": {"jointCommissionNumber": "124", "workerType": "OTH",
                   "subEntityNumber": "02030405AB"}}),
    (dimona_in_block(blocks=CONTROL_CARDS.replace("012345678902", "01234567890X")),
     "NextMonthC32ANbr",
     {"constructionControlCards": {"nextMonthC32ANumber": "01234567890X"}}),
])
def test_a_sub_entity_or_card_number_that_is_not_digits_is_not_a_form(block, element, body):
    """The glossary's numbers are digits in the schema, both ways; the JSON takes them as
    text and leaves them to the validator."""
    [result] = read_dimona(io.BytesIO(dimona_file(block)))
    assert result.declaration is None and element in result.error
    decl = Declaration.model_validate({**EXAMPLES["in_sub_entity"], "dimonaIn": {
        "startDate": "2026-07-08",
        "features": {"jointCommissionNumber": "124", "workerType": "OTH"}, **body}})
    with pytest.raises(NotRepresentable) as refused:
        form_element(decl)
    assert refused.value.fields == [] and element in str(refused.value)


def test_an_out_carries_the_employer_and_the_ssin_inside_its_block():
    form = form_element(declaration("out"), created_at=CREATED)
    assert [c.tag for c in form.find("DimonaOut")] == [
        "DimonaPeriodId", "EndingDate", "INSS", "EmployerId"]


def test_a_daily_registration_carries_its_action_in_its_own_attestation_status():
    for name, status in (("registration_create", "0"), ("registration_update", "1"),
                         ("registration_cancel", "3")):
        form = form_element(declaration(name), created_at=CREATED)
        assert form.findtext("AttestationStatus") == "0"
        assert form.findtext("DailyRegistrationDeclaration/AttestationStatus") == status


def test_a_flexi_wage_form_is_namespaced_and_nested_as_the_instructions_say():
    form = form_element(declaration("flexi_create"), created_at=CREATED)
    ns = "{http://socialsecurity.be/xml/ns/FLXWAGE}"
    relation = form.find(f"{ns}Debtor/{ns}Beneficiary/{ns}Relation")
    assert [c.tag.removeprefix(ns) for c in relation] == [
        "RelationType", "Reference", "Reference", "Calculation"]
    assert [(r.findtext(f"{ns}ReferenceOrigin"), r.findtext(f"{ns}ReferenceNbr"))
            for r in relation.findall(f"{ns}Reference")] == [
        ("8", EXAMPLES["flexi_create"]["flexiWage"]["relation"]["uuid"]), ("1", "contract-12")]
    amounts = [e.findtext(f"{ns}Amount") for e in relation.iter(f"{ns}FinancialElement")]
    assert amounts == ["9400", "5000", None]
    assert form.findtext(f"{ns}AttestationStatus") == "0"
    cancel = form_element(declaration("flexi_cancel"), created_at=CREATED)
    assert cancel.findtext(f"{ns}AttestationStatus") == "3"
    assert cancel.find(f".//{ns}Calculation") is None


def test_every_written_form_is_valid_against_the_schema():
    for name in EXAMPLES:
        decl = declaration(name)
        schema = load_schema("flxwage.xsd" if decl.flexi_wage else "dimona.xsd")
        assert schema.validate(form_element(decl, created_at=CREATED)), name


@pytest.mark.parametrize(("body", "lost"), [
    ({"dimonaOut": {"periodId": 1, "endDate": "2026-08-31", "endHour": "1700"}},
     ["dimonaOut.endHour"]),
    ({"worker": {"ssin": "85073003328", "familyName": "Peeters"},
      "dimonaCancel": {"periodId": 1}}, ["worker.familyName"]),
    ({**EXAMPLES["in_without_ssin"],
      "worker": {"address": {"municipality": {"code": "21004", "name": "Bruxelles"}}}},
     ["worker.address.municipality.code"]),
    ({**EXAMPLES["in_without_ssin"], "worker": {"address": {}}}, ["worker.address"]),
    ({**EXAMPLES["flexi_cancel"], "references": {"employer": "x"}}, ["references.employer"]),
    ({**EXAMPLES["in_without_ssin"], "worker": {"familyName": "Pee\x01ters"}},
     ["worker.familyName"]),
])
def test_what_the_form_cannot_carry_is_named_and_refused(body, lost):
    decl = Declaration.model_validate(body)
    assert unmapped_fields(decl) == lost
    with pytest.raises(NotRepresentable) as refused:
        form_element(decl)
    assert refused.value.fields == lost


def test_a_number_past_64_bits_is_refused_by_the_schema_as_by_the_declaration():
    """Every integer of a declaration fits 64 bits (a larger one could not be recorded);
    the form's schema says the same, so such a form is refused with the schema's message."""
    with pytest.raises(ValidationError):
        Declaration.model_validate({**EXAMPLES["out_bare"], "employer": {"employerId": 2**63}})
    decl = Declaration.model_validate({**EXAMPLES["out_bare"],
                                       "employer": {"employerId": 2**63 - 1}})
    xml = etree.tostring(form_element(decl)).replace(str(2**63 - 1).encode(),
                                                      str(2**63).encode())
    [form] = read_dimona(io.BytesIO(b"<Dimona>" + xml + b"</Dimona>"))
    assert form.declaration is None and "NOSSRegistrationNbr" in form.error


def test_a_municipality_name_becomes_the_city_and_comes_back_as_text():
    body = {**EXAMPLES["in_without_ssin"],
            "worker": {"address": {"municipality": {"name": "Bruxelles"}}}}
    [result] = round_trip([Declaration.model_validate(body)])
    assert result.declaration.worker.address.municipality == "Bruxelles"


def test_the_xml_is_utf8_with_non_ascii_text_kept():
    decl = Declaration.model_validate({**EXAMPLES["in_without_ssin"],
                                       "worker": {"familyName": "Ødegård–Ñúñez 🙂"}})
    xml = etree.tostring(form_element(decl), encoding="utf-8")
    assert "Ødegård–Ñúñez 🙂".encode() in xml
    [result] = round_trip([decl])
    assert result.declaration == decl


def test_a_code_written_as_digits_comes_back_as_a_number():
    body = {**EXAMPLES["in_without_ssin"], "worker": {"gender": "1", "nationality": "150",
                                                      "countryOfBirth": "0150"}}
    [result] = round_trip([Declaration.model_validate(body)])
    worker = result.declaration.worker
    assert (worker.gender, worker.nationality, worker.country_of_birth) == (1, 150, "0150")


def test_digits_of_another_script_are_not_a_declaration():
    """The JSON form takes ASCII digits only, as the XML form does, so whatever intake
    accepts can be written as XML."""
    with pytest.raises(ValidationError, match="endHour"):
        Declaration.model_validate({"dailyRegistration": {"action": "update",
                                                          "endHour": "180\u0660"}})


def test_a_provisional_nsso_number_is_written_as_one():
    decl = Declaration.model_validate({**EXAMPLES["cancel"], "employer": {"employerId":
                                                                          5000000120}})
    form = form_element(decl, created_at=CREATED)
    assert [c.tag for c in form.find("DimonaCancel/EmployerId")] == ["ProvisionalNSSONbr"]
    assert_round_trip([decl])
