"""The e-Box confirmation rendered from language-neutral content, in nl, fr, de and en."""

import pytest

from services.notifier import render

OPENINGS = {
    "nl": "Wij bevestigen de ontvangst van uw aangifte, waarvan u hieronder de details vindt.",
    "fr": "Nous vous confirmons la réception de votre déclaration dont le détail est repris "
    "ci-dessous.",
    "de": "Wir bestätigen Ihnen den Eingang Ihrer Meldung, deren Einzelheiten nachstehend "
    "aufgeführt sind.",
    "en": "We confirm receipt of your declaration, detailed below.",
}
HEADINGS = {
    "nl": ("Aangiften", "Werkgever", "Werknemers"),
    "fr": ("Déclarations", "Employeur", "Travailleurs"),
    "de": ("Meldungen", "Arbeitgeber", "Arbeitnehmer"),
    "en": ("Declarations", "Employer", "Employees"),
}
PERIOD_HEADINGS = {
    "nl": ("Voor wijziging", "Na wijziging"),
    "fr": ("Avant modification", "Après modification"),
    "de": ("Vor der Änderung", "Nach der Änderung"),
    "en": ("Before the change", "After the change"),
}
REFUSAL = {
    "code": "00911-010",
    "severity": "B",
    "labelNl": "Werknemer onbekend",
    "labelFr": "Travailleur inconnu",
    "labelEn": "Unknown worker",
}


def period(**changes) -> dict:
    """A period as the content carries it: a snake_case model dump."""
    return {
        "period_id": 680725377630,
        "employer_key": "175110801",
        "ssin": "85073003328",
        "joint_commission_number": "302",
        "worker_type": "FLX",
        "start_date": "2026-06-01",
        "start_hour": "0800",
        "end_date": "2026-06-01",
        "end_hour": "1700",
        "planned_hours_number": None,
        "using_joint_commission_number": None,
        "using_enterprise_number": None,
        "cancelled": False,
        "late": False,
        "version": 1,
        **changes,
    }


def content(
    type_="DIMONA_IN", result="A", *, before=None, after=None, employee=None, **declaration
) -> dict:
    """Message content for one declaration; keyword arguments override declaration keys."""
    return {
        "declarations": {
            "type": type_,
            "declarationId": 680725377630,
            "result": result,
            "anomalies": [],
            "sentAt": "2026-06-01T10:05:00+02:00",
            "start": {"date": "2026-06-01", "hour": "0800"},
            "end": {"date": "2026-06-02", "hour": "1700"},
            "periodId": 680725377631,
            "references": {"employer": "REF-E", "worker": "REF-W"},
            **declaration,
        },
        "employer": {
            "name": "Brasserie De Kroon",
            "enterpriseNumber": "0403170701",
            "employerId": 175110801,
        },
        "employees": [
            employee or {"ssin": "85073003328", "familyName": "Peeters", "givenName": "An"}
        ],
        "periodBefore": before,
        "periodAfter": after,
    }


def lines(message: str) -> list[str]:
    """Text lines with label padding collapsed: "Start:   x" -> "Start: x"."""
    return [" ".join(line.split()) for line in message.splitlines()]


@pytest.mark.parametrize("language", render.LANGUAGES)
def test_each_language_opens_with_the_confirmation_and_has_the_three_parts(language):
    for message in (render.text(content(), language), render.html(content(), language)):
        assert OPENINGS[language] in message
        for heading in HEADINGS[language]:
            assert heading in message


def test_text_shows_every_part_of_the_declaration():
    message = lines(render.text(content("DIMONA_IN", "A"), "en"))
    assert message[0] == OPENINGS["en"]
    for line in [
        "Type: Dimona IN",
        "Declaration number: 680725377630",
        "Status: Accepted",
        "Period number: 680725377631",
        "Employer reference: REF-E",
        "Worker reference: REF-W",
        "Declaration reference: -",
        "Name: Brasserie De Kroon",
        "Enterprise number: 0403170701",
        "NSSO number: 175110801",
        "SSIN: 85073003328",
        "Family name: Peeters",
        "Given name: An",
    ]:
        assert line in message


def test_dates_are_dd_mm_yyyy_and_hours_hh_mm():
    message = lines(render.text(content(), "fr"))
    assert "Date/heure d'envoi: 01/06/2026 10:05" in message
    assert "Début: 01/06/2026 08:00" in message
    assert "Fin: 02/06/2026 17:00" in message


def test_missing_hours_dates_and_values_show_a_dash():
    message = lines(
        render.text(
            content(
                end=None,
                start={"date": "2026-06-01", "hour": None},
                periodId=None,
                references={},
                employee={"ssin": None, "familyName": None, "givenName": None},
            ),
            "en",
        )
    )
    for line in [
        "Start: 01/06/2026",
        "End: -",
        "Period number: -",
        "Employer reference: -",
        "SSIN: -",
        "Family name: -",
        "Given name: -",
    ]:
        assert line in message


