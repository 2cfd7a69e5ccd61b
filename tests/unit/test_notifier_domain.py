"""What the notifier sends (seed 002, "Confirmation of receipt"; docs/sources.md §3.2), to whom,
and through which channel."""

from datetime import UTC, date, datetime

import pytest

from schemas.declaration import ConstructionControlCards, Declaration, SmallStatutesInformation
from schemas.events import DeclarationDecided, PeriodState, stable_id
from services.directory.domain import DirectoryEmployer
from services.notifier import render
from services.notifier.domain import confirmation, notices
from services.validator.domain import decide, identified
from tests.unit.factories import IN, KROON, PARC, SECRETARIAT, FakeContext, submitted
from tests.unit.registrations import CREATE, WORKER, create, state, update
from tests.unit.rulebook import dimona_in, utc
from tests.unit.test_rules_parties import PERSON

SENT = datetime(2026, 7, 7, 18, 1, tzinfo=UTC)
PERIOD = 680725377630
OPEN = PeriodState(period_id=PERIOD, employer_key="175110801", ssin="85073003328",
                   joint_commission_number="XXX", worker_type="OTH",
                   start_date=date(2026, 7, 1), start_hour=None)
NAMES = {("175110801", "85073003328"): ("Peeters", "An")}


def notices_of(decided, batch_senders=(), names=None):
    employers = {"175110801": KROON, "197100119": PARC}
    return notices([decided], employers.get, lambda d: d in batch_senders, names or {}, SENT)


def an_out(end="2026-07-09", periods=None):
    return decide(submitted({"dimonaOut": {"periodId": PERIOD, "endDate": end}},
                            number=680725377729),
                  FakeContext(periods={PERIOD: OPEN} if periods is None else periods))


def test_confirmation_has_the_three_parts_in_the_employer_language():
    body = {**IN, "references": {"declaration": "shift-991"},
            "worker": {"ssin": "85073003328", "familyName": "Janssens", "givenName": "Els"}}
    m = confirmation(decide(submitted(body), FakeContext()), KROON, {})
    assert m.recipient == "0403170701" and m.language == "nl"
    assert m.subject == "Dimona-bevestiging Dimona IN 680725377630: Aanvaard"
    part = m.content["declarations"]
    assert part["references"] == {"declaration": "shift-991"}
    assert part["start"] == {"date": "2026-07-08", "hour": "0800"}
    assert part["end"] == {"date": "2026-07-08", "hour": "1400"}
    assert part["sentAt"] == "2026-07-07T20:00:00+02:00"  # reception, in Brussels
    assert m.content["employer"] == {"name": "Brasserie De Kroon",
                                     "enterpriseNumber": "0403170701", "employerId": 175110801}
    assert m.content["employees"] == [{"ssin": "85073003328", "familyName": "Janssens",
                                       "givenName": "Els"}]
    assert m.content["periodBefore"] is None
    assert m.content["periodAfter"]["period_id"] == PERIOD


def test_an_out_shows_the_period_before_and_after_and_the_worker_known_by_name():
    m = confirmation(an_out(), KROON, NAMES)
    assert m.content["periodBefore"]["end_date"] is None
    assert m.content["periodAfter"]["end_date"] == "2026-07-09"
    # The OUT gives only its end; its start is the period's.
    assert m.content["declarations"]["start"] == {"date": "2026-07-01", "hour": None}
    assert m.content["declarations"]["end"] == {"date": "2026-07-09", "hour": None}
    assert m.content["employees"] == [{"ssin": "85073003328", "familyName": "Peeters",
                                       "givenName": "An"}]


def test_a_refused_out_is_notified_about_its_period_without_a_period_number():
    refused = an_out(periods={})  # no such period: 00913-354
    assert refused.result == "B"
    found = notices_of(refused)
    [message], [sent] = found.messages, found.notifications
    assert message.content["declarations"]["periodId"] is None  # docs/sources.md §3.1
    assert sent.period_id == PERIOD  # the register lists it under the period it is about
    assert sent.anomaly_codes == tuple(a.code for a in refused.anomalies) != ()
    assert message.content["declarations"]["anomalies"][0]["code"] == "00913-354"


