"""Flexi at work confirmations (issue 23): every create, modify and cancel decision gets an
e-Box message (a return-file entry for a batch line), with the situation before and after,
in the four languages; NotificationSent carries the situation."""

from datetime import UTC, datetime

import pytest

from services.notifier import render
from services.notifier.domain import confirmation, notices
from tests.unit.factories import KROON, PARC, SECRETARIAT
from tests.unit.situations import RELATION, WORKER, calculation, cancel, create, modify

SENT_AT = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
KEY = f"175110801:{WORKER}:{RELATION}"


def employer_of(key):
    return {"175110801": KROON, "197100119": PARC}.get(key)


def test_each_create_modify_and_cancel_is_confirmed_in_the_ebox():
    made = create()
    changed = modify(680725500117, made.situation_after, calculation(5500, None))
    gone = cancel(680725500216, changed.situation_after)
    found = notices([made, changed, gone], employer_of, lambda declarant: False,
                    {("175110801", WORKER): ("Maes", "Zoë")}, SENT_AT)
    assert [m.declaration_id for m in found.messages] == [
        made.declaration_id, changed.declaration_id, gone.declaration_id]
    assert [n.channel for n in found.notifications] == ["ebox"] * 3
    first, second, third = (m.content for m in found.messages)
    assert first["declarations"] | {"anomalies": []} == first["declarations"]
    assert (first["declarations"]["type"], first["declarations"]["action"],
            first["declarations"]["situationKey"], first["declarations"]["periodId"],
            first["declarations"]["start"], first["declarations"]["payslipReference"]) == (
        "FLEXI_WAGE", "create", KEY, None, {"date": "2026-07-01", "hour": None},
        "ABC123456789")
    assert first["employees"] == [{"ssin": WORKER, "familyName": "Maes", "givenName": "Zoë"}]
    assert (first["situationBefore"], first["situationAfter"]["wagesCents"]) == (None, 9400)
    assert (second["situationBefore"]["wagesCents"], second["situationAfter"]["wagesCents"]
            ) == (9400, 5500)
    assert third["situationAfter"]["cancelled"] is True
    assert third["declarations"]["start"] == {"date": "2026-07-01", "hour": None}
    assert first["situationAfter"]["calculation"] == calculation()
    assert "periodBefore" not in first and "registrationBefore" not in first
    sent = found.notifications[1]
    assert (sent.schema_version, sent.situation_before, sent.situation_after, sent.period_id
            ) == (5, changed.situation_before, changed.situation_after, None)


def test_a_batch_line_gets_a_return_entry_and_a_batch_sender_no_message():
    made = create(batch_ref="b-1", line=3, declarant=SECRETARIAT)
    found = notices([made], employer_of, lambda declarant: declarant == SECRETARIAT, {},
                    SENT_AT)
    assert found.messages == []
    [entry] = found.entries
    assert (entry.line, entry.result) == (3, made.to_result_json())
    assert [n.channel for n in found.notifications] == ["batch"]


SUBJECTS = {"nl": "Flexi at work-bevestiging loongegevens 680725500117: Aanvaard",
            "fr": "Confirmation Flexi at work données salariales 680725500117 : Acceptée",
            "de": "Flexi at work-Bestätigung Lohndaten 680725500117: Angenommen",
            "en": "Flexi at work confirmation, wage data 680725500117: Accepted"}
SHOWN = {  # the type, the action, the wage before and after, a capacity, the premiums
    "nl": ("Flexi at work: loongegevens", "wijziging (annuleren en vervangen)", "€ 94,00",
           "€ 1.234,56", "017/050", "Premies (bruto):", "Berekeningsperiode:",
           "01/07/2026 - 31/07/2026", "Voor wijziging", "Na wijziging"),
    "fr": ("Flexi at work : données salariales", "modification (annuler et remplacer)",
           "94,00 €", "1 234,56 €", "017/050", "Primes (brutes):", "Période de calcul:",
           "01/07/2026 - 31/07/2026", "Avant modification", "Après modification"),
    "de": ("Flexi at work: Lohndaten", "Änderung (stornieren und ersetzen)", "94,00 €",
           "1.234,56 €", "017/050", "Prämien (brutto):", "Berechnungszeitraum:",
           "01/07/2026 - 31/07/2026", "Vor der Änderung", "Nach der Änderung"),
    "en": ("Flexi at work: wage data", "modification (cancel and replace)", "€94.00",
           "€1,234.56", "017/050", "Premiums (gross):", "Calculation period:",
           "01/07/2026 - 31/07/2026", "Before the change", "After the change")}


@pytest.mark.parametrize("language", render.LANGUAGES)
def test_the_message_shows_the_situation_before_and_after_in_each_language(language):
    made = create()
    changed = modify(680725500117, made.situation_after, calculation(123_456, None))
    content = confirmation(changed, KROON, {}).content
    assert render.subject(content, language) == SUBJECTS[language]
    text = render.text(content, language)
    for shown in SHOWN[language]:
        assert shown in text, (language, shown)
    html = render.html(content, language)
    assert "Flexi at work" in html and "<h2>" in html and "Dimona" not in html


def test_a_capacity_valid_on_part_of_the_period_shows_its_validity():
    calc = calculation()
    calc["features"].append({"employerCategory": "017", "workerCode": "450",
                             "validFrom": "2026-07-16", "validTo": "2026-07-31",
                             "financialElements": [{"code": "0001001000",
                                                    "amountCents": 100}]})
    content = confirmation(create(calc), KROON, {}).content
    assert "017/450 (16/07/2026 - 31/07/2026)" in render.text(content, "en")


def test_a_refused_create_shows_what_it_declared_and_no_situation():
    refused = create(result="B", codes=("00024-152",))
    text = render.text(confirmation(refused, PARC, {}).content, "fr")
    assert "Refusée" in text and "00024-152" in text
    assert "01/07/2026 - 31/07/2026" in text  # the calculation period it declared
    after = text.split("Après modification")[1]
    assert "Salaire flexi (brut):" in after and "94,00" not in after
