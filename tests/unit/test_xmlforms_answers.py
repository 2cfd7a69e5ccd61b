"""The answers of the batch channel: the ACRF of a file, and the NOTIFICATION forms built
from DeclarationDecided events, valid against the project's schemas, their blocks in the
official order, written incrementally."""

import io
from datetime import date

import pytest
from lxml import etree

from schemas.declaration import ConstructionControlCards, SmallStatutesInformation
from schemas.events import QuotaExceeded
from services.intake.xmlforms import HandledFile, Notice, acrf, read_dimona, write_notifications
from services.intake.xmlforms.errors import MalformedXml, NoDeclaration
from services.intake.xmlforms.read import FormHeader, Reference, load_schema
from tests.unit.xmlforms_cases import (
    CREATED,
    MINIMAL_IN,
    anomaly,
    decided,
    dimona_file,
    period,
    registration,
)

HANDLED = HandledFile("GO.DIMN.000640.20260707.00001.R.1", "0380579A83Q1Z", "000640")


def parse(data: bytes, schema: str) -> etree._Element:
    root = etree.fromstring(data)
    load_schema(schema).assertValid(root)
    return root


def tags(element: etree._Element) -> list[str]:
    return [c.tag for c in element]


def notifications(*notices, handled=HANDLED, **options) -> list[etree._Element]:
    out = io.BytesIO()
    count = write_notifications(out, notices, handled, created_at=CREATED, **options)
    root = parse(out.getvalue(), "notification.xsd")
    assert count == len(root) == len(notices)
    return list(root)


def test_an_accepted_file_is_acknowledged_with_its_ticket():
    root = parse(acrf("FI.DIMN.000640.20260707.00001.R.1.1", "0380579A83Q1Z",
                      created_at=CREATED), "acrf.xsd")
    [form] = root
    assert tags(form) == ["Identification", "FormCreationDate", "FormCreationHour",
                          "AttestationStatus", "TypeForm", "FileReference", "ReceptionResult"]
    assert form.findtext("Identification") == "ACRF001"
    assert form.findtext("FormCreationHour") == "11:58:00.000"
    assert [form.findtext(f"FileReference/{t}") for t in
            ("FileName", "ReferenceOrigin", "ReferenceNbr")] == [
        "FI.DIMN.000640.20260707.00001.R.1.1", "2", "0380579A83Q1Z"]
    assert tags(form.find("ReceptionResult")) == ["ResultCode"]
    assert form.findtext("ReceptionResult/ResultCode") == "1"


def test_a_refused_file_is_acknowledged_with_its_error_ids():
    try:
        list(read_dimona(io.BytesIO(b"<Dimona/>")))
    except NoDeclaration as exc:
        refusal = exc
    data = acrf("FI.DIMN.000640.20260707.00002.R.1.1", "0380579WFBN6Z",
                [refusal, MalformedXml("x"), "129", "ACRF-125"], created_at=CREATED)
    result = parse(data, "acrf.xsd").find("Form/ReceptionResult")
    assert result.findtext("ResultCode") == "0"
    assert [e.text for e in result.findall("ErrorID")] == [
        "ACRF-157", "ACRF-102", "ACRF-129", "ACRF-125"]


def test_the_acrf_schema_can_fail():
    data = acrf("FI.DIMN.000640.20260707.00001.R.1.1", "x" * 21, created_at=CREATED)
    assert not load_schema("acrf.xsd").validate(etree.fromstring(data))