def test_batch_senders_get_a_return_file_entry_and_no_ebox_message():
    line = decide(submitted(IN, declarant=SECRETARIAT), FakeContext()).model_copy(
        update={"batch_ref": "b-1", "line": 7})
    found = notices_of(line, batch_senders={SECRETARIAT})
    assert found.messages == []
    [entry] = found.entries
    assert (entry.batch_ref, entry.line, entry.result["result"]) == ("b-1", 7, "A")
    [sent] = found.notifications
    assert (sent.channel, sent.recipient, str(sent.event_id)) == (
        "batch", SECRETARIAT, entry.notification_id)


def test_a_file_from_a_declarant_that_is_no_batch_sender_gets_both():
    line = decide(submitted(IN), FakeContext()).model_copy(update={"batch_ref": "b-2",
                                                                   "line": 1})
    found = notices_of(line)
    assert [n.channel for n in found.notifications] == ["ebox", "batch"]
    assert len(found.messages) == len(found.entries) == 1


def test_a_batch_sender_declaring_outside_a_file_gets_no_message():
    """Its answer is the web service's (GET /declarations/{id}); see docs/adr/0006."""
    rest = decide(submitted(IN, declarant=SECRETARIAT), FakeContext())
    found = notices_of(rest, batch_senders={SECRETARIAT})
    assert found.notifications == found.messages == found.entries == []


def test_non_secured_channel_confirms_to_the_employer_and_ids_are_stable():
    decided = decide(submitted(IN, declarant=None), FakeContext())
    french = DirectoryEmployer(employer_id=175110801, enterprise_number="0403170701",
                               name="Kroon", language="fr")
    m = confirmation(decided, french, {})
    assert m.recipient == "0403170701" and m.subject.startswith("Confirmation Dimona")
    assert confirmation(decided, french, {}).message_id == m.message_id
    assert str(notices_of(decided).notifications[0].event_id) == m.message_id


def test_an_unknown_employer_or_language_gets_dutch():
    decided = decide(submitted(IN), FakeContext())
    assert confirmation(decided, None, {}).language == "nl"
    odd = KROON.model_copy(update={"language": "es"})
    assert confirmation(decided, odd, {}).language == "nl"


def test_a_declaration_waiting_for_identification_gets_two_messages():
    sub = submitted({**dimona_in(ssin=None), "worker": PERSON}, received=utc("2026-07-01 10:00"))
    waiting = decide(sub, FakeContext())
    final = decide(identified(sub, "90050100151"), FakeContext(), identified_ssin="90050100151")
    first, second = confirmation(waiting, KROON, {}), confirmation(final, KROON, {})
    assert waiting.result == "S" and first.subject.endswith("In afwachting")
    assert second.message_id != first.message_id
    assert second.content["declarations"]["identification"] == {
        "previousResult": "S", "identifiedSsin": "90050100151"}
    assert second.content["employees"][0]["ssin"] == "90050100151"


def test_names_given_by_an_in_are_remembered_for_later_declarations():
    body = {**IN, "worker": {"ssin": "85073003328", "familyName": "Janssens",
                             "givenName": "Els"}}
    found = notices_of(decide(submitted(body), FakeContext()))
    assert found.names == {("175110801", "85073003328"): ("Janssens", "Els")}
    refused = decide(submitted({**body, "employer": {"employerId": 100006}}), FakeContext())
    assert refused.result == "B" and notices_of(refused).names == {}


# Daily registrations (issue 22) ----------------------------------------------------------

def test_a_registration_update_is_confirmed_with_the_registration_before_and_after():
    closed = update(680725400117, state("2026-07-08", "1800"), end="2026-07-09",
                    end_hour="0200")
    found = notices_of(closed, names={("175110801", WORKER): ("Peeters", "An")})
    [m], [sent] = found.messages, found.notifications
    assert m.subject == "Dimona-bevestiging dagelijkse registratie 680725400117: Aanvaard"
    part = m.content["declarations"]
    assert (part["type"], part["action"], part["registrationId"], part["periodId"]) == (
        "DAILY_REGISTRATION", "update", CREATE, PERIOD)
    # the update gives only its end; the start is the registration's
    assert (part["start"], part["end"]) == ({"date": "2026-07-08", "hour": "1800"},
                                            {"date": "2026-07-09", "hour": "0200"})
    assert "periodBefore" not in m.content
    assert (m.content["registrationBefore"]["endHour"],
            m.content["registrationAfter"]["endHour"]) == (None, "0200")
    assert m.content["employees"] == [{"ssin": WORKER, "familyName": "Peeters",
                                       "givenName": "An"}]
    assert (sent.schema_version, sent.registration_id, sent.period_id) == (5, CREATE, PERIOD)
    assert (sent.registration_before, sent.registration_after) == (
        closed.registration_before, closed.registration_after)


