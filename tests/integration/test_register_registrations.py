"""Daily registrations in the personnel register (issue 22) on the real PostgreSQL, from
decisions built by hand as the validator records them (tests/unit/registrations.py): the
period detail's list of registrations and declarations, an employer's list with its filters,
pages and CSV, the presence of a quarter, the result of a registration, redelivery, and the
migration of a register from before registrations."""

from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest

from schemas.events import DeclarationDecided, PeriodState, stable_id
from services.common.db import open_pool
from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument
from services.projections.application import RegisterViews, UpdateRegister
from services.projections.domain import BadQuery, Page, RegistrationFilters, csv_rows
from services.projections.writer import migrate
from tests.unit.factories import KROON, PARC, submitted
from tests.unit.registrations import (
    CREATE,
    PERIOD,
    RECEIVED,
    WORKER,
    cancel,
    create,
    decided,
    state,
    update,
)

pytestmark = pytest.mark.integration
PARC_PERIOD, PARC_WORKER = 680725377729, "90050100151"
R2, R3, R4, R5 = 680725400117, 680725400216, 680725400315, 680725400414
UPDATE, CANCEL, REFUSED = 680725400513, 680725400612, 680725400711


def period_in(number: int, ssin: str, employer: int = 175110801,
              declarant: str = "0403170701") -> DeclarationDecided:
    """A fixed worker's open OTH period from 1 July 2026, with the worker's names."""
    body = {"employer": {"employerId": employer},
            "worker": {"ssin": ssin, "familyName": "Peeters", "givenName": "An"},
            "dimonaIn": {"startDate": "2026-07-01", "features": {
                "jointCommissionNumber": "XXX", "workerType": "OTH"}}}
    s = submitted(body, number=number, employer_key=str(employer), declarant=declarant,
                  received=datetime(2026, 6, 30, 8, 0, tzinfo=RECEIVED.tzinfo))
    after = PeriodState(period_id=number, employer_key=str(employer), ssin=ssin,
                        joint_commission_number="XXX", worker_type="OTH",
                        start_date=date(2026, 7, 1))
    return DeclarationDecided(
        **s.model_dump(exclude={"event_type", "event_id", "origin", "schema_version"}),
        event_id=stable_id("decided", number), declaration_type="DIMONA_IN", result="A",
        period_id=number, period_after=after)


OPEN = state("2026-07-08", "1800")
CLOSED = OPEN.model_copy(update={"end_date": date(2026, 7, 9), "end_hour": "0200",
                                 "version": 2})
LUNCH = state("2026-07-09", "1000", "2026-07-09", "1400", number=R2)
NIGHT = state("2026-10-24", "2200", "2026-10-25", "0600", number=R3)  # 9 h: winter time
STILL_OPEN = state("2026-07-10", "1800", number=R4)
AT_PARC = state("2026-07-08", "0800", "2026-07-08", "1200", number=R5, period=PARC_PERIOD,
                ssin=PARC_WORKER, employer_key="197100119")


def history() -> list[DeclarationDecided]:
    """Two fixed workers' periods (Kroon, Parc) and their registrations: created open then
    closed by an update, created and cancelled, a night over the change of time, one left
    open, one at the Parc, and an update refused."""
    return [
        period_in(PERIOD, WORKER), period_in(PARC_PERIOD, PARC_WORKER, 197100119, "0876543270"),
        create(OPEN), update(UPDATE, OPEN, end="2026-07-09", end_hour="0200"),
        create(LUNCH), cancel(CANCEL, LUNCH), create(NIGHT), create(STILL_OPEN),
        create(AT_PARC, declarant="0876543270"),
        decided(REFUSED, {"action": "update", "registrationId": CREATE, "endHour": "0300"},
                CLOSED, None, result="B", received=RECEIVED.replace(hour=18))]


@pytest.fixture
def register(database_url):
    directory.load(database_url, DirectoryDocument(employers=[KROON, PARC]))
    writer = UpdateRegister(open_pool(database_url))
    writer.apply(history(), None)
    view = RegisterViews(writer.pool)
    view.writer, view.url = writer, database_url
    return view


