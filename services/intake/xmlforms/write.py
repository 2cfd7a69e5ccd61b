"""Writers of the official batch files: a declaration as a `Form` (the reverse of read.py),
Dimona and FLXWAGE files, the ACRF that acknowledges a file, and the NOTIFICATION that
answers its declarations, one `Form` each, from the validator's DeclarationDecided events.

Files are written with lxml's incremental writer (`etree.xmlfile`): one form is built at a
time and written out, so a notification file of any size is never held whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from schemas.declaration import Declaration
from schemas.events import Anomaly, DeclarationDecided, PeriodState, RegistrationState
from services.intake.xmlforms import mapping
from services.intake.xmlforms.errors import FileError, NotRepresentable
from services.intake.xmlforms.read import DIMONA, FLXWAGE, FormHeader, FormKind, Reference

BRUSSELS = ZoneInfo("Europe/Brussels")
RESULT_CODES = {"A": "1", "W": "1", "B": "0", "S": "3"}
"""REST result -> HandlingResult/ResultCode: 1 OK (with or without non-blocking
anomalies), 0 refused, 3 temporary answer (waiting for the worker's identification)."""
CHANNEL_CODES = {"webservice": "13", "batch": "14", "web-unsecured": "10", "web": "3"}
"""Zone 00737: 13 web service, 14 sFTP, 10 unsecured web, 3 web (the secured pages)."""
ANOMALY_LABEL_MAX = 500
LANGUAGES = ("nl", "fr", "en")
"""The languages of the anomaly labels (schemas/anomalies.json)."""


# -- Declaration -> Form ---------------------------------------------------------------

def form_kind(declaration: Declaration) -> FormKind:
    return FLXWAGE if declaration.flexi_wage is not None else DIMONA


def form_element(declaration: Declaration, *, created_at: datetime | None = None
                 ) -> etree._Element:
    """The `Form` of a declaration: a Dimona form, or a FLXWAGE form for a flexiWage.
    NotRepresentable when the form would lose a JSON field (unmapped_fields) or when a
    value does not fit the form's schema."""
    form, lost = _build(declaration, created_at)
    if lost:
        raise NotRepresentable(lost)
    schema = form_kind(declaration).schema
    if not schema.validate(form):
        raise NotRepresentable([], "; ".join(e.message for e in schema.error_log))
    return form


def unmapped_fields(declaration: Declaration) -> list[str]:
    """The JSON fields of a declaration that its XML form cannot carry: no element for
    them (`dimonaOut.endHour`, `worker.address.municipality.code`, ...), or a character
    XML 1.0 does not allow (a control character)."""
    return _build(declaration, None)[1]


def _build(declaration: Declaration, created_at: datetime | None
           ) -> tuple[etree._Element, list[str]]:
    kind = form_kind(declaration)
    body = declaration.to_json_dict()
    writer = _FormWriter(kind, _stamps(created_at))
    form = writer.element(kind.form)
    writer.entries(form, kind.entries, body, body, "")
    return form, sorted(mapping.leaf_paths(body) - writer.consumed)


def _stamps(created_at: datetime | None) -> dict[str, str]:
    moment = (created_at or datetime.now(BRUSSELS)).astimezone(BRUSSELS)
    return {"FormCreationDate": moment.date().isoformat(), "FormCreationHour": _hour(moment)}


def _hour(moment: datetime) -> str:
    return f"{moment:%H:%M:%S}.{moment.microsecond // 1000:03d}"


class _FormWriter:
    """Walks a mapping table from JSON to XML, noting every JSON path it wrote."""

    def __init__(self, kind: FormKind, stamps: dict[str, str]) -> None:
        self.kind = kind
        self.stamps = stamps
        self.consumed: set[str] = set()

    def element(self, name: str) -> etree._Element:
        nsmap = {None: self.kind.namespace} if self.kind.namespace else None
        return etree.Element(self.kind.q(name), nsmap=nsmap)

    def sub(self, parent: etree._Element, name: str, text: str | None = None
            ) -> etree._Element:
        child = etree.SubElement(parent, self.kind.q(name))
        try:
            child.text = text
        except ValueError:  # a control character: XML 1.0 cannot carry it
            parent.remove(child)
            raise
        return child

    def entries(self, parent: etree._Element, entries: Iterable[mapping.Entry], here: dict,
                top: dict, at: str) -> None:
        for entry in entries:
            if isinstance(entry, mapping.Fixed):
                self.sub(parent, entry.xml, entry.value)
            elif isinstance(entry, mapping.Stamp):
                self.sub(parent, entry.xml, self.stamps[entry.xml])
            elif isinstance(entry, mapping.Leaf):
                self.leaf(parent, entry, here, top, at)
            elif isinstance(entry, mapping.References):
                self.references(parent, entry, here, top, at)
            elif isinstance(entry, mapping.Block):
                self.block(parent, entry, here, top, at)

    def leaf(self, parent: etree._Element, entry: mapping.Leaf, here: dict, top: dict,
             at: str) -> None:
        obj, keys, path = mapping.resolve(entry.path, here, top, at)
        value = mapping.get(obj, keys)
        if isinstance(value, dict) and entry.conv.pick:
            path, value = f"{path}.{entry.conv.pick}", value.get(entry.conv.pick)
        if value is None:
            return
        name = entry.choose(value) if entry.choose else entry.xml
        try:
            self.sub(parent, name, entry.conv.to_xml(value))
        except ValueError:
            return  # not consumed: reported as a field the form cannot carry
        self.consumed.add(path)

    def references(self, parent: etree._Element, entry: mapping.References, here: dict,
                   top: dict, at: str) -> None:
        for (reference_type, origin), path in entry.fields:
            obj, keys, full = mapping.resolve(path, here, top, at)
            value = mapping.get(obj, keys)
            if value is None:
                continue
            reference = self.sub(parent, entry.xml)
            self.sub(reference, "ReferenceType", reference_type)
            self.sub(reference, "ReferenceOrigin", origin)
            try:
                self.sub(reference, "ReferenceNbr", value)
            except ValueError:
                parent.remove(reference)
                continue
            self.consumed.add(full)

    def block(self, parent: etree._Element, entry: mapping.Block, here: dict, top: dict,
              at: str) -> None:
        if entry.path is None:  # an XML grouping only: written when it holds something
            child = self.sub(parent, entry.xml)
            self.entries(child, entry.children, here, top, at)
            if len(child) == 0:
                parent.remove(child)
            return
        obj, keys, path = mapping.resolve(entry.path, here, top, at)
        value = mapping.get(obj, keys)
        if value is None:
            return
        self.consumed.add(path)
        items = enumerate(value) if entry.repeated else [(None, value)]
        for i, item in items:
            child = self.sub(parent, entry.xml)
            self.entries(child, entry.children, item, top, path if i is None else f"{path}.{i}")


def write_dimona(out: Any, declarations: Iterable[Declaration], *,
                 created_at: datetime | None = None) -> int:
    """A Dimona file of these declarations (none of them a flexiWage), written as it goes;
    the number of forms."""
    return _write_forms(out, DIMONA, declarations, created_at)


def write_flxwage(out: Any, declarations: Iterable[Declaration], *,
                  created_at: datetime | None = None) -> int:
    """A FLXWAGE file of these flexiWage declarations, written as it goes."""
    return _write_forms(out, FLXWAGE, declarations, created_at)


def _write_forms(out: Any, kind: FormKind, declarations: Iterable[Declaration],
                 created_at: datetime | None) -> int:
    count = 0
    nsmap = {None: kind.namespace} if kind.namespace else None
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(kind.q(kind.root), nsmap=nsmap):
            for declaration in declarations:
                if form_kind(declaration) is not kind:
                    raise NotRepresentable([], f"a {declaration.declaration_type} "
                                               f"declaration has no place in a {kind.root} file")
                xf.write(form_element(declaration, created_at=created_at))
                count += 1
    return count


# -- ACRF ------------------------------------------------------------------------------

def _sub(parent: etree._Element, name: str, text: object = None) -> etree._Element:
    child = etree.SubElement(parent, name)
    if text is not None:
        child.text = str(text)
    return child


def _answer_header(form: etree._Element, identification: str, created_at: datetime | None
                   ) -> None:
    stamps = _stamps(created_at)
    _sub(form, "Identification", identification)
    _sub(form, "FormCreationDate", stamps["FormCreationDate"])
    _sub(form, "FormCreationHour", stamps["FormCreationHour"])
    _sub(form, "AttestationStatus", "0")
    _sub(form, "TypeForm", "FA")


def error_id(error: FileError | str) -> str:
    """`ACRF-<code>` of a FileError, or of a code given as `102` or `ACRF-102`."""
    if isinstance(error, FileError):
        return error.error_id
    return error if error.startswith("ACRF-") else f"ACRF-{error}"


def acrf(file_name: str, ticket: str, errors: Sequence[FileError | str] = (), *,
         created_at: datetime | None = None) -> bytes:
    """The ACRF of one received file: `FileReference` (the file's name, ReferenceOrigin 2,
    the ticket that every later answer about the file carries) and `ReceptionResult`:
    ResultCode 1, or 0 with the ErrorID of each file-level error."""
    root = etree.Element("ACRF")
    form = _sub(root, "Form")
    _answer_header(form, "ACRF001", created_at)
    reference = _sub(form, "FileReference")
    _sub(reference, "FileName", file_name)
    _sub(reference, "ReferenceOrigin", "2")
    _sub(reference, "ReferenceNbr", ticket)
    result = _sub(form, "ReceptionResult")
    _sub(result, "ResultCode", "0" if errors else "1")
    for error in errors:
        _sub(result, "ErrorID", error_id(error))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- NOTIFICATION ----------------------------------------------------------------------

@dataclass(frozen=True)
class HandledFile:
    """The file the notifications answer (FileReference, HandledOriginalFile)."""

    file_name: str
    ticket: str
    """The ACRF's FileReference/ReferenceNbr."""
    sender_id: str
    channel: str = "14"
    """FileReceptionInformation/Channel (zone 00737): 14 sFTP."""


@dataclass(frozen=True)
class Notice:
    """One decision to notify, with what the event does not carry: the original form's
    header and references as sent (FormResult.header, FormResult.references)."""

    decided: DeclarationDecided
    header: FormHeader | None = None
    references: tuple[Reference, ...] | None = None


def write_notifications(out: Any, notices: Iterable[Notice | DeclarationDecided],
                        handled: HandledFile | None = None, *,
                        created_at: datetime | None = None, lang: str = "nl") -> int:
    """A NOTIFICATION file, one `Form` per decision, written as it goes (`out`: a path or
    a binary stream); the number of forms. `lang` (nl, fr, en) chooses the anomaly labels."""
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("NOTIFICATION"):
            for notice in notices:
                xf.write(notification_form(notice, handled, created_at=created_at, lang=lang))
                count += 1
    return count


def notification_form(notice: Notice | DeclarationDecided, handled: HandledFile | None = None,
                      *, created_at: datetime | None = None, lang: str = "nl"
                      ) -> etree._Element:
    """The NOTIFICATION `Form` of one decision (blocks in the official order)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang is one of {', '.join(LANGUAGES)}, not {lang!r}")
    if isinstance(notice, DeclarationDecided):
        notice = Notice(notice)
    decided = notice.decided
    form = etree.Element("Form")
    _answer_header(form, "NOTI001", created_at)
    if handled is not None:
        _file_reference(form, handled)
    _reception(form, decided, handled)
    if handled is not None:
        _sub(_sub(form, "HandledOriginalFile"), "SenderId", handled.sender_id)
    _handled_original_form(form, decided.declaration, notice.header)
    for reference in _echoed_references(notice):
        _reference(form, "Reference", reference.type, reference.origin, reference.number)
    _employer_id(form, decided)
    if (ssin := _ssin(decided)) is not None:
        _sub(_sub(form, "NaturalPerson"), "INSS", ssin)
    _reference(form, "HandledReference", "1", "2", str(decided.declaration_id))
    _handling_result(form, decided, lang)
    return form


def _file_reference(form: etree._Element, handled: HandledFile) -> None:
    reference = _sub(form, "FileReference")
    _sub(reference, "FileName", handled.file_name)
    _sub(reference, "ReferenceOrigin", "2")
    _sub(reference, "ReferenceNbr", handled.ticket)


def _reception(form: etree._Element, decided: DeclarationDecided,
               handled: HandledFile | None) -> None:
    received = decided.received_at.astimezone(BRUSSELS)
    reception = _sub(form, "FileReceptionInformation")
    _sub(reception, "ReceptionDate", received.date().isoformat())
    _sub(reception, "ReceptionHour", _hour(received))
    _sub(reception, "Channel", handled.channel if handled else CHANNEL_CODES[decided.channel])


def _handled_original_form(form: etree._Element, declaration: Declaration,
                           header: FormHeader | None) -> None:
    original = _sub(form, "HandledOriginalForm")
    if header is None:
        flexi = declaration.flexi_wage
        status = mapping.SITUATION_ACTION.to_xml(flexi.action) if flexi else "0"
        _sub(original, "Identification", "FLXWAGE" if flexi else "DIMONA")
        _sub(original, "AttestationStatus", status)
        _sub(original, "TypeForm", "SU")
        return
    _sub(original, "Identification", header.identification)
    _sub(original, "FormCreationDate", header.creation_date)
    _sub(original, "FormCreationHour", header.creation_hour)
    _sub(original, "AttestationStatus", header.attestation_status)
    _sub(original, "TypeForm", header.type_form)


def _echoed_references(notice: Notice) -> tuple[Reference, ...]:
    if notice.references is not None:
        return notice.references
    declaration = notice.decided.declaration
    if declaration.flexi_wage is not None:
        payslip = declaration.flexi_wage.payslip_reference
        return (Reference("1", "1", payslip),) if payslip is not None else ()
    refs = declaration.references
    if refs is None:
        return ()
    pairs = (("1", refs.declaration), ("7", refs.employer), ("8", refs.worker))
    return tuple(Reference(t, "1", n) for t, n in pairs if n is not None)


def _reference(form: etree._Element, name: str, reference_type: str, origin: str,
               number: str) -> None:
    reference = _sub(form, name)
    _sub(reference, "ReferenceType", reference_type)
    _sub(reference, "ReferenceOrigin", origin)
    _sub(reference, "ReferenceNbr", number)


def _employer_id(form: etree._Element, decided: DeclarationDecided) -> None:
    """The employer (a situation's debtor) as declared; else from the Kafka key, which is
    the NSSO number (a provisional one has ten digits starting with 5), or the enterprise
    number in ten digits (starting with 0 or 1)."""
    employer_id = _sub(form, "EmployerId")
    employer = decided.declaration.own_employer
    key = decided.employer_key
    if employer is not None:
        if employer.employer_id is not None:
            _sub(employer_id, mapping.nsso_element(employer.employer_id), employer.employer_id)
        if employer.enterprise_number is not None:
            _sub(employer_id, "CompanyID", employer.enterprise_number)
    elif len(key) == 10 and not key.startswith("5"):
        _sub(employer_id, "CompanyID", key)
    else:
        _sub(employer_id, mapping.nsso_element(int(key)) if key.isdigit()
             else "NOSSRegistrationNbr", key)


def _ssin(decided: DeclarationDecided) -> str | None:
    declaration = decided.declaration
    flexi = declaration.flexi_wage
    candidates = (decided.identified_ssin,
                  declaration.worker.ssin if declaration.worker else None,
                  flexi.beneficiary.ssin if flexi else None,
                  *(s.ssin for s in (decided.period_after, decided.period_before,
                                     decided.registration_after, decided.registration_before)
                    if s is not None))
    return next((c for c in candidates if c), None)


def _handling_result(form: etree._Element, decided: DeclarationDecided, lang: str) -> None:
    result = _sub(form, "HandlingResult")
    _sub(result, "ResultCode", RESULT_CODES[decided.result])
    for anomaly in decided.anomalies:
        _anomaly_report(result, anomaly, lang)
    if decided.result in ("A", "W"):
        _impact_report(result, decided)


def _anomaly_report(result: etree._Element, anomaly: Anomaly, lang: str) -> None:
    report = _sub(result, "AnomalyReport")
    _sub(report, "ErrorID", anomaly.code)
    _sub(report, "AnomalyClass", anomaly.severity)
    label = getattr(anomaly, f"label_{lang}")
    _sub(report, "AnomalyLabel", label[:ANOMALY_LABEL_MAX])
    quota = anomaly.quota
    if quota is not None:
        features = _sub(_sub(report, "AnomalyComplInformation"), "QuotaFeatures")
        _sub(features, "QuotaType", quota.quota_type)
        if quota.exceeding_days is not None:
            _sub(features, "ExceedingDaysNbr", quota.exceeding_days)
        elif quota.exceeding_hours is not None:
            _sub(features, "ExceedingHoursNbr", quota.exceeding_hours)


def _impact_report(result: etree._Element, decided: DeclarationDecided) -> None:
    """What the declaration changed: the Dimona period, or the daily registration, before
    and after (an `After` only while not cancelled). A Flexi at work situation has no
    impact block in the sources: none is written."""
    if decided.registration_id is not None:
        _registration_impact(_sub(result, "ImpactReport"), decided)
    elif decided.period_after is not None or decided.period_before is not None:
        _period_impact(_sub(result, "ImpactReport"), decided)


def _period_impact(impact: etree._Element, decided: DeclarationDecided) -> None:
    before, after = decided.period_before, decided.period_after
    period = after or before
    report = _sub(impact, "DimonaImpactReport")
    _sub(report, "DimonaPeriodId", period.period_id)
    features = _sub(report, "DimonaFeatures")
    _sub(features, "JointCommissionNbr", period.joint_commission_number)
    _sub(features, "WorkerType", period.worker_type)
    if period.sub_entity_number is not None:
        _sub(features, "SubEntityNbr", period.sub_entity_number)
    if period.using_joint_commission_number or period.using_enterprise_number:
        using = _sub(features, "UsingEmployer")
        if period.using_joint_commission_number:
            _sub(using, "JointCommissionNbr", period.using_joint_commission_number)
        if period.using_enterprise_number:
            _sub(using, "UsingEmployerCompanyID", period.using_enterprise_number)
    _control_cards(report, period)
    _small_statutes(report, period)
    if before is not None:
        _period_side(_sub(report, "DimonaPeriodBefore"), before)
    if after is not None and not after.cancelled:
        _period_side(_sub(report, "DimonaPeriodAfter"), after)


def _control_cards(report: etree._Element, period: PeriodState) -> None:
    """90375 ConstructionControlCards: the C3.2A cards of the IN (zones 00663, 00664)."""
    cards = period.control_cards
    if cards is not None:
        _optional_block(report, "ConstructionControlCards", (
            ("FirstMonthC32ANbr", cards.first_month_c32a_number),
            ("NextMonthC32ANbr", cards.next_month_c32a_number)))


def _small_statutes(report: etree._Element, period: PeriodState) -> None:
    """90594 SmallStatutesInformation of the IN: 01231, 00041 (3 digits), 00053."""
    statutes = period.small_statutes
    if statutes is not None:
        risk = statutes.activity_with_risk
        _optional_block(report, "SmallStatutesInformation", (
            ("EmploymentNature", statutes.employment_nature),
            ("ActivityWithRisk",
             None if risk is None else mapping.ACTIVITY_WITH_RISK.to_xml(risk)),
            ("WorkerStatus", statutes.worker_status)))


def _optional_block(parent: etree._Element, name: str,
                    children: tuple[tuple[str, object], ...]) -> None:
    """A block of the children that have a value, in the order given; none when none has."""
    present = [(child, value) for child, value in children if value is not None]
    if present:
        block = _sub(parent, name)
        for child, value in present:
            _sub(block, child, value)


def _period_side(side: etree._Element, period: PeriodState) -> None:
    _dates_and_hours(side, period.start_date, period.start_hour, period.end_date,
                     period.end_hour)
    if period.planned_hours_number is not None:
        _sub(side, "PlannedHoursNbr", period.planned_hours_number)


def _registration_impact(impact: etree._Element, decided: DeclarationDecided) -> None:
    registration = decided.declaration.daily_registration
    before, after = decided.registration_before, decided.registration_after
    report = _sub(impact, "DailyRegistrationDclImpactReport")
    _sub(report, "DailyRegistrationId", decided.registration_id)
    if registration is not None:
        _sub(report, "AttestationStatus",
             mapping.REGISTRATION_ACTION.to_xml(registration.action))
    if decided.period_id is not None:
        _sub(report, "DimonaPeriodId", decided.period_id)
    if before is not None:
        _registration_side(_sub(report, "DailyRegistrationBefore"), before)
    if after is not None and not after.cancelled:
        _registration_side(_sub(report, "DailyRegistrationAfter"), after)


def _registration_side(side: etree._Element, registration: RegistrationState) -> None:
    _dates_and_hours(side, registration.start_date, registration.start_hour,
                     registration.end_date, registration.end_hour)


def _dates_and_hours(side: etree._Element, *values: object) -> None:
    for name, value in zip(("StartingDate", "StartingHour", "EndingDate", "EndingHour"),
                           values, strict=True):
        if value is not None:
            _sub(side, name, value.isoformat() if hasattr(value, "isoformat") else value)