def test_an_out_shows_the_period_before_and_after_with_their_dates():
    out = content(
        "DIMONA_OUT",
        end={"date": "2026-06-10", "hour": None},
        before=period(end_date=None, end_hour=None),
        after=period(end_date="2026-06-10", end_hour=None),
    )
    message = lines(render.text(out, "nl"))
    before = message.index("Voor wijziging")
    after = message.index("Na wijziging")
    assert before < after
    assert message[before + 2 : before + 4] == ["Begin: 01/06/2026 08:00", "Einde: -"]
    assert message[after + 2 : after + 4] == ["Begin: 01/06/2026 08:00", "Einde: 10/06/2026"]
    assert "Paritair comité: 302" in message[after:]
    assert "Geannuleerd: nee" in message[after:]


def test_a_cancellation_without_a_period_after_shows_a_dash_for_that_side():
    cancel = content("DIMONA_CANCEL", before=period(planned_hours_number=10), after=None)
    message = lines(render.text(cancel, "en"))
    after = message[message.index("After the change") :]
    assert (
        "Planned hours: 10"
        in message[message.index("Before the change") : message.index("After the change")]
    )
    assert "Start: -" in after and "Cancelled: -" in after


@pytest.mark.parametrize("language", render.LANGUAGES)
def test_an_in_has_no_before_and_after_section(language):
    message = render.text(content("DIMONA_IN", before=period(), after=period()), language)
    for heading in PERIOD_HEADINGS[language]:
        assert heading not in message


def test_a_change_without_any_period_has_no_before_and_after_section():
    message = render.text(content("DIMONA_UPDATE"), "en")
    assert "Before the change" not in message and "After the change" not in message


@pytest.mark.parametrize(
    ("language", "status", "label"),
    [
        ("nl", "Geweigerd", "Werknemer onbekend"),
        ("fr", "Refusée", "Travailleur inconnu"),
        ("de", "Abgelehnt", "Travailleur inconnu"),
        ("en", "Refused", "Unknown worker"),
    ],
)
def test_a_refusal_shows_the_anomaly_code_and_its_label_in_the_language(language, status, label):
    refused = content(result="B", anomalies=[REFUSAL])
    message = render.text(refused, language)
    assert status in message
    assert f"00911-010 {label}" in message
    assert "(B)" in message
    assert f"00911-010 {label}" in render.html(refused, language)


def test_german_uses_the_french_anomaly_label():
    assert render.anomaly_label(REFUSAL, "de") == "Travailleur inconnu"
    assert render.anomaly_label(REFUSAL, "nl") == "Werknemer onbekend"
    assert render.anomaly_label(REFUSAL, "en") == "Unknown worker"


def test_a_quota_anomaly_shows_its_quota_limit_and_what_exceeds_it():
    quota = {
        "code": "90373-460",
        "severity": "NP",
        "labelNl": "q",
        "labelFr": "q",
        "labelEn": "Student quota exceeded",
        "quota": {"quotaType": "STUDENT_HOURS", "limit": 650, "exceedingHours": 12},
    }
    message = lines(render.text(content(result="W", anomalies=[quota]), "en"))
    for line in [
        "Status: Accepted with warning",
        "Anomaly: 90373-460 Student quota exceeded",
        "Severity: non-blocking (NP)",
        "Quota: STUDENT_HOURS",
        "Limit: 650",
        "Exceeding hours: 12",
    ]:
        assert line in message
    assert not any(line.startswith("Exceeding days") for line in message)


def test_html_escapes_every_value_from_the_content():
    hostile = "<script>O'Neil & Co</script>"
    message = render.html(
        content(
            references={"worker": hostile},
            employee={"ssin": "85073003328", "familyName": hostile, "givenName": "A"},
        ),
        "en",
    )
    assert "<script>" not in message
    assert "O'Neil" not in message
    assert message.count("&lt;script&gt;O&#x27;Neil &amp; Co&lt;/script&gt;") == 2


def test_html_is_a_small_self_contained_document_titled_with_the_subject():
    message = render.html(content(), "de")
    assert message.startswith("<!DOCTYPE html>")
    assert '<html lang="de">' in message
    assert '<meta charset="utf-8">' in message
    assert "<title>Dimona-Bestätigung Dimona IN 680725377630: Angenommen</title>" in message
    assert message.count("<table>") == 3
    assert '<th scope="row">ENSS</th><td>85073003328</td>' in message