def test_the_period_detail_lists_its_registrations_and_their_declarations(register):
    detail = register.period(PERIOD)
    # Status | Registration number | Date/time of reception | Date of start | Date/time of
    # start | Date of ending | Date/time of ending (seed 002), by start
    assert [(r["status"], r["registrationId"], r["receivedAt"], r["startDate"],
             r["startAt"], r["endDate"], r["endAt"], r["cancelled"], r["hours"])
            for r in detail["registrations"]] == [
        ("active", CREATE, "2026-07-08T17:00:00+02:00", "2026-07-08",
         "2026-07-08T18:00:00+02:00", "2026-07-09", "2026-07-09T02:00:00+02:00", False, 8.0),
        ("cancelled", R2, "2026-07-08T17:00:00+02:00", "2026-07-09",
         "2026-07-09T10:00:00+02:00", "2026-07-09", "2026-07-09T14:00:00+02:00", True, 4.0),
        ("open", R4, "2026-07-08T17:00:00+02:00", "2026-07-10", "2026-07-10T18:00:00+02:00",
         "2026-07-10", None, False, None),
        ("active", R3, "2026-07-08T17:00:00+02:00", "2026-10-24",
         "2026-10-24T22:00:00+02:00", "2026-10-25", "2026-10-25T06:00:00+01:00", False, 9.0)]
    assert [(r["version"], r["lastDeclarationId"]) for r in detail["registrations"]] == [
        (2, UPDATE), (2, CANCEL), (1, R4), (1, R3)]
    listed = detail["declarations"]
    assert "registrationId" not in listed[0]  # the Dimona IN is as it was
    assert [(d["declarationId"], d["declarationType"], d.get("registrationId"), d["result"],
             d["startDate"], d["startHour"], d["endDate"], d["endHour"])
            for d in listed[1:]] == [
        (CREATE, "DAILY_REGISTRATION", CREATE, "A", "2026-07-08", "1800", "2026-07-08", None),
        (R2, "DAILY_REGISTRATION", R2, "A", "2026-07-09", "1000", "2026-07-09", "1400"),
        (R3, "DAILY_REGISTRATION", R3, "A", "2026-10-24", "2200", "2026-10-25", "0600"),
        (R4, "DAILY_REGISTRATION", R4, "A", "2026-07-10", "1800", "2026-07-10", None),
        (UPDATE, "DAILY_REGISTRATION", CREATE, "A", None, None, "2026-07-09", "0200"),
        (CANCEL, "DAILY_REGISTRATION", R2, "A", None, None, None, None),
        (REFUSED, "DAILY_REGISTRATION", CREATE, "B", None, None, None, "0300")]
    assert register.period(PARC_PERIOD)["registrations"][0]["registrationId"] == R5


def test_a_registrations_result_and_declaration_detail(register):
    found = register.queries.result(UPDATE)
    assert found["result"] == {"declarationId": UPDATE, "declarationType": "DAILY_REGISTRATION",
                               "result": "A", "dailyRegistration": {"id": CREATE,
                                                                    "periodId": PERIOD},
                               "anomalies": []}
    assert found["result"] == history()[3].to_result_json()  # as the decision answers it
    assert "dailyRegistration" not in register.queries.result(PERIOD)["result"]
    six = register.declaration(UPDATE)
    assert (six["technical"]["registrationId"], six["criteria"]["periodId"],
            six["criteria"]["ssin"], six["worker"]["familyName"]) == (
        CREATE, PERIOD, WORKER, "Peeters")
    assert (six["registration"]["endHour"], six["registration"]["hours"]) == ("0200", 8.0)
    assert (six["content"]["endHour"], six["content"]["workerType"]) == ("0200", "OTH")
    dimona = register.declaration(PERIOD)
    assert "registration" not in dimona and "registrationId" not in dimona["technical"]


