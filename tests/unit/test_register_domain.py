"""The register's presentations as pure functions (docs/adr/0005-register-views.md)."""

from datetime import date

import pytest

from services.projections.domain import (
    BadQuery,
    csv_rows,
    declared_content,
    month_bounds,
    monthly_overview,
    present_period,
    register_keys,
    shift_hours,
)


def row(**fields) -> dict:
    base = {"periodId": 1, "ssin": "85073003328", "jointCommissionNumber": "XXX",
            "usingJointCommissionNumber": None, "workerType": "OTH",
            "startDate": "2026-06-02", "startHour": None, "endDate": None, "endHour": None,
            "plannedHoursNumber": None, "cancelled": False}
    return base | fields


def test_a_horeca_day_contract_is_daily_and_322_shows_its_user():
    day = present_period(row(workerType="EXT", jointCommissionNumber="322",
                             usingJointCommissionNumber="302", startHour="1700",
                             endDate="2026-06-02"))
    assert (day["daily"], day["jointCommission"], day["status"]) == (True, "322 (302)",
                                                                     "active")
    shift = present_period(row(workerType="EXT", startHour="1700", endHour="2300",
                               endDate="2026-06-02", cancelled=True))
    assert (shift["daily"], shift["status"]) == (False, "cancelled")


def test_duration_is_the_planned_hours_of_students_and_article_17_only():
    assert present_period(row(workerType="O17", plannedHoursNumber=10))["duration"] == \
        "10 hours"
    assert present_period(row(workerType="FLX", startHour="0800", endHour="1400",
                              endDate="2026-06-02"))["duration"] is None


@pytest.mark.parametrize(("start", "end", "end_date", "hours"), [
    ("1803", "0503", "2026-06-03", 11.0),   # over midnight
    ("1624", "0051", "2026-06-03", 8.45),
    ("0800", "0800", "2026-06-02", None),   # no length
    ("0800", "0900", "2026-06-04", None),   # more than 24 h: not a shift
    ("0800", None, "2026-06-02", None)])
def test_shift_hours(start, end, end_date, hours):
    assert shift_hours(row(startHour=start, endHour=end, endDate=end_date)) == hours


def test_the_monthly_overview_puts_a_shift_on_its_start_day_and_fills_open_periods():
    first, last = month_bounds("2026-06")
    periods = [row(periodId=1, workerType="FLX", startDate="2026-06-30", startHour="2200",
                   endDate="2026-07-01", endHour="0600"),
               row(periodId=2, ssin="90050100151", startDate="2026-05-20"),
               row(periodId=3, ssin="90050100151", startDate="2026-06-10", cancelled=True)]
    names = {"90050100151": {"familyName": "Peeters", "givenName": "An"}}
    [unnamed, an] = monthly_overview(periods, names, first, last)
    assert (unnamed["days"]["2026-06-30"][0]["hours"], unnamed["daysWorked"]) == (8.0, 1)
    assert (an["familyName"], an["daysWorked"], an["hours"]) == ("Peeters", 30, 0)
    assert [e["periodId"] for e in an["days"]["2026-06-10"]] == [2]  # 3 is cancelled
    assert (first, last) == (date(2026, 6, 1), date(2026, 6, 30))
    with pytest.raises(BadQuery):
        month_bounds("2026-6-1")


def test_csv_writes_sets_as_the_worker_header_and_months_day_by_day():
    workers = [{"ssin": "1", "familyName": "A", "givenName": None, "birthDate": None,
                "relationStart": "2026-06-01", "relationEnd": None,
                "jointCommissions": ["XXX"], "workerTypes": ["FLX", "OTH"]}]
    assert list(csv_rows("workers", workers))[1] == ["1", "A", "", "", "2026-06-01", "",
                                                     "-XXX-", "-FLX-OTH-"]
    month = [{"ssin": "1", "familyName": "A", "givenName": "B", "days": {
        "2026-06-01": [{"periodId": 7, "jointCommissionNumber": "XXX", "workerType": "FLX",
                        "startHour": "0800", "endHour": "1200", "hours": 4.0}],
        "2026-06-02": [{"periodId": 8, "jointCommissionNumber": "XXX", "workerType": "OTH",
                        "startHour": None, "endHour": None, "hours": None}]}}]
    assert list(csv_rows("monthly", month))[1:] == [
        ["1", "A", "B", "2026-06-01", 7, "XXX", "FLX", "0800", "1200", 4.0],
        ["1", "A", "B", "2026-06-02", 8, "XXX", "OTH", "", "", ""]]


def test_content_of_an_update_takes_the_rest_from_its_period():
    content = declared_content({"dimonaUpdate": {"periodId": 5, "endDate": "2026-07-01"},
                                "references": {"declaration": "r"}},
                               {"jointCommissionNumber": "322", "workerType": "EXT",
                                "usingJointCommissionNumber": "302"})
    assert (content["endDate"], content["jointCommissionNumber"], content["workerType"],
            content["usingJointCommissionNumber"], content["references"]) == (
        "2026-07-01", "322", "EXT", "302", {"declaration": "r"})


def test_register_keys_refuse_what_is_not_a_number():
    assert register_keys("0403170701", 175110801, "403170701") == ["0403170701",
                                                                   "175110801"]
    with pytest.raises(BadQuery):
        register_keys("kroon", None, None)