def test_an_accepted_in_is_notified_with_the_period_after():
    after = period()
    header = FormHeader("DIMONA", "2026-07-07", "09:58:00.000", "0", "SU")
    refs = (Reference("1", "1", "shift-991"), Reference("6", "1", "refused-earlier"))
    [form] = notifications(Notice(decided("in_every_field", period_id=after.period_id,
                                          period_after=after), header, refs))
    assert tags(form) == [
        "Identification", "FormCreationDate", "FormCreationHour", "AttestationStatus",
        "TypeForm", "FileReference", "FileReceptionInformation", "HandledOriginalFile",
        "HandledOriginalForm", "Reference", "Reference", "EmployerId", "NaturalPerson",
        "HandledReference", "HandlingResult"]
    assert form.findtext("Identification") == "NOTI001"
    assert form.findtext("FileReference/ReferenceNbr") == "0380579A83Q1Z"
    assert [form.findtext(f"FileReceptionInformation/{t}") for t in
            ("ReceptionDate", "ReceptionHour", "Channel")] == ["2026-07-07", "20:00:00.250", "14"]
    assert form.findtext("HandledOriginalFile/SenderId") == "000640"
    assert [c.text for c in form.find("HandledOriginalForm")] == [
        "DIMONA", "2026-07-07", "09:58:00.000", "0", "SU"]
    assert [r.findtext("ReferenceNbr") for r in form.findall("Reference")] == [
        "shift-991", "refused-earlier"]
    assert [c.text for c in form.find("EmployerId")] == ["175110801", "0403170701"]
    assert form.findtext("NaturalPerson/INSS") == "85073003328"
    assert [c.text for c in form.find("HandledReference")] == ["1", "2", "680725377729"]
    result = form.find("HandlingResult")
    assert tags(result) == ["ResultCode", "ImpactReport"]
    assert result.findtext("ResultCode") == "1"
    report = result.find("ImpactReport/DimonaImpactReport")
    assert tags(report) == ["DimonaPeriodId", "DimonaFeatures", "DimonaPeriodAfter"]
    assert report.findtext("DimonaPeriodId") == "680725377630"
    assert [c.text for c in report.find("DimonaPeriodAfter")] == [
        "2026-07-08", "0800", "2026-07-08", "1400"]


def test_a_warning_is_an_ok_with_its_non_blocking_anomaly():
    after = period()
    [form] = notifications(decided("out", "W", anomalies=(anomaly("00911-460", "NP"),),
                                   period_id=after.period_id, period_before=period(),
                                   period_after=after), lang="fr")
    result = form.find("HandlingResult")
    assert tags(result) == ["ResultCode", "AnomalyReport", "ImpactReport"]
    assert result.findtext("ResultCode") == "1"
    assert [c.text for c in result.find("AnomalyReport")] == ["00911-460", "NP", "fr 00911-460"]
    report = result.find("ImpactReport/DimonaImpactReport")
    assert tags(report) == ["DimonaPeriodId", "DimonaFeatures", "DimonaPeriodBefore",
                            "DimonaPeriodAfter"]


def test_the_impact_report_carries_the_sub_entity_cards_and_small_statutes_in_order():
    """DimonaFeatures/SubEntityNbr, then ConstructionControlCards and
    SmallStatutesInformation between DimonaFeatures and the period's sides (FB 90394);
    an UPDATE reports those of its period."""
    blocks = {"sub_entity_number": "0203040506",
              "control_cards": ConstructionControlCards(first_month_c32a_number="012345678901",
                                                        next_month_c32a_number="012345678902"),
              "small_statutes": SmallStatutesInformation(employment_nature="WORKER",
                                                         activity_with_risk=7,
                                                         worker_status="F1")}
    before = period(**blocks)
    after = period(**blocks, end_hour="1600", version=2)
    [form] = notifications(decided("update", period_id=after.period_id,
                                   period_before=before, period_after=after))
    report = form.find("HandlingResult/ImpactReport/DimonaImpactReport")
    assert tags(report) == ["DimonaPeriodId", "DimonaFeatures", "ConstructionControlCards",
                            "SmallStatutesInformation", "DimonaPeriodBefore",
                            "DimonaPeriodAfter"]
    assert [(c.tag, c.text) for c in report.find("DimonaFeatures")] == [
        ("JointCommissionNbr", "XXX"), ("WorkerType", "FLX"), ("SubEntityNbr", "0203040506")]
    assert [(c.tag, c.text) for c in report.find("ConstructionControlCards")] == [
        ("FirstMonthC32ANbr", "012345678901"), ("NextMonthC32ANbr", "012345678902")]
    assert [(c.tag, c.text) for c in report.find("SmallStatutesInformation")] == [
        ("EmploymentNature", "WORKER"), ("ActivityWithRisk", "007"), ("WorkerStatus", "F1")]
    assert report.findtext("DimonaPeriodAfter/EndingHour") == "1600"


