"""Presence and domain of the fields, per type, joint committee and worker type
(docs/sources.md §2.3, §6; schemas/worker_types.json)."""

import pytest

from schemas.reference import reference
from tests.unit.rulebook import codes, dimona_in, run

END = {"endDate": "2026-07-08"}
HOURS = {"startHour": "0800", "endHour": "1400"}
STU = {"endDate": "2026-07-31", "plannedHoursNumber": 40}
CARDS = {"constructionControlCards": {"firstMonthC32ANumber": "123456789012",
                                      "nextMonthC32ANumber": "123456789013"}}


@pytest.mark.parametrize("jc", ["124", "140", "144", "145", "149", "302", "320", "322", "XXX"])
def test_every_joint_committee_accepts_one_of_its_worker_types(jc):
    wt = sorted(reference().allowed[jc])[0]
    fields = {"ALT": {}, "EXT": {**END, **HOURS}}.get(wt, END)
    start = {"A17": "2021-07-08", "STX": "2013-07-08", "QUA": "2022-07-08"}.get(wt, "2026-07-08")
    if wt == "A17":
        fields = {"endDate": start}
    if wt in ("STX", "QUA"):
        fields = {"endDate": start}
    user = {"usingEmployer": {"jointCommissionNumber": "302", "enterpriseNumber": "0403170701"}}
    fields = {**fields, **{"322": user, "124": CARDS}.get(jc, {})}
    body = dimona_in(wt, jc, start=start, **fields)
    assert codes(run(body, at=f"{start} 06:00")) == []


WORKER_TYPE_CASES = [
    # worker type, extra fields, expected codes
    ("OTH", {}, []),
    ("OTH", END, []),
    ("STU", STU, []),
    ("STU", {"endDate": "2026-07-31"}, ["01135-001"]),
    ("STU", {"plannedHoursNumber": 40}, ["00911-001"]),
    ("STU", {**STU, "endDate": "2026-10-02"}, ["90373-421"]),
    ("STU", {**STU, "plannedHoursNumber": 1000}, ["01135-003", "90017-369"]),
    ("STU", {**STU, **HOURS}, ["00777-005", "00778-005"]),
    ("OTH", {"plannedHoursNumber": 8}, ["01135-005"]),
    ("O17", STU, []),
    ("S17", {"plannedHoursNumber": 10}, ["00911-001"]),
    ("T17", {"endDate": "2026-07-09"}, ["00911-008"]),
    ("T17", END, []),
    ("IVT", {}, ["01231-001", "00053-001", "00911-001"]),
    ("TRI", {}, ["01231-001", "00053-001", "00911-001"]),
    ("STG", {}, ["01231-001", "00053-001", "00911-001"]),
    ("A17", END, ["00910-008"]),           # not declarable after 2021
    ("TEA", {}, ["00910-008", "00655-350"]),  # abolished from 2022, local authorities'
    ("FLX", {**END, **HOURS}, []),         # one-day flexi
    ("FLX", {"startHour": "0800", **END}, ["00778-001"]),
    ("FLX", {"endHour": "1400", **END}, ["00777-001"]),
    ("FLX", HOURS, ["00911-001"]),
    ("FLX", {"endDate": "2026-07-31"}, []),  # flexi period (written contract)
    ("FLX", END, ["00911-008"]),           # a flexi period ends after its start day
    ("FLX", {**END, "startHour": "1400", "endHour": "0800"}, ["00778-345"]),
    ("FLX", {"endDate": "2026-07-09", "startHour": "1800", "endHour": "0500"}, []),
    ("FLX", {"endDate": "2026-07-09", "startHour": "0800", "endHour": "0900"}, ["90373-341"]),
    ("OTH", HOURS, ["00777-005", "00778-005"]),
    ("ZZZ", {}, ["00655-003"]),
]


@pytest.mark.parametrize("wt,fields,expected", WORKER_TYPE_CASES)
def test_presence_and_domain_rules_of_the_in(wt, fields, expected):
    assert codes(run(dimona_in(wt, **fields))) == expected


def test_occasional_workers_need_hours_an_end_date_and_an_ssin():
    assert codes(run(dimona_in("EXT", "302", **END, **HOURS))) == []
    assert codes(run(dimona_in("EXT", "302", **END))) == ["00777-001"]
    assert codes(run(dimona_in("EXT", "302", **END, startHour="0800"))) == []  # day rate
    assert codes(run(dimona_in("EXT", "144", **END, startHour="0800"))) == ["00778-001"]
    assert codes(run(dimona_in("EXT", "302", endDate="2026-07-09", startHour="0800"))) == [
        "00911-008"]  # the day flat-rate is one day
    assert "00024-001" in codes(run(dimona_in("EXT", "302", ssin=None, **END, **HOURS)))


def test_joint_committee_x_worker_type():
    assert codes(run(dimona_in("EXT", "XXX", **END, **HOURS))) == ["90374-349"]
    assert codes(run(dimona_in("BCW", "XXX"))) == ["90374-349"]
    assert codes(run(dimona_in("OTH", "302"))) == ["90374-349"]
    assert codes(run(dimona_in("BCW", "124", **CARDS))) == []
    assert codes(run(dimona_in("OTH", "999"))) == ["00046-003"]


def test_the_using_employer_of_joint_committee_322():
    user = {"jointCommissionNumber": "140", "enterpriseNumber": "0403170701"}
    assert codes(run(dimona_in("OTH", "322", **END, usingEmployer=user))) == []
    assert codes(run(dimona_in("OTH", "322", **END))) == ["90107-351"]
    both = {**user, "name": "Bouw NV"}
    assert codes(run(dimona_in("OTH", "322", **END, usingEmployer=both))) == ["90107-352"]
    own = {**user, "jointCommissionNumber": "322"}
    assert codes(run(dimona_in("OTH", "322", **END, usingEmployer=own))) == ["00046-003"]
    bad = {**user, "enterpriseNumber": "0403170702"}
    assert codes(run(dimona_in("OTH", "322", **END, usingEmployer=bad))) == ["00131-003"]
    assert codes(run(dimona_in("OTH", "322", usingEmployer=user))) == ["00911-001"]
    assert codes(run(dimona_in("OTH", "XXX", usingEmployer=user))) == ["00131-005"]
    # an agency's extra works for a user in an occasional-work sector
    ext = {"endDate": "2026-07-08", **HOURS}
    assert codes(run(dimona_in("EXT", "322", **ext, usingEmployer=user))) == ["90374-349"]
    horeca = {**user, "jointCommissionNumber": "302"}
    assert codes(run(dimona_in("EXT", "322", **ext, usingEmployer=horeca))) == []


def test_date_domains():
    assert codes(run(dimona_in(start="1919-12-31")))[0] == "00910-008"
    assert codes(run(dimona_in(start="2036-01-01"))) == ["00910-008"]
    assert codes(run(dimona_in(endDate="9999-12-31"))) == ["00911-008"]
    assert codes(run(dimona_in(endDate="2026-07-07"))) == ["00911-014"]


def test_student_place_of_work_only_for_students():
    place = {"name": "Winkel", "address": {"street": "Markt", "houseNumber": "1",
                                           "postCode": "1000", "municipality": {
                                               "code": "21004", "name": "Brussel"},
                                           "country": "150"}}
    assert codes(run(dimona_in("STU", **STU, studentPlaceOfWork=place))) == []
    assert codes(run(dimona_in("OTH", studentPlaceOfWork=place))) == ["00776-005"]
