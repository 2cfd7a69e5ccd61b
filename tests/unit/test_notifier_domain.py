"""What the e-Box confirmation holds (seed 002) and who gets one."""

from services.directory.domain import DirectoryEmployer
from services.notifier.domain import confirmation
from services.validator.domain import decide
from tests.unit.factories import IN, KROON, FakeContext, submitted


def test_confirmation_has_the_three_parts_in_the_employer_language():
    decided = decide(submitted({**IN, "references": {"declaration": "shift-991"}}),
                     FakeContext())
    m = confirmation(decided, KROON, batch_sender=False)
    assert m.recipient == "0403170701" and m.language == "nl"
    assert m.subject == "Dimona-bevestiging DIMONA_IN 680725377630: Aanvaard"
    assert m.content["declarations"]["references"] == {"declaration": "shift-991"}
    assert m.content["employer"]["name"] == "Brasserie De Kroon"
    assert m.content["employees"] == [{"ssin": "85073003328", "familyName": None,
                                       "givenName": None}]
    assert m.content["periodAfter"]["period_id"] == 680725377630


def test_batch_senders_get_no_ebox_message():
    decided = decide(submitted(IN, declarant="0477472701"), FakeContext())
    assert confirmation(decided, KROON, batch_sender=True) is None


def test_non_secured_channel_confirms_to_the_employer_and_message_ids_are_stable():
    decided = decide(submitted(IN, declarant=None), FakeContext())
    french = DirectoryEmployer(employer_id=175110801, enterprise_number="0403170701",
                               name="Kroon", language="fr")
    m = confirmation(decided, french, batch_sender=False)
    assert m.recipient == "0403170701" and m.subject.startswith("Confirmation Dimona")
    assert confirmation(decided, french, False).message_id == m.message_id


def test_the_final_result_after_identification_shows_both_results():
    from services.validator.domain import identified
    waiting = submitted({**IN, "worker": {"familyName": "Peeters"}})
    final = decide(identified(waiting, "90050100151"), FakeContext(),
                   identified_ssin="90050100151")
    m = confirmation(final, KROON, batch_sender=False)
    assert m.content["declarations"]["identification"] == {
        "previousResult": "S", "previousStatus": "In afwachting",
        "identifiedSsin": "90050100151"}
    assert m.content["declarations"]["result"] == final.result
    assert m.content["employees"][0]["ssin"] == "90050100151"
