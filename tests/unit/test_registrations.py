"""Daily registrations in the register (issue 22) as pure functions: the rows a batch of
decisions writes, the list's presentation, the quarter's presence of the fixed workers, and
the audit log's lines (docs/adr/0009-daily-registration.md)."""

from datetime import date

import pytest

from services.audit.domain import decision_entry, reception_entry, text
from services.projections.domain import (
    BadQuery,
    RegistrationFilters,
    csv_rows,
    presence,
    present_registration,
    quarter_bounds,
    registered_hours,
)
from services.projections.projection import Rows
from services.validator.domain import decide
from tests.unit.factories import IN, FakeContext, submitted
from tests.unit.registrations import CREATE, PERIOD, RECEIVED, WORKER, cancel, create, state, update
from tests.unit.registrations import decided as registration_decided

OPEN = state("2026-07-08", "1800")  # created without end hour
UPDATE, CANCEL = 680725400117, 680725400216


def by_id(rows: list[tuple]) -> dict[int, tuple]:
    return {r[0]: r for r in rows}


# The rows of register.registrations and register.declarations --------------------------

def test_a_create_writes_an_open_registration_received_when_it_was_created():
    rows = Rows.of([create(OPEN)])
    assert rows.registrations == [(
        CREATE, PERIOD, "175110801", WORKER, "open", RECEIVED, date(2026, 7, 8), "1800",
        date(2026, 7, 8), None, False, 1, CREATE, RECEIVED)]
    [declaration] = rows.declarations
    # declaration_type, result, period_id ... about_period_id, registration_id
    assert (declaration[1], declaration[2], declaration[3], declaration[13],
            declaration[14]) == ("DAILY_REGISTRATION", "A", PERIOD, PERIOD, CREATE)
    assert rows.periods == [] and rows.workers == [] and rows.quotas == {}


def test_an_update_adding_the_end_hour_closes_it_and_keeps_the_create_reception():
    later = update(UPDATE, OPEN, end="2026-07-09", end_hour="0200")
    [row] = Rows.of([later]).registrations
    assert row[4:] == ("active", None, date(2026, 7, 8), "1800", date(2026, 7, 9), "0200",
                       False, 2, UPDATE, later.received_at)
    # the create in the same batch gives the reception time; the newest version wins
    [both] = Rows.of([later, create(OPEN)]).registrations
    assert (both[4], both[5], both[11], both[12]) == ("active", RECEIVED, 2, UPDATE)
    [declaration] = Rows.of([later]).declarations
    assert (declaration[0], declaration[3], declaration[13], declaration[14]) == (
        UPDATE, PERIOD, PERIOD, CREATE)


def test_a_cancel_marks_it_cancelled():
    closed = state("2026-07-08", "1800", "2026-07-09", "0200", version=2)
    [row] = Rows.of([cancel(CANCEL, closed)]).registrations
    assert (row[4], row[10], row[11], row[12]) == ("cancelled", True, 3, CANCEL)


def test_a_refused_registration_writes_its_declaration_only():
    refused = registration_decided(UPDATE, {"action": "update", "registrationId": CREATE,
                                            "endHour": "0100"}, OPEN, None,
                                   result="B")
    rows = Rows.of([refused])
    assert rows.registrations == []
    assert [(d[0], d[2], d[14]) for d in rows.declarations] == [(UPDATE, "B", CREATE)]


def test_a_dimona_declaration_row_has_no_registration():
    [row] = Rows.of([decide(submitted(IN), FakeContext())]).declarations
    assert row[14] is None and row[1] == "DIMONA_IN"  # registration_id


# The presentation and the quarter's presence --------------------------------------------

def registration(start: str, start_hour: str, end: str | None, end_hour: str | None,
                 ssin: str = WORKER, period: int = PERIOD, cancelled: bool = False,
                 number: int = CREATE) -> dict:
    """A row as the register's query reads it."""
    return {"registrationId": number, "periodId": period, "ssin": ssin,
            "startDate": start, "startHour": start_hour, "endDate": end or start,
            "endHour": end_hour, "cancelled": cancelled, "status": "active"}


@pytest.mark.parametrize(("start", "end", "hours"), [
    (("2026-07-08", "1800"), ("2026-07-09", "0200"), 8.0),  # a night shift
    (("2026-07-08", "0800"), ("2026-07-08", "1230"), 4.5),
    # the night of 28 to 29 March 2026: the clocks go from 02:00 to 03:00
    (("2026-03-28", "2200"), ("2026-03-29", "0600"), 7.0),
    # the night of 24 to 25 October 2026: from 03:00 back to 02:00
    (("2026-10-24", "2200"), ("2026-10-25", "0600"), 9.0),
    (("2026-07-08", "1800"), (None, None), None)])  # open: no end hour yet
