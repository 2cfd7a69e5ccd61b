"""Identifiers (docs/sources.md §8), the employer, the declarant's mandate and the channel,
flexi eligibility and identification of workers without SSIN."""

from hypothesis import given
from hypothesis import strategies as st

from services.directory.domain import Directory, FlexiEligibility, Identity, Mandate
from services.validator.domain import decide, identified
from services.validator.domain.identifiers import (
    nsso_check,
    valid_enterprise_number,
    valid_nsso,
)
from tests.unit.factories import KROON, PARC, FakeContext, submitted
from tests.unit.rulebook import SSIN, codes, dimona_in, run, utc


def test_nsso_numbers_definitive_and_provisional():
    # Domain bounds and the test fixture of docs/sources.md §8.3 (check digits inferred there).
    for number in (100006, 199999934, 175110801, 5000000120, 5999999989):
        assert valid_nsso(number), number
    for number in (100007, 175110802, 99999, 5000000121, 200000000):
        assert not valid_nsso(number), number


@given(st.integers(1000, 1999999))
def test_every_definitive_nsso_number_with_its_check_digits_is_valid(n):
    assert valid_nsso(n * 100 + nsso_check(n))
    assert not valid_nsso(n * 100 + (nsso_check(n) + 1) % 100)


def test_enterprise_numbers():
    for number in ("0403170701", "403170701", "0477472701", "1009237290"):
        assert valid_enterprise_number(number), number
    assert not valid_enterprise_number("0403170702")


def test_employer_identifiers_and_directory():
    body = dimona_in()
    assert codes(run({**body, "employer": {"employerId": 175110802}})) == ["00011-003"]
    assert codes(run({**body, "employer": {"employerId": 199999934}})) == ["00011-235"]
    assert codes(run({**body, "employer": {"employerId": 5000000120}})) == ["00948-235"]
    assert codes(run({**body, "employer": {"employerId": 5000000121}})) == ["00948-003"]
    assert codes(run({**body, "employer": {"enterpriseNumber": "0403170702"}})) == ["00014-003"]
    assert codes(run({**body, "employer": {"enterpriseNumber": "0477472701"}})) == ["00014-235"]
    assert codes(run({**body, "employer": {"enterpriseNumber": "403170701"}})) == []


def test_an_inactive_employer_opens_no_period():
    gone = KROON.model_copy(update={"active": False})
    assert codes(run(dimona_in(), ctx=FakeContext(employers=[gone]))) == ["90373-343"]


def test_the_declarant_needs_a_mandate_valid_at_reception():
    assert codes(run(dimona_in(), declarant="0403170701")) == []      # the employer itself
    assert codes(run(dimona_in(), declarant="0477472701")) == []      # mandated since 2020
    assert codes(run(dimona_in(), declarant="0876543270")) == ["90256-155"]
    # the secretariat's mandate for Hôtel du Parc is not in the unit tests' directory
    parc = {**dimona_in(), "employer": {"employerId": 197100119}}
    assert codes(run(parc, declarant="0477472701")) == ["90256-155"]


def test_an_expired_mandate_counts_for_nothing():
    ctx = FakeContext()
    ctx.directory = Directory([KROON], [Mandate(declarant="0477472701", employer_id=175110801,
                                                **{"from": "2020-01-01", "to": "2026-06-30"})])
    assert codes(run(dimona_in(), declarant="0477472701", ctx=ctx)) == ["90256-155"]


def test_secured_channels_only():
    parc = {**dimona_in(), "employer": {"employerId": 197100119}}
    assert codes(run(parc, declarant=None, channel="web-unsecured")) == ["90256-342"]
    assert codes(run(parc, declarant="0876543270")) == []
    assert codes(run(dimona_in(), declarant=None, channel="web-unsecured")) == []
    assert PARC.secured_channels_only


def test_flexi_eligibility_warns_for_the_quarter():
    flexi = dimona_in("FLX", endDate="2026-07-08", startHour="0800", endHour="1400")
    no = FakeContext(flexi=[FlexiEligibility(ssin=SSIN, quarter="2026Q3", eligible=False)])
    yes = FakeContext(flexi=[FlexiEligibility(ssin=SSIN, quarter="2026Q3", eligible=True)])
    other = FakeContext(flexi=[FlexiEligibility(ssin=SSIN, quarter="2026Q4", eligible=False)])
    d = run(flexi, ctx=no)
    assert (d.result, codes(d)) == ("W", ["90017-510"])
    assert codes(run(flexi, ctx=yes)) == [] and codes(run(flexi, ctx=other)) == []


def test_identity_consistency_with_the_ssin_does_not_block():
    # 85073003328: born 1985-07-30, sequence 033 (odd: a man)
    worker = {"ssin": SSIN, "birthDate": "1985-07-31", "gender": 2, "familyName": "Janssens",
              "givenName": "Jan"}
    known = [Identity(family_name="Peeters", given_name="Jan", birth_date="1985-07-30",
                      ssin=SSIN)]
    d = run({**dimona_in(), "worker": worker}, ctx=FakeContext(identities=known))
    assert (d.result, codes(d)) == ("W", ["00025-348", "00028-348", "00029-348"])
    right = {**worker, "birthDate": "1985-07-30", "gender": 1, "familyName": "Peeters"}
    assert codes(run({**dimona_in(), "worker": right}, ctx=FakeContext(identities=known))) == []


PERSON = {"familyName": "Peeters", "givenName": "An", "birthDate": "1990-05-01",
          "placeOfBirth": "Gent", "countryOfBirth": "150", "nationality": "150", "gender": 1,
          "address": {"street": "Kouter", "houseNumber": "1", "postCode": "9000",
                      "municipality": {"code": "44021", "name": "Gent"}, "country": "150"}}


def test_a_worker_without_ssin_waits_for_identification():
    body = {**dimona_in(ssin=None), "worker": PERSON}
    d = run(body)
    assert (d.result, codes(d), d.period_after) == ("S", [], None)
    incomplete = {**body, "worker": {k: v for k, v in PERSON.items() if k != "address"}}
    assert codes(run(incomplete)) == ["90017-363"]
    # once identified, the declaration is decided as if the SSIN had been given
    sub = submitted(body, received=utc("2026-07-01 10:00"))
    final = decide(identified(sub, "90050100151"), FakeContext(), identified_ssin="90050100151")
    assert (final.result, final.period_after.ssin, final.identified_ssin) == (
        "A", "90050100151", "90050100151")
    assert final.event_id != d.event_id