def test_a_registration_in_a_batch_file_gets_a_return_entry_with_its_number():
    line = create(state("2026-07-08", "1800"), batch_ref="b-3", line=2, declarant=SECRETARIAT)
    found = notices_of(line, batch_senders={SECRETARIAT})
    [entry], [sent] = found.entries, found.notifications
    assert found.messages == []
    assert entry.result == {"declarationId": CREATE, "declarationType": "DAILY_REGISTRATION",
                            "result": "A", "dailyRegistration": {"id": CREATE,
                                                                 "periodId": PERIOD},
                            "anomalies": []}
    assert (sent.channel, sent.registration_id, sent.registration_before) == (
        "batch", CREATE, None)


def test_a_dimona_notification_carries_no_registration():
    [sent] = notices_of(an_out()).notifications
    assert (sent.registration_id, sent.registration_before, sent.registration_after) == (
        None, None, None)


def test_a_test_files_decision_is_answered_in_its_file_only():
    """docs/adr/0011-official-batch-files.md, decision 7: no e-Box message, no name
    remembered; the return entry and its NotificationSent carry the environment."""
    body = {**IN, "worker": {"ssin": "85073003328", "familyName": "Janssens",
                             "givenName": "Els"}}
    sub = submitted(body, declarant="0412345678").model_copy(update={
        "environment": "T", "batch_ref": "ABCDEFGHIJKLM", "line": 1})
    found = notices_of(decide(sub, FakeContext()))
    assert (found.messages, found.names) == ([], {})
    [entry] = found.entries
    [sent] = found.notifications
    assert (entry.batch_ref, sent.channel, sent.environment) == ("ABCDEFGHIJKLM", "batch", "T")


def test_the_register_records_no_test_decision():
    from services.projections.projection import Rows, notification_rows
    production = decide(submitted(IN), FakeContext())
    test = decide(submitted(IN, number=680725377729).model_copy(
        update={"environment": "S"}), FakeContext())
    rows = Rows.of([production, test])
    assert rows.event_ids == [production.event_id, test.event_id]  # both count as applied
    assert [r[0] for r in rows.declarations] == [production.declaration_id]
    assert [r[0] for r in rows.periods] == [production.period_after.period_id]
    from services.notifier.domain import sent
    both = [sent(d, "batch", "0477472701", SENT) for d in (production, test)]
    assert [r[1] for r in notification_rows(both)] == [production.declaration_id]


# What only some INs give their period: a sub-entity, C3.2A control cards, small statutes ---

CARDS = ConstructionControlCards(first_month_c32a_number="124000000017",
                                 next_month_c32a_number="124000000025")
STATUTES = SmallStatutesInformation(employment_nature="WORKER", activity_with_risk=11,
                                    worker_status="F1")
PARTICULAR = OPEN.model_copy(update={
    "joint_commission_number": "124", "worker_type": "STG", "end_date": date(2026, 7, 31),
    "sub_entity_number": "0123456789", "control_cards": CARDS, "small_statutes": STATUTES})


def by_hand(number: int, body: dict, before: PeriodState | None, after: PeriodState | None
            ) -> DeclarationDecided:
    """An accepted decision as the validator records it, built by hand (its rules for
    these blocks are the validator's)."""
    s = submitted(body, number=number)
    return DeclarationDecided(
        **s.model_dump(exclude={"event_type", "event_id", "origin", "schema_version"}),
        event_id=stable_id("decided", number, "A"),
        declaration_type=Declaration.model_validate(body).declaration_type, result="A",
        period_id=PERIOD, period_before=before, period_after=after)


def an_in_with_its_particulars() -> DeclarationDecided:
    body = {**IN, "dimonaIn": {
        "startDate": "2026-07-01", "endDate": "2026-07-31",
        "features": {"jointCommissionNumber": "124", "workerType": "STG",
                     "subEntityNumber": "0123456789"},
        "constructionControlCards": CARDS.to_json_dict(),
        "smallStatutesInformation": STATUTES.to_json_dict()}}
    return by_hand(PERIOD, body, None, PARTICULAR)


def lines(message: str) -> list[str]:
    """Text lines with label padding collapsed: "Start:   x" -> "Start: x"."""
    return [" ".join(line.split()) for line in message.splitlines()]