def test_hours_are_the_real_time_between_start_and_end_in_brussels(start, end, hours):
    assert registered_hours(registration(*start, *end)) == hours


def test_a_registration_shows_its_start_and_end_moments_in_brussels():
    shown = present_registration(registration("2026-10-24", "2200", "2026-10-25", "0600"))
    assert (shown["startAt"], shown["endAt"], shown["hours"]) == (
        "2026-10-24T22:00:00+02:00", "2026-10-25T06:00:00+01:00", 9.0)
    still_open = present_registration(registration("2026-07-08", "1800", None, None))
    assert (still_open["endAt"], still_open["hours"]) == (None, None)


def test_quarters():
    assert quarter_bounds("2026Q3") == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_bounds("2024Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_bounds("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    for wrong in ("2026Q5", "2026-07", "Q3", "2026q3"):
        with pytest.raises(BadQuery):
            quarter_bounds(wrong)
    with pytest.raises(BadQuery):
        RegistrationFilters(start_from=date(2026, 7, 1))
    with pytest.raises(BadQuery):
        RegistrationFilters(start_from=date(2026, 7, 2), start_to=date(2026, 7, 1))


OTHER = "90050100151"
NAMES = {WORKER: {"familyName": "Peeters", "givenName": "An"},
         OTHER: {"familyName": "Claes", "givenName": "Guy"}}


def test_presence_counts_each_registration_on_its_start_day():
    q4 = quarter_bounds("2026Q4")
    rows = [
        registration("2026-10-24", "2200", "2026-10-25", "0600", number=1),  # 9 h, DST
        registration("2026-10-25", "1000", "2026-10-25", "1400", number=2),
        registration("2026-10-25", "1800", "2026-10-25", "2100", number=3),  # same day
        registration("2026-10-26", "1800", None, None, number=4),  # open: 0 hours
        registration("2026-10-27", "1800", "2026-10-27", "2300", cancelled=True, number=5),
        registration("2026-12-31", "2200", "2027-01-01", "0400", number=6, period=77),
        registration("2026-09-30", "2200", "2026-10-01", "0400", number=7),  # Q3's
        registration("2026-11-02", "0800", "2026-11-02", "1600", ssin=OTHER, number=8,
                     period=99)]
    workers = presence(rows, NAMES, *q4)
    assert [(w["familyName"], w["ssin"], w["periodIds"], w["totalDays"], w["totalHours"])
            for w in workers] == [("Claes", OTHER, [99], 1, 8.0),
                                  ("Peeters", WORKER, [77, PERIOD], 4, 22.0)]
    assert workers[1]["days"] == [
        {"date": "2026-10-24", "hours": 9.0, "registrations": 1, "open": False},
        {"date": "2026-10-25", "hours": 7.0, "registrations": 2, "open": False},
        {"date": "2026-10-26", "hours": 0.0, "registrations": 1, "open": True},
        {"date": "2026-12-31", "hours": 6.0, "registrations": 1, "open": False}]
    assert list(csv_rows("presence", workers))[:3] == [
        ["ssin", "familyName", "givenName", "periodIds", "date", "hours", "registrations",
         "open"],
        [OTHER, "Claes", "Guy", "-99-", "2026-11-02", 8.0, 1, False],
        [WORKER, "Peeters", "An", f"-77-{PERIOD}-", "2026-10-24", 9.0, 1, False]]


def test_a_worker_whose_registrations_are_all_cancelled_is_not_present():
    rows = [registration("2026-07-08", "0800", "2026-07-08", "1200", cancelled=True)]
    assert presence(rows, NAMES, *quarter_bounds("2026Q3")) == []


# The audit log ---------------------------------------------------------------------------

def test_the_audit_log_names_the_registration_its_period_and_before_after():
    closed = update(UPDATE, OPEN, end="2026-07-09", end_hour="0200")
    received = text(reception_entry(7, closed, None))[0]
    assert f"DAILY_REGISTRATION update of registration {CREATE} webservice" in received
    first, *more = text(decision_entry(8, closed.received_at, closed))
    assert f"A, registration {CREATE}, period {PERIOD}, rules" in first
    assert [line.strip() for line in more] == [
        "before 2026-07-08 1800 - 2026-07-08 open (version 1)",
        "after 2026-07-08 1800 - 2026-07-09 0200 (version 2)"]
    as_json = decision_entry(8, closed.received_at, closed).to_json()
    assert (as_json["registrationId"], as_json["action"],
            as_json["registrationAfter"]["endHour"]) == (CREATE, "update", "0200")