@pytest.mark.parametrize(
    ("language", "type_", "expected"),
    [
        ("nl", "DIMONA_UPDATE", "Dimona-bevestiging Wijziging 680725377630: Geweigerd"),
        ("fr", "DIMONA_CANCEL", "Confirmation Dimona Annulation 680725377630 : Refusée"),
        ("de", "DIMONA_UPDATE", "Dimona-Bestätigung Änderung 680725377630: Abgelehnt"),
        ("en", "DIMONA_CANCEL", "Dimona confirmation Cancellation 680725377630: Refused"),
        ("en", "DIMONA_OUT", "Dimona confirmation Dimona OUT 680725377630: Refused"),
    ],
)
def test_subject_names_the_type_number_and_status_in_the_language(language, type_, expected):
    assert render.subject(content(type_, "B"), language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "status 'In afwachting'; de werknemer werd geïdentificeerd met INSZ 90050100151"),
        ("fr", "statut 'En attente' ; le travailleur a été identifié avec le NISS 90050100151"),
        ("de", "Status 'Ausstehend'; der Arbeitnehmer wurde mit der ENSS 90050100151"),
        ("en", "first had the status 'Pending'; the worker was identified with SSIN 90050100151"),
    ],
)
def test_a_result_after_pending_says_how_the_worker_was_identified(language, expected):
    identified = content(identification={"previousResult": "S", "identifiedSsin": "90050100151"})
    assert expected in render.text(identified, language)
    assert "90050100151" not in render.text(content(), language)


@pytest.mark.parametrize("function", [render.subject, render.text, render.html])
def test_an_unknown_language_is_refused_naming_the_four(function):
    with pytest.raises(ValueError, match="nl, fr, de, en"):
        function(content(), "es")


def test_an_unknown_language_is_refused_for_an_anomaly_label():
    with pytest.raises(ValueError, match="'EN'"):
        render.anomaly_label(REFUSAL, "EN")


# Daily registrations (issue 22) ----------------------------------------------------------

def registration(**changes) -> dict:
    """A daily registration as the content carries it: camelCase."""
    return {
        "registrationId": 680725400018,
        "periodId": 680725377631,
        "employerKey": "175110801",
        "ssin": "85073003328",
        "startDate": "2026-07-08",
        "startHour": "1800",
        "endDate": "2026-07-08",
        "endHour": None,
        "cancelled": False,
        "version": 1,
        **changes,
    }


def registration_content(action="update", result="A", *, before=None, after=None) -> dict:
    message = content("DAILY_REGISTRATION", result, action=action,
                      registrationId=680725400018)
    del message["periodBefore"], message["periodAfter"]
    return {**message, "registrationBefore": before, "registrationAfter": after}


CLOSED = registration(endDate="2026-07-09", endHour="0200", version=2)


@pytest.mark.parametrize(
    ("language", "subject", "number", "before", "after", "end"),
    [
        ("nl", "Dimona-bevestiging dagelijkse registratie 680725377630: Aanvaard",
         "Registratienummer: 680725400018", "Voor wijziging", "Na wijziging", "Einde"),
        ("fr", "Confirmation Dimona enregistrement journalier 680725377630 : Acceptée",
         "Numéro d'enregistrement: 680725400018", "Avant modification",
         "Après modification", "Fin"),
        ("de", "Dimona-Bestätigung tägliche Registrierung 680725377630: Angenommen",
         "Registrierungsnummer: 680725400018", "Vor der Änderung", "Nach der Änderung",
         "Ende"),
        ("en", "Dimona confirmation daily registration 680725377630: Accepted",
         "Registration number: 680725400018", "Before the change", "After the change",
         "End"),
    ],
)
def test_a_registration_update_shows_the_registration_before_and_after(
        language, subject, number, before, after, end):
    message = registration_content(before=registration(), after=CLOSED)
    assert render.subject(message, language) == subject
    shown = lines(render.text(message, language))
    assert number in shown and "680725377631" in shown[shown.index(number) - 1]
    first, second = shown.index(before), shown.index(after)
    assert shown[first + 3] == f"{end}: 08/07/2026"  # the day, no hour yet
    assert shown[second + 3] == f"{end}: 09/07/2026 02:00"
    assert len(shown) == second + 5  # start, end, cancelled: no JC, type or planned hours
    assert "<td>680725400018</td>" in render.html(message, language)


def test_a_registration_cancel_says_it_is_cancelled_after():
    message = lines(render.text(registration_content(
        "cancel", before=CLOSED, after={**CLOSED, "cancelled": True, "version": 3}), "nl"))
    after = message.index("Na wijziging")
    assert message[after + 2:] == ["Begin: 08/07/2026 18:00", "Einde: 09/07/2026 02:00",
                                   "Geannuleerd: ja"]


@pytest.mark.parametrize("language", render.LANGUAGES)
def test_a_registration_create_has_no_before_and_after_section(language):
    message = render.text(registration_content("create", after=registration()), language)
    for heading in PERIOD_HEADINGS[language]:
        assert heading not in message


def test_a_dimona_message_has_no_registration_number():
    for language in render.LANGUAGES:
        for label in ("Registratienummer", "enregistrement", "Registrierungsnummer",
                      "Registration number"):
            assert label not in render.text(content("DIMONA_UPDATE", before=period(),
                                                    after=period()), language)
