"""The parts of an IN that only some employers and workers give: C3.2A control cards
(block 90375), sub-entities and worker types of public employers (zones 00652, 00655),
small statutes (block 90594). Sources: docs/sources.md §2.2, §6.1; the readings where
the glossary is silent are those of docs/rules.md."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.declaration import Declaration
from services.directory.domain import DirectoryDocument, DirectoryEmployer
from services.validator.domain import sectors
from tests.unit.factories import KROON, FakeContext
from tests.unit.rulebook import codes, dimona_in, run

ROOT = Path(__file__).resolve().parents[2]
END = {"endDate": "2026-07-31"}
FIRST, NEXT = "123456789012", "123456789013"


def cards(first=FIRST, next_=NEXT) -> dict:
    block = {"firstMonthC32ANumber": first, "nextMonthC32ANumber": next_}
    return {"constructionControlCards": {k: v for k, v in block.items() if v is not None}}


USER_124 = {"usingEmployer": {"jointCommissionNumber": "124", "enterpriseNumber": "0403170701"}}
AGENCY = {"usingEmployer": {"name": "Bouw NV", "address": {"street": "Markt"}}}


# --- C3.2A control cards ------------------------------------------------------------------

@pytest.mark.parametrize("wt,jc,extra,presence", [
    ("BCW", "124", {}, "mandatory"),            # construction
    ("OTH", "322", {**END, **USER_124}, "mandatory"),  # an agency's worker at a builder
    ("BCW", "322", {**END, **AGENCY}, "mandatory"),    # 322, no user's committee, BCW
    ("STU", "322", {**END, **AGENCY}, "optional"),
    ("DWD", "322", {**END, **AGENCY}, "optional"),
    ("OTH", "322", {**END, **AGENCY}, "forbidden"),
    ("OTH", "XXX", {}, "forbidden"),
])
def test_when_the_cards_are_due(wt, jc, extra, presence):
    din = Declaration.model_validate(dimona_in(wt, jc, **extra)).dimona_in
    assert sectors.cards_presence(din) == presence


def test_a_construction_worker_gives_both_cards():
    assert codes(run(dimona_in("BCW", "124", **cards()))) == []
    assert codes(run(dimona_in("BCW", "124"))) == ["00663-001", "00664-001"]
    assert codes(run(dimona_in("BCW", "124", **cards(next_=None)))) == ["00664-001"]
    assert codes(run(dimona_in("BCW", "124", **cards(first=None)))) == ["00663-001"]


def test_cards_are_optional_for_some_agency_workers_and_forbidden_elsewhere():
    # 322 without the user's committee is refused anyway (00046-001, fields.py): the cards'
    # own rule still reads the glossary's block 90375 as written
    assert codes(run(dimona_in("DWD", "322", **END, **AGENCY))) == ["00046-001"]
    assert codes(run(dimona_in("DWD", "322", **END, **AGENCY, **cards()))) == ["00046-001"]
    assert codes(run(dimona_in("DWD", "322", **END, **AGENCY, **cards(next_=None)))) == [
        "00046-001", "00664-001"]  # a block given holds both of its zones
    assert codes(run(dimona_in("BCW", "322", **END, **AGENCY))) == [
        "00046-001", "00663-001", "00664-001"]
    assert codes(run(dimona_in("OTH", "XXX", **cards()))) == ["00663-005", "00664-005"]
    assert codes(run(dimona_in("OTH", "XXX", **cards(next_=None)))) == ["00663-005"]


@pytest.mark.parametrize("first,next_,expected", [
    ("12345678901", NEXT, ["00663-003"]),          # 11 digits
    (FIRST, "12345678901A", ["00664-003"]),
    ("000000000000", NEXT, ["00663-003"]),         # no card is numbered 0
    ("12345678901X", "1234", ["00663-003", "00664-003"]),
])
def test_a_card_number_is_twelve_digits(first, next_, expected):
    assert codes(run(dimona_in("BCW", "124", **cards(first, next_)))) == expected


def test_the_next_months_card_is_another_card():
    assert codes(run(dimona_in("BCW", "124", **cards(FIRST, FIRST)))) == ["00664-353"]


# --- public employers ---------------------------------------------------------------------

STATE = KROON.model_copy(update={"sector": "public",
                                 "sub_entities": ("0000000097", "0000000195")})
LOCAL = KROON.model_copy(update={"sector": "local"})


def test_an_employer_with_sub_entities_names_one_of_its_own():
    ctx = FakeContext(employers=[STATE])
    body = dimona_in()
    assert codes(run(body, ctx=ctx)) == ["00652-001"]
    body["dimonaIn"]["features"]["subEntityNumber"] = "0000000195"
    assert codes(run(body, ctx=ctx)) == []
    body["dimonaIn"]["features"]["subEntityNumber"] = "0000000293"  # not one of its own
    assert codes(run(body, ctx=ctx)) == ["00652-003"]
    body["dimonaIn"]["features"]["subEntityNumber"] = "195"
    assert codes(run(body, ctx=ctx)) == ["00652-003"]


def test_an_employer_without_sub_entities_names_none():
    body = dimona_in()
    body["dimonaIn"]["features"]["subEntityNumber"] = "0000000195"
    assert codes(run(body)) == ["00652-005"]
    assert codes(run(body, ctx=FakeContext(employers=[LOCAL]))) == ["00652-005"]


@pytest.mark.parametrize("wt,start,extra,employer,expected", [
    ("OTH", "2021-07-08", {}, LOCAL, []),
    ("STG", "2021-07-08", {"endDate": "2021-07-31", "smallStatutesInformation": {
        "employmentNature": "WORKER", "workerStatus": "F1"}}, LOCAL, []),
    ("FLX", "2021-07-08", {"endDate": "2021-07-31"}, LOCAL, ["00655-350"]),
    ("FLX", "2026-07-08", {"endDate": "2026-07-31"}, LOCAL, []),    # from 2022: all types
    ("TEA", "2021-07-08", {}, LOCAL, []),
    ("TEA", "2021-07-08", {}, KROON, ["00655-350"]),  # teachers only at local authorities
    ("PMP", "2026-07-08", {}, KROON, ["00655-350"]),  # a parliament is a public employer
    ("PMP", "2026-07-08", {}, STATE, ["00652-001"]),  # allowed, but names no sub-entity
])
def test_worker_types_refused_to_an_employer(wt, start, extra, employer, expected):
    ctx = FakeContext(employers=[employer])
    at = f"{start[:4]}-07-01 10:00"
    assert codes(run(dimona_in(wt, start=start, **extra), ctx=ctx, at=at)) == expected


# --- small statutes -----------------------------------------------------------------------

def statutes(nature="WORKER", activity=None, status="F1") -> dict:
    block = {"employmentNature": nature, "activityWithRisk": activity, "workerStatus": status}
    return {"smallStatutesInformation": {k: v for k, v in block.items() if v is not None}}


@pytest.mark.parametrize("wt", ["IVT", "TRI", "STG"])
def test_interns_and_trainees_give_their_small_statutes(wt):
    assert codes(run(dimona_in(wt, **END, **statutes()))) == []
    assert codes(run(dimona_in(wt, **END))) == ["01231-001", "00053-001"]
    assert codes(run(dimona_in(wt, **END, **statutes(nature=None)))) == ["01231-001"]
    assert codes(run(dimona_in(wt, **END, **statutes(status=None)))) == ["00053-001"]


def test_small_statutes_are_optional_before_2020():
    assert codes(run(dimona_in("STG", start="2019-07-08", endDate="2019-07-31"),
                     at="2019-07-01 10:00")) == []


def test_small_statutes_are_forbidden_for_other_workers():
    assert codes(run(dimona_in("OTH", **statutes()))) == ["01231-005", "00053-005"]
    assert codes(run(dimona_in("OTH", **statutes(status=None)))) == ["01231-005"]


def test_small_statutes_values():
    assert codes(run(dimona_in("STG", **END, **statutes(nature="BEDIENDE")))) == ["01231-003"]
    assert codes(run(dimona_in("STG", **END, **statutes(status="F3")))) == ["00053-003"]
    assert codes(run(dimona_in("STG", **END, **statutes(nature="EMPLOYEE", status="F2",
                                                         activity=401)))) == []


@pytest.mark.parametrize("nature,activity,expected", [
    ("WORKER", 1, []),            # a manual worker without travel
    ("WORKER", 2, []),            # a manual worker on a building site
    ("EMPLOYEE", 401, []),        # an employee without travel
    ("WORKER", 401, ["00041-521"]),
    ("EMPLOYEE", 1, ["00041-521"]),
])
def test_the_risk_class_matches_the_kind_of_work(nature, activity, expected):
    body = dimona_in("IVT", **END, **statutes(nature=nature, activity=activity))
    assert codes(run(body)) == expected


# --- the directory says which employers are public and their sub-entities ----------------

def test_the_example_directory_of_sectors_loads():
    document = DirectoryDocument.model_validate_json(
        (ROOT / "examples" / "directory-sectors.json").read_text())
    city = document.employers[1]
    assert (city.sector, city.public, city.sub_entities) == (
        "local", True, ("0000000097", "0000000195"))
    assert (document.employers[0].sector, document.employers[0].public) == ("private", False)


@pytest.mark.parametrize("entry,message", [
    ({"subEntities": ["0000000097"]}, "subEntities are for public employers"),
    ({"sector": "public", "subEntities": ["97"]}, "should match pattern"),
    ({"sector": "federal"}, "'private', 'public' or 'local'"),
])
def test_a_wrong_employer_entry_is_refused_with_its_reason(entry, message):
    with pytest.raises(ValidationError, match=message):
        DirectoryEmployer.model_validate({"employerId": 175110801, "name": "X", **entry})