def test_the_impact_report_writes_only_the_blocks_and_members_the_period_has():
    cards = ConstructionControlCards(next_month_c32a_number="012345678902")
    [with_cards, with_statutes, bare] = notifications(
        decided("cancel_bare", period_before=period(control_cards=cards),
                period_after=period(control_cards=cards, cancelled=True)),
        decided("in_every_field", period_after=period(
            small_statutes=SmallStatutesInformation(activity_with_risk=0),
            using_joint_commission_number="302")),
        decided("in_without_ssin", period_after=period(
            control_cards=ConstructionControlCards(), small_statutes=SmallStatutesInformation())))
    report = with_cards.find("HandlingResult/ImpactReport/DimonaImpactReport")
    assert tags(report) == ["DimonaPeriodId", "DimonaFeatures", "ConstructionControlCards",
                            "DimonaPeriodBefore"]
    assert tags(report.find("DimonaFeatures")) == ["JointCommissionNbr", "WorkerType"]
    assert [(c.tag, c.text) for c in report.find("ConstructionControlCards")] == [
        ("NextMonthC32ANbr", "012345678902")]
    report = with_statutes.find("HandlingResult/ImpactReport/DimonaImpactReport")
    assert tags(report) == ["DimonaPeriodId", "DimonaFeatures", "SmallStatutesInformation",
                            "DimonaPeriodAfter"]
    assert tags(report.find("DimonaFeatures")) == [
        "JointCommissionNbr", "WorkerType", "UsingEmployer"]
    assert [(c.tag, c.text) for c in report.find("SmallStatutesInformation")] == [
        ("ActivityWithRisk", "000")]
    report = bare.find("HandlingResult/ImpactReport/DimonaImpactReport")
    assert tags(report) == ["DimonaPeriodId", "DimonaFeatures", "DimonaPeriodAfter"]


def test_the_notification_schema_keeps_the_impact_report_order():
    [form] = notifications(decided("in_every_field", period_after=period(
        sub_entity_number="0203040506", using_joint_commission_number="302",
        small_statutes=SmallStatutesInformation(activity_with_risk=7))))
    schema, root = load_schema("notification.xsd"), form.getroottree().getroot()
    report = form.find("HandlingResult/ImpactReport/DimonaImpactReport")
    statutes = report.find("SmallStatutesInformation")
    report.insert(1, statutes)  # moved before DimonaFeatures
    assert not schema.validate(root)
    report.append(statutes)  # moved after DimonaPeriodAfter
    assert not schema.validate(root)
    report.insert(2, statutes)
    assert schema.validate(root)
    features = report.find("DimonaFeatures")
    features.append(features.find("SubEntityNbr"))  # moved after UsingEmployer
    assert not schema.validate(root)
    statutes.find("ActivityWithRisk").text = "7"
    features.insert(2, features.find("SubEntityNbr"))
    assert not schema.validate(root)


def test_a_refusal_has_its_blocking_anomalies_and_no_impact():
    quota = QuotaExceeded(quota_type="STUDENT", limit=650, exceeding_hours=12)
    [form] = notifications(decided("in_every_field", "B", anomalies=(
        anomaly("90373-334", "B"), anomaly("90373-260", "B", quota))))
    result = form.find("HandlingResult")
    assert tags(result) == ["ResultCode", "AnomalyReport", "AnomalyReport"]
    assert result.findtext("ResultCode") == "0"
    assert [r.findtext("ErrorID") for r in result.findall("AnomalyReport")] == [
        "90373-334", "90373-260"]
    assert [r.findtext("AnomalyClass") for r in result.findall("AnomalyReport")] == ["B", "B"]
    features = result.find("AnomalyReport[2]/AnomalyComplInformation/QuotaFeatures")
    assert [c.text for c in features] == ["STUDENT", "12"]
    assert features[1].tag == "ExceedingHoursNbr"


def test_a_cancel_has_the_period_before_and_no_after():
    before = period()
    [form] = notifications(decided("cancel_bare", period_id=before.period_id,
                                   period_before=before,
                                   period_after=period(cancelled=True, version=2)))
    report = form.find("HandlingResult/ImpactReport/DimonaImpactReport")
    assert tags(report) == ["DimonaPeriodId", "DimonaFeatures", "DimonaPeriodBefore"]
    assert [c.text for c in form.find("EmployerId")] == ["175110801"]


def test_a_waiting_in_is_a_temporary_answer():
    [form] = notifications(decided("in_without_ssin", "S"), handled=None)
    assert form.findtext("HandlingResult/ResultCode") == "3"
    assert form.find("FileReference") is None and form.find("HandledOriginalFile") is None
    assert form.findtext("FileReceptionInformation/Channel") == "14"
    assert form.find("NaturalPerson") is None
    assert [c.text for c in form.find("EmployerId")] == ["0403170701"]
    assert [c.text for c in form.find("HandledOriginalForm")] == ["DIMONA", "0", "SU"]