def test_an_employers_registrations_filtered_paged_and_exported(register):
    def ids(filters=None, page=None, employer="0403170701") -> list:
        found = register.registrations(employer, filters or RegistrationFilters(),
                                       page or Page())
        return [found["total"]] + [r["registrationId"] for r in found["items"]]

    assert ids() == [4, CREATE, R2, R4, R3]  # by start; the Parc's is not Kroon's
    assert ids(employer="175110801") == ids()
    assert ids(RegistrationFilters(period_id=PARC_PERIOD)) == [0]
    assert ids(RegistrationFilters(start_from=date(2026, 7, 9),
                                   start_to=date(2026, 7, 31))) == [2, R2, R4]
    assert ids(page=Page(limit=2, offset=1)) == [4, R2, R4]
    assert ids(employer="197100119") == [1, R5]
    found = register.registrations("175110801", RegistrationFilters(
        period_id=PERIOD, start_from=date(2026, 7, 8), start_to=date(2026, 7, 8)))
    assert found["criteria"] == {"periodId": PERIOD, "startFrom": "2026-07-08",
                                 "startTo": "2026-07-08"}
    [row] = found["items"]
    assert (row["ssin"], row["familyName"], row["givenName"], row["periodId"]) == (
        WORKER, "Peeters", "An", PERIOD)
    header, line = list(csv_rows("registrations", found["items"]))
    assert dict(zip(header, line, strict=True)) | {"receivedAt": None} == {
        "status": "active", "registrationId": CREATE, "receivedAt": None,
        "startDate": "2026-07-08", "startAt": "2026-07-08T18:00:00+02:00",
        "endDate": "2026-07-09", "endAt": "2026-07-09T02:00:00+02:00", "cancelled": False,
        "periodId": PERIOD, "ssin": WORKER, "familyName": "Peeters", "givenName": "An",
        "startHour": "1800", "endHour": "0200", "hours": 8.0}


def test_the_presence_of_a_quarter(register):
    q3 = register.presence("175110801", "2026Q3")
    assert (q3["quarter"], q3["from"], q3["to"]) == ("2026Q3", "2026-07-01", "2026-09-30")
    [worker] = q3["workers"]
    # the night of 8 July counts 8 hours on the 8th; the cancelled lunch of the 9th does
    # not count; the 10th is open: counted with 0 hours
    assert worker == {"ssin": WORKER, "familyName": "Peeters", "givenName": "An",
                      "periodIds": [PERIOD], "totalDays": 2, "totalHours": 8.0, "days": [
                          {"date": "2026-07-08", "hours": 8.0, "registrations": 1,
                           "open": False},
                          {"date": "2026-07-10", "hours": 0.0, "registrations": 1,
                           "open": True}]}
    assert q3["totals"] == {"workers": 1, "days": 2, "hours": 8.0}
    q4 = register.presence("0403170701", "2026Q4")
    assert [(d["date"], d["hours"]) for d in q4["workers"][0]["days"]] == [
        ("2026-10-24", 9.0)]
    assert register.presence("175110801", "2026Q2")["workers"] == []
    assert [w["ssin"] for w in register.presence("197100119", "2026Q3")["workers"]] == [
        PARC_WORKER]
    with pytest.raises(BadQuery):
        register.presence("175110801", "2026-07")


def test_redelivery_and_late_old_versions_change_nothing(register):
    def views() -> list:
        return [register.period(PERIOD), register.presence("175110801", "2026Q3"),
                register.registrations("175110801", RegistrationFilters())]

    before = views()
    register.writer.apply(history()[::-1], None)
    # a decision of version 1 arriving after version 2 does not move the row back
    late = create(OPEN).model_copy(update={"event_id": stable_id("late", CREATE)})
    register.writer.apply([late], None)
    assert views() == before


def test_a_register_from_before_registrations_is_migrated_in_place(database_url):
    with psycopg.connect(database_url) as conn:
        conn.execute("DROP TABLE register.registrations; "
                     "ALTER TABLE register.declarations DROP COLUMN registration_id; "
                     "ALTER TABLE register.notifications DROP COLUMN registration_id, "
                     "DROP COLUMN registration_before, DROP COLUMN registration_after")
    migrate(database_url)
    migrate(database_url)  # idempotent
    directory.load(database_url, DirectoryDocument(employers=[KROON, PARC]))
    writer = UpdateRegister(open_pool(database_url))
    writer.apply(history(), None)
    assert len(RegisterViews(writer.pool).period(PERIOD)["registrations"]) == 4


def test_decision_by_decision_the_register_is_the_same_as_in_one_batch(register, infra):
    url = infra.new_database()
    directory.load(url, DirectoryDocument(employers=[KROON, PARC]))
    one_by_one = UpdateRegister(open_pool(url))
    for decision in history():
        one_by_one.apply([decision], None)

    def shown(view: RegisterViews) -> list:
        return [view.period(PERIOD), view.presence("175110801", "2026Q3"),
                view.registrations("175110801", RegistrationFilters())]

    # the row an update writes keeps the reception time of the create applied before it
    assert shown(RegisterViews(one_by_one.pool)) == shown(register)