def test_an_in_s_period_carries_its_sub_entity_cards_and_small_statutes():
    found = notices_of(an_in_with_its_particulars())
    [m], [sent] = found.messages, found.notifications
    after = m.content["periodAfter"]
    assert (after["sub_entity_number"], after["control_cards"], after["small_statutes"]) == (
        "0123456789",
        {"firstMonthC32ANumber": "124000000017", "nextMonthC32ANumber": "124000000025"},
        {"employmentNature": "WORKER", "activityWithRisk": 11, "workerStatus": "F1"})
    assert (sent.period_after.control_cards, sent.period_after.small_statutes,
            sent.period_after.sub_entity_number) == (CARDS, STATUTES, "0123456789")
    # a period without them has none of the three in its content
    plain = confirmation(decide(submitted(IN), FakeContext()), KROON, {})
    assert not {"sub_entity_number", "control_cards", "small_statutes"} & set(
        plain.content["periodAfter"])
    assert "C3.2A" not in render.text(plain.content, "en")


@pytest.mark.parametrize(("language", "expected"), [
    ("nl", ["Periodenummer: 680725377630", "Subentiteit: 0123456789",
            "Controlekaart C3.2A (maand van het begin): 124000000017",
            "Controlekaart C3.2A (volgende maand): 124000000025",
            "Aard van het werk: arbeider (WORKER)",
            "Activiteit met risico (risicoklasse): 011", "Statuut van de werknemer: F1",
            "Referentie werkgever: -"]),
    ("fr", ["Numéro de période: 680725377630", "Sous-entité: 0123456789",
            "Carte de contrôle C3.2A (mois du début): 124000000017",
            "Carte de contrôle C3.2A (mois suivant): 124000000025",
            "Nature du travail: ouvrier (WORKER)",
            "Activité à risque (classe de risque): 011", "Statut du travailleur: F1",
            "Référence employeur: -"]),
    ("de", ["Periodennummer: 680725377630", "Untereinheit: 0123456789",
            "Kontrollkarte C3.2A (Monat des Beginns): 124000000017",
            "Kontrollkarte C3.2A (Folgemonat): 124000000025",
            "Art der Arbeit: Arbeiter (WORKER)",
            "Risikotätigkeit (Risikoklasse): 011", "Status des Arbeitnehmers: F1",
            "Referenz Arbeitgeber: -"]),
    ("en", ["Period number: 680725377630", "Sub-entity: 0123456789",
            "C3.2A control card (month of the start): 124000000017",
            "C3.2A control card (next month): 124000000025",
            "Kind of work: blue-collar (WORKER)",
            "Activity with risk (risk class): 011", "Worker status: F1",
            "Employer reference: -"]),
])
def test_the_confirmation_of_such_an_in_shows_them_after_its_period_number(language,
                                                                           expected):
    m = confirmation(an_in_with_its_particulars(), KROON, {})
    shown = lines(render.text(m.content, language))
    first = shown.index(expected[0])
    assert shown[first:first + len(expected)] == expected  # in this order, nothing between
    page = render.html(m.content, language)
    assert "<td>124000000017</td>" in page and "<td>124000000025</td>" in page
    assert page.count("<table>") == 3  # an IN: no period before and after


def test_an_update_of_such_a_period_shows_them_before_and_after():
    changed = PARTICULAR.model_copy(update={"end_date": date(2026, 8, 14), "version": 2})
    update = by_hand(680725377729, {"dimonaUpdate": {"periodId": PERIOD,
                                                     "endDate": "2026-08-14"}},
                     PARTICULAR, changed)
    m = confirmation(update, KROON, {})
    assert m.content["periodBefore"]["control_cards"] == m.content["periodAfter"][
        "control_cards"] == {"firstMonthC32ANumber": "124000000017",
                             "nextMonthC32ANumber": "124000000025"}
    shown = lines(render.text(m.content, "en"))
    after = shown.index("After the change")
    assert shown[after + 2:] == [
        "Start: 01/07/2026", "End: 14/08/2026", "Joint committee: 124", "Worker type: STG",
        "Planned hours: -", "Sub-entity: 0123456789",
        "C3.2A control card (month of the start): 124000000017",
        "C3.2A control card (next month): 124000000025",
        "Kind of work: blue-collar (WORKER)", "Activity with risk (risk class): 011",
        "Worker status: F1", "Cancelled: no"]
    assert shown.count("C3.2A control card (next month): 124000000025") == 2