@pytest.mark.parametrize(("name", "status", "before", "after", "sides"), [
    ("registration_create", "0", None, registration(), ["DailyRegistrationAfter"]),
    ("registration_update", "1", registration(), registration(end_hour="0200", version=2),
     ["DailyRegistrationBefore", "DailyRegistrationAfter"]),
    ("registration_cancel", "3", registration(), registration(cancelled=True, version=2),
     ["DailyRegistrationBefore"]),
])
def test_a_daily_registration_has_its_before_and_after(name, status, before, after, sides):
    [form] = notifications(decided(name, registration_id=680725377729,
                                   period_id=680725377630, registration_before=before,
                                   registration_after=after))
    report = form.find("HandlingResult/ImpactReport/DailyRegistrationDclImpactReport")
    assert tags(report) == ["DailyRegistrationId", "AttestationStatus", "DimonaPeriodId",
                            *sides]
    assert report.findtext("AttestationStatus") == status
    assert form.findtext("NaturalPerson/INSS") == "85073003328"


def test_a_flexi_wage_is_notified_with_its_debtor_and_beneficiary():
    [form] = notifications(decided("flexi_cancel", employer_key="0403170701"))
    assert [c.text for c in form.find("HandledOriginalForm")] == ["FLXWAGE", "3", "SU"]
    assert [c.text for c in form.find("EmployerId")] == ["0403170701"]
    assert form.findtext("NaturalPerson/INSS") == "85073003328"
    assert tags(form.find("HandlingResult")) == ["ResultCode"]
    [created] = notifications(decided("flexi_create"))
    assert [r.findtext("ReferenceNbr") for r in created.findall("Reference")] == [
        "ABC123456789"]


def test_the_notification_schema_can_fail():
    [form] = notifications(decided("cancel_bare"))
    form.find("HandlingResult/ResultCode").text = "7"
    root = etree.Element("NOTIFICATION")
    root.append(form)
    assert not load_schema("notification.xsd").validate(root)


def test_a_notification_file_is_written_as_it_goes(tmp_path):
    """A generator of 5,000 decisions: each is consumed while the file grows."""
    target = tmp_path / "FO.NOTI.999999.20260707.00001.R"
    sizes = []

    def decisions():
        for i in range(5_000):
            if i % 1000 == 999:
                sizes.append(target.stat().st_size)
            yield decided("out", number=680725377729 + i, period_id=680725377630,
                          period_before=period(), period_after=period(end_date=date(2026, 8, 31)))

    with target.open("wb") as out:
        assert write_notifications(out, decisions(), HANDLED, created_at=CREATED) == 5_000
    assert sizes == sorted(sizes) and sizes[0] > 0 and sizes[-1] > sizes[0]
    root = parse(target.read_bytes(), "notification.xsd")
    assert [f.findtext("HandledReference/ReferenceNbr") for f in root[:2]] == [
        "680725377729", "680725377730"]


def test_the_reader_gives_what_the_notification_echoes():
    [result] = read_dimona(io.BytesIO(dimona_file(MINIMAL_IN)))
    number = 680725377729
    event = decided("cancel_bare", number=number).model_copy(
        update={"declaration": result.declaration, "declaration_type": "DIMONA_IN"})
    [form] = notifications(Notice(event, result.header, result.references))
    assert [c.text for c in form.find("HandledOriginalForm")] == [
        "DIMONA", "2026-03-02", "09:58:00.000", "0", "SU"]
    assert form.findtext("Reference/ReferenceNbr") == "WEEK-29-0001"


def test_the_employer_from_the_key_names_its_kind_of_number():
    for key, tag in (("175110801", "NOSSRegistrationNbr"), ("0403170701", "CompanyID"),
                     ("5000000120", "ProvisionalNSSONbr")):
        [form] = notifications(decided("cancel_bare", employer_key=key))
        assert [(c.tag, c.text) for c in form.find("EmployerId")] == [(tag, key)]


def test_the_labels_come_in_a_known_language():
    with pytest.raises(ValueError, match="lang"):
        notifications(decided("cancel_bare"), lang="de")
