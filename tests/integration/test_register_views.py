"""The personnel register's views (issue 5) on the real PostgreSQL, against hand-computed
expectations for the seeds' own screens: seed 000's June list of flexi periods, seed 002's
list of periods of one worker and its 322 (302) day contract. Also: redelivery changes
nothing, and each search filter selects what it says."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest

from schemas.declaration import ConstructionControlCards, Declaration, SmallStatutesInformation
from schemas.events import DeclarationDecided, PeriodState, stable_id
from services.common.db import open_pool
from services.directory import adapter as directory
from services.directory.domain import Directory, DirectoryDocument
from services.projections.application import RegisterViews, UpdateRegister
from services.projections.domain import BadQuery, Filters, Page
from services.projections.rebuild import Rebuild
from services.projections.writer import migrate
from services.validator.application import DecideDeclarations
from services.validator.eventlog import Declaration as Recorded
from services.validator.eventlog import open_event_store
from tests.unit.factories import KROON, PARC, submitted

pytestmark = pytest.mark.integration
BRUSSELS = ZoneInfo("Europe/Brussels")
JUNE = Filters(active_from=date(2026, 6, 1), active_to=date(2026, 6, 30),
               joint_commission_number="XXX", worker_type="FLX", exclude_cancelled=True)


def ssin(born: str, serial: int) -> str:
    """A valid SSIN of someone born in the 1900s on `born` (YYMMDD)."""
    base = f"{born}{serial:03d}"
    return base + f"{97 - int(base) % 97:02d}"


STEFAN, LIESE, GUY, DAPHNE = (ssin("850730", n) for n in (33, 35, 37, 39))


def at(text: str) -> datetime:
    """A Brussels local time, as the seeds show them."""
    return datetime.strptime(text, "%d-%m-%Y %H:%M").replace(tzinfo=BRUSSELS).astimezone(UTC)


DECLARANTS = {175110801: "0403170701", 197100119: "0876543270"}


def flexi(number: int, worker: str, given: str, start: str, end: str, employer=175110801,
          received: str | None = None, worker_type: str = "FLX"):
    """A flexi shift as seed 000 lists it ("02-06-2026 18:03", "03-06-2026 05:03"),
    declared when it starts (the last moment in time)."""
    sd, ed = (datetime.strptime(t, "%d-%m-%Y %H:%M") for t in (start, end))
    body = {"employer": {"employerId": employer},
            "worker": {"ssin": worker, "familyName": "Claes", "givenName": given},
            "dimonaIn": {"startDate": sd.date().isoformat(), "startHour": sd.strftime("%H%M"),
                         "endDate": ed.date().isoformat(), "endHour": ed.strftime("%H%M"),
                         "features": {"jointCommissionNumber": "XXX",
                                      "workerType": worker_type}}}
    return submitted(body, number=number, employer_key=str(employer),
                     received=at(received or start), declarant=DECLARANTS[employer])


@pytest.fixture
def register(database_url):
    decide = DecideDeclarations(open_event_store(database_url, create_table=False),
                                lambda: Directory([KROON, PARC]))
    writer = UpdateRegister(open_pool(database_url))
    directory.load(database_url, DirectoryDocument(employers=[KROON, PARC]))

    def record(*submissions) -> list[DeclarationDecided]:
        decided = decide(list(submissions))
        writer.apply(decided, None)
        return decided
    view = RegisterViews(writer.pool)
    view.record, view.writer = record, writer
    return view


def seed_000_june(register) -> list[DeclarationDecided]:
    """The five shifts of seed 000's list, and what its filters leave out: a cancelled
    shift, an OTH period, a shift in July, a shift at another employer."""
    return register.record(
        flexi(680367935862, STEFAN, "STEFAN", "02-06-2026 18:03", "03-06-2026 05:03"),
        flexi(680421419238, LIESE, "LIESE", "05-06-2026 16:24", "06-06-2026 00:51"),
        flexi(680421871401, GUY, "GUY", "05-06-2026 16:36", "05-06-2026 23:02"),
        flexi(680435285790, DAPHNE, "DAPHNE", "06-06-2026 15:28", "06-06-2026 19:11"),
        flexi(680446177265, DAPHNE, "DAPHNE", "07-06-2026 11:58", "07-06-2026 20:56"),
        flexi(680450000001, GUY, "GUY", "10-06-2026 10:00", "10-06-2026 14:00",
              received="09-06-2026 10:00"),
        submitted({"dimonaCancel": {"periodId": 680450000001}}, number=680450000002,
                  received=at("09-06-2026 11:00")),
        submitted({"employer": {"employerId": 175110801}, "worker": {"ssin": LIESE},
                   "dimonaIn": {"startDate": "2026-06-20", "features": {
                       "jointCommissionNumber": "XXX", "workerType": "OTH"}}},
                  number=680450000003, received=at("20-06-2026 08:00")),
        flexi(680450000004, STEFAN, "STEFAN", "01-07-2026 18:00", "01-07-2026 23:00",
              received="30-06-2026 12:00"),
        flexi(680450000005, STEFAN, "STEFAN", "03-06-2026 18:00", "03-06-2026 23:00",
              employer=197100119))


def test_seed_000_june_list_of_flexi_periods(register):
    assert {d.result for d in seed_000_june(register)} == {"A"}
    found = register.search("periods", "0403170701", JUNE)
    assert found["employer"] == {"name": "Brasserie De Kroon", "employerId": 175110801,
                                 "enterpriseNumber": "0403170701",
                                 "keys": ["0403170701", "175110801"]}
    assert found["total"] == 5
    # Status | Name | First name | INSZ | Period no. | PC (User) | Worker type | Start | End |
    # Duration | Date of last declaration: the columns of seed 000, row by row.
    assert [(p["status"], p["familyName"], p["givenName"], p["ssin"], p["periodId"],
             p["jointCommission"], p["workerType"], p["startDate"], p["startHour"],
             p["endDate"], p["endHour"], p["duration"], p["lastDeclarationAt"])
            for p in found["items"]] == [
        ("active", "Claes", "STEFAN", STEFAN, 680367935862, "XXX", "FLX", "2026-06-02",
         "1803", "2026-06-03", "0503", None, "2026-06-02T18:03:00+02:00"),
        ("active", "Claes", "LIESE", LIESE, 680421419238, "XXX", "FLX", "2026-06-05", "1624",
         "2026-06-06", "0051", None, "2026-06-05T16:24:00+02:00"),
        ("active", "Claes", "GUY", GUY, 680421871401, "XXX", "FLX", "2026-06-05", "1636",
         "2026-06-05", "2302", None, "2026-06-05T16:36:00+02:00"),
        ("active", "Claes", "DAPHNE", DAPHNE, 680435285790, "XXX", "FLX", "2026-06-06",
         "1528", "2026-06-06", "1911", None, "2026-06-06T15:28:00+02:00"),
        ("active", "Claes", "DAPHNE", DAPHNE, 680446177265, "XXX", "FLX", "2026-06-07",
         "1158", "2026-06-07", "2056", None, "2026-06-07T11:58:00+02:00")]
    assert found["criteria"] == {"activeFrom": "2026-06-01", "activeTo": "2026-06-30",
                                 "jointCommissionNumber": "XXX", "workerType": "FLX",
                                 "excludeCancelled": True}


def test_seed_000_as_workers_and_as_monthly_overview(register):
    seed_000_june(register)
    workers = register.search("workers", "175110801", JUNE)["items"]
    assert [(w["givenName"], w["ssin"]) for w in workers] == [
        ("DAPHNE", DAPHNE), ("GUY", GUY), ("LIESE", LIESE), ("STEFAN", STEFAN)]
    liese = workers[2]  # her OTH period from 20 June is open: the relation has no end
    assert (liese["relationStart"], liese["relationEnd"], liese["jointCommissions"],
            liese["workerTypes"]) == ("2026-06-05", None, ["XXX"], ["FLX", "OTH"])
    guy = workers[1]  # his cancelled shift of 10 June is not part of the relation
    assert (guy["relationStart"], guy["relationEnd"]) == ("2026-06-05", "2026-06-05")

    month = register.search("monthly", "175110801", Filters(worker_type="FLX"),
                            month="2026-06")["items"]
    # Hours of each shift, counted on its start day: 18:03-05:03 is 11 h, 16:24-00:51 is
    # 8 h 27 = 8.45, 16:36-23:02 is 6 h 26 = 6.43, 15:28-19:11 is 3 h 43 = 3.72,
    # 11:58-20:56 is 8 h 58 = 8.97.
    assert [(m["givenName"], {d: [e["hours"] for e in v] for d, v in m["days"].items()},
             m["daysWorked"], m["hours"]) for m in month] == [
        ("DAPHNE", {"2026-06-06": [3.72], "2026-06-07": [8.97]}, 2, 12.69),
        ("GUY", {"2026-06-05": [6.43]}, 1, 6.43),
        ("LIESE", {"2026-06-05": [8.45]}, 1, 8.45),
        ("STEFAN", {"2026-06-02": [11.0]}, 1, 11.0)]
    everything = register.search("monthly", "175110801", Filters(), month="2026-06")
    liese = [m for m in everything["items"] if m["ssin"] == LIESE][0]
    assert liese["daysWorked"] == 1 + 11  # her shift, then the open OTH from 20 to 30 June
    assert liese["days"]["2026-06-30"] == [{
        "periodId": 680450000003, "jointCommissionNumber": "XXX", "workerType": "OTH",
        "startHour": None, "endHour": None, "hours": None}]


def test_each_search_filter(register):
    seed_000_june(register)

    def ids(**filters) -> list[int]:
        found = register.search("periods", "175110801", Filters(**filters))
        assert found["total"] == len(found["items"])
        return [p["periodId"] % 1000 for p in found["items"]]

    assert ids() == [862, 238, 401, 790, 265, 1, 3, 4]  # the full register, by start
    assert ids(exclude_cancelled=True) == [862, 238, 401, 790, 265, 3, 4]
    assert ids(ssin=DAPHNE) == [790, 265]
    assert ids(name="dap") == ids(name="claes daphne") == [790, 265]
    assert ids(name="100%") == []  # LIKE wildcards are plain characters
    assert ids(worker_type="OTH") == [3]
    assert ids(joint_commission_number="302") == []
    assert ids(period_id=680421871401) == [401]
    assert ids(active_from=date(2026, 6, 6), active_to=date(2026, 6, 6)) == [238, 790]
    assert ids(active_from=date(2026, 8, 1), active_to=date(2026, 8, 1)) == [3]  # open
    page = register.search("periods", "175110801", Filters(), Page(limit=3, offset=3))
    assert (page["total"], [p["periodId"] % 1000 for p in page["items"]]) == (8, [790, 265, 1])
    with pytest.raises(BadQuery):
        Filters(active_from=date(2026, 6, 1))
    with pytest.raises(BadQuery):
        register.search("monthly", "175110801", Filters(), month="2026-13")
    with pytest.raises(BadQuery):  # the month is the range
        register.search("monthly", "175110801", JUNE, month="2026-06")
    with pytest.raises(BadQuery):
        register.search("periods", "kroon", Filters())


def decided(number: int, body: dict, received: str, after: PeriodState | None,
            result: str = "A") -> DeclarationDecided:
    """A decision as the validator records it, built by hand (see seed_002)."""
    s = submitted(body, number=number, received=at(received))
    return DeclarationDecided(
        **s.model_dump(exclude={"event_type", "event_id", "origin", "schema_version"}),
        event_id=stable_id("decided", number, result),
        declaration_type=Declaration.model_validate(body).declaration_type, result=result,
        period_id=after and after.period_id, period_after=after)


WORKER = ssin("730820", 151)


def period(number: int, worker_type: str, start: date, end: date | None, version: int = 1,
           **fields) -> PeriodState:
    return PeriodState(period_id=number, employer_key="175110801", ssin=WORKER,
                       joint_commission_number=fields.pop("jc", "XXX"),
                       worker_type=worker_type, start_date=start, end_date=end,
                       version=version, **fields)


def an_in(worker_type: str, start: date, end: date | None, **fields) -> dict:
    return {"employer": {"employerId": 175110801},
            "worker": {"ssin": WORKER, "familyName": "Dupont", "givenName": "Marc",
                       "nationality": "Belge", "gender": "M", "birthDate": "1973-08-20"},
            "dimonaIn": {"startDate": start.isoformat(),
                         **({"endDate": end.isoformat()} if end else {}),
                         "features": {"jointCommissionNumber": fields.pop("jc", "XXX"),
                                      "workerType": worker_type}, **fields}}


def seed_002() -> list[DeclarationDecided]:
    """Seed 002's list of periods of one worker (STG cancelled, FLX, O17 10 hours twice) and
    its "322 (302) EXT Journalier" row. Built by hand: the validator would refuse the O17 of
    4 May, which overlaps the FLX period of 3-4 May (docs/rules.md, Overlaps), while the
    NSSO's own screen shows both; the register shows whatever was decided."""
    may = lambda day: date(2022, 5, day)  # noqa: E731
    stg, flx = period(1001, "STG", may(2), may(2)), period(1002, "FLX", may(3), may(3))
    return [
        decided(1001, an_in("STG", may(2), may(2)), "02-05-2022 08:00", stg),
        decided(1003, an_in("O17", may(13), may(22), plannedHoursNumber=10),
                "09-05-2022 08:50", period(1003, "O17", may(13), may(22),
                                           planned_hours_number=10)),
        decided(1004, an_in("O17", may(4), may(4), plannedHoursNumber=10),
                "09-05-2022 08:59", period(1004, "O17", may(4), may(4),
                                           planned_hours_number=10, late=True)),
        decided(1002, an_in("FLX", may(3), may(3)), "02-05-2022 09:00", flx),
        decided(1005, {"dimonaCancel": {"periodId": 1001}}, "24-05-2022 10:38",
                stg.model_copy(update={"cancelled": True, "version": 2})),
        decided(1006, {"dimonaUpdate": {"periodId": 1002, "endDate": "2022-05-04"}},
                "24-05-2022 11:27", flx.model_copy(update={"end_date": may(4), "version": 2})),
        decided(1007, an_in("EXT", date(2023, 3, 12), date(2023, 3, 12), jc="322",
                            startHour="1000", usingEmployer={
                                "jointCommissionNumber": "302",
                                "enterpriseNumber": "0876543270"}),
                "11-03-2023 10:00", period(1007, "EXT", date(2023, 3, 12), date(2023, 3, 12),
                                           jc="322", start_hour="1000",
                                           using_joint_commission_number="302",
                                           using_enterprise_number="0876543270"))]


def test_seed_002_list_of_periods_and_worker_header(register):
    register.writer.apply(seed_002(), None)
    found = register.search("periods", "175110801", Filters(ssin=WORKER))["items"]
    # Status | Start | End | Duration | Period no. | JC | Worker type | Last declaration
    assert [(p["status"], p["startDate"], p["endDate"], p["duration"], p["periodId"],
             p["jointCommission"], p["workerType"], p["daily"], p["lastDeclarationAt"])
            for p in found] == [
        ("cancelled", "2022-05-02", "2022-05-02", None, 1001, "XXX", "STG", False,
         "2022-05-24T10:38:00+02:00"),
        ("active", "2022-05-03", "2022-05-04", None, 1002, "XXX", "FLX", False,
         "2022-05-24T11:27:00+02:00"),
        ("active", "2022-05-04", "2022-05-04", "10 hours", 1004, "XXX", "O17", False,
         "2022-05-09T08:59:00+02:00"),
        ("active", "2022-05-13", "2022-05-22", "10 hours", 1003, "XXX", "O17", False,
         "2022-05-09T08:50:00+02:00"),
        ("active", "2023-03-12", "2023-03-12", None, 1007, "322 (302)", "EXT", True,
         "2023-03-11T10:00:00+01:00")]
    assert [p["late"] for p in found] == [False, False, True, False, False]
    [worker] = register.search("workers", "175110801", Filters(ssin=WORKER))["items"]
    # The relation starts with the FLX of 3 May: the cancelled STG of 2 May is left out
    # of the relation and of its worker types, as on seed 002's worker header.
    assert {k: worker[k] for k in ("ssin", "familyName", "givenName", "nationality",
                                   "birthDate", "gender", "relationStart", "relationEnd",
                                   "jointCommissions", "workerTypes")} == {
        "ssin": WORKER, "familyName": "Dupont", "givenName": "Marc", "nationality": "Belge",
        "birthDate": "1973-08-20", "gender": "M", "relationStart": "2022-05-03",
        "relationEnd": "2023-03-12", "jointCommissions": ["322", "XXX"],
        "workerTypes": ["EXT", "FLX", "O17"]}
    only_user = register.search("periods", "175110801",
                                Filters(user_enterprise_number="876543270"))["items"]
    assert [p["periodId"] for p in only_user] == [1007]


def test_seed_002_period_and_declaration_detail(register):
    register.writer.apply(seed_002(), None)
    detail = register.period(1002)
    assert (detail["period"]["periodId"], detail["period"]["cancelled"],
            detail["worker"]["familyName"]) == (1002, False, "Dupont")
    assert [(d["declarationId"], d["declarationType"], d["receivedAt"], d["startDate"],
             d["endDate"], d["result"]) for d in detail["declarations"]] == [
        (1002, "DIMONA_IN", "2022-05-02T09:00:00+02:00", "2022-05-03", "2022-05-03", "A"),
        (1006, "DIMONA_UPDATE", "2022-05-24T11:27:00+02:00", None, "2022-05-04", "A")]
    assert detail["notifications"] == []  # written by the notifier (issue 6)

    six = register.declaration(1004)
    assert six["criteria"] == {"register": "full", "ssin": WORKER, "periodId": 1004,
                               "declarationId": 1004}
    assert six["worker"]["relationStart"] == "2022-05-03"
    assert (six["period"]["periodId"], six["period"]["duration"]) == (1004, "10 hours")
    assert six["technical"] == {
        "declarationId": 1004, "declarationType": "DIMONA_IN", "result": "A",
        "channel": "webservice", "receivedAt": "2022-05-09T08:59:00+02:00",
        "declarant": "0403170701", "batchRef": None, "line": None, "anomalies": []}
    assert six["content"] == {
        "startDate": "2022-05-04", "startHour": None, "endDate": "2022-05-04",
        "endHour": None, "jointCommissionNumber": "XXX", "usingJointCommissionNumber": None,
        "workerType": "O17", "plannedHoursNumber": 10, "references": {}}
    cancel = register.declaration(1005)  # a CANCEL carries only the period number
    assert (cancel["criteria"]["ssin"], cancel["content"]["workerType"]) == (WORKER, "STG")
    assert register.declaration(999) is None and register.period(999) is None


def test_redelivery_changes_no_view(register):
    history = seed_002()
    register.writer.apply(history, None)

    def views() -> list:
        return [register.search(p, "175110801", Filters(), month="2022-05")
                for p in ("workers", "periods", "monthly")] + [
            register.period(1001), register.declaration(1006)]

    before = views()
    register.writer.apply(history[::-1], None)  # again, in another order
    register.writer.apply(history[3:5], None)
    assert views() == before


def test_pages_applied_in_one_transaction_as_the_rebuild_does(register):
    """The period opened on the first page changes on the second: each page is merged on
    its own."""
    history = seed_002()
    with register.writer.pool.connection() as conn, conn.transaction():
        register.writer.apply_in(conn, history[:4], None)
        register.writer.apply_in(conn, history[4:], None)
    found = register.search("periods", "175110801", Filters())["items"]
    assert [(p["periodId"], p["cancelled"], p["endDate"]) for p in found][:2] == [
        (1001, True, "2022-05-02"), (1002, False, "2022-05-04")]


def test_quotas_of_students_and_horeca_extras(register):
    student = ssin("040101", 7)
    extra = ssin("850730", 41)

    def stu(number: int, employer: int, hours: int, end: str = "2026-07-31") -> object:
        return submitted({"employer": {"employerId": employer}, "worker": {"ssin": student},
                          "dimonaIn": {"startDate": "2026-07-08", "endDate": end,
                                       "plannedHoursNumber": hours, "features": {
                                           "jointCommissionNumber": "XXX",
                                           "workerType": "STU"}}},
                         number=number, employer_key=str(employer),
                         declarant=DECLARANTS[employer])

    def ext(number: int, day: str) -> object:
        return submitted({"employer": {"employerId": 175110801}, "worker": {"ssin": extra},
                          "dimonaIn": {"startDate": day, "endDate": day, "startHour": "1000",
                                       "endHour": "1500", "features": {
                                           "jointCommissionNumber": "302",
                                           "workerType": "EXT"}}}, number=number)

    results = register.record(stu(700000001, 175110801, 100), stu(700000002, 197100119, 50),
                              ext(700000003, "2026-07-08"), ext(700000004, "2026-07-09"))
    assert [d.result for d in results] == ["A"] * 4
    register.record(submitted({"dimonaCancel": {"periodId": 700000004}}, number=700000005))
    found = register.quotas("175110801", 2026)
    # 100 hours here and 50 at Parc: 150 of 650 used; one extra day left after the cancel
    assert (found["horecaDays"], [(w["ssin"], w["studentHours"], w["horecaDays"])
                                  for w in found["workers"]]) == (
        {"used": 1, "left": 199, "limit": 200}, [
            (student, {"used": 150, "left": 500, "limit": 650},
             {"used": 0, "left": 50, "limit": 50}),
            (extra, {"used": 0, "left": 650, "limit": 650},
             {"used": 1, "left": 49, "limit": 50})])
    assert [w["ssin"] for w in register.quotas("197100119", 2026)["workers"]] == [student]
    assert register.quotas("175110801", 2026, ssin=extra)["workers"][0]["ssin"] == extra
    assert register.quotas("175110801", 2025)["workers"] == []


def test_a_changed_period_replaces_its_quota_rows_and_a_cancelled_one_drops_them(register):
    """A student's period counts its planned hours once, as they are now (the writer deletes
    the rows of each changed period, then copies the new ones)."""
    july = date(2026, 7, 1)
    stu = period(2001, "STU", july, date(2026, 7, 31), planned_hours_number=20)
    more = stu.model_copy(update={"planned_hours_number": 30, "version": 2})
    steps = [
        decided(2001, an_in("STU", july, date(2026, 7, 31), plannedHoursNumber=20),
                "01-06-2026 09:00", stu),
        decided(2002, {"dimonaUpdate": {"periodId": 2001, "plannedHoursNumber": 30}},
                "02-06-2026 09:00", more),
        decided(2003, {"dimonaCancel": {"periodId": 2001}}, "03-06-2026 09:00",
                more.model_copy(update={"cancelled": True, "version": 3}))]

    def quota_rows() -> list[tuple]:
        with register.writer.pool.connection() as conn:
            return conn.execute("SELECT kind, subject, year, hours FROM register.quota_usage "
                                "WHERE period_id = 2001").fetchall()

    seen = []
    for step in steps:
        register.writer.apply([step], None)
        seen.append(quota_rows())
    assert seen == [[("STUDENT", WORKER, 2026, 20)], [("STUDENT", WORKER, 2026, 30)], []]


CARDS = ConstructionControlCards(first_month_c32a_number="124000000017",
                                 next_month_c32a_number="124000000025")
STATUTES = SmallStatutesInformation(employment_nature="WORKER", activity_with_risk=11,
                                    worker_status="F1")
SUB_ENTITY = "0123456789"


def recorded(database_url: str, decisions: list[DeclarationDecided]) -> None:
    """Decisions in the validator's event store, as it records them: what a rebuild
    replays."""
    store = open_event_store(database_url, create_table=False)
    try:
        store.save(*[Recorded(d.declaration_id, d.model_dump(mode="json")) for d in decisions])
    finally:
        store.close()


def test_an_in_s_sub_entity_control_cards_and_small_statutes_in_the_period_detail(
        register, database_url):
    """What only some INs give their period (a public employer's sub-entity, a construction
    worker's C3.2A cards, an intern's small statutes) stays with it through an UPDATE, is
    shown in its detail (none for a period without), not in the lists, and is rebuilt the
    same from the event store."""
    september = date(2026, 9, 1)
    made = period(2101, "STG", september, date(2026, 9, 30), jc="124",
                  sub_entity_number=SUB_ENTITY, control_cards=CARDS, small_statutes=STATUTES)
    body = an_in("STG", september, date(2026, 9, 30), jc="124",
                 constructionControlCards=CARDS.to_json_dict(),
                 smallStatutesInformation=STATUTES.to_json_dict())
    body["dimonaIn"]["features"]["subEntityNumber"] = SUB_ENTITY
    history = [
        decided(2101, body, "25-08-2026 09:00", made),
        decided(2102, {"dimonaUpdate": {"periodId": 2101, "endDate": "2026-10-15"}},
                "26-08-2026 09:00", made.model_copy(update={"end_date": date(2026, 10, 15),
                                                            "version": 2})),
        decided(2103, an_in("OTH", september, None), "25-08-2026 10:00",
                period(2103, "OTH", september, None))]
    recorded(database_url, history)
    register.writer.apply(history, None)

    shown = register.period(2101)["period"]
    assert {k: shown[k] for k in ("endDate", "subEntityNumber", "constructionControlCards",
                                  "smallStatutesInformation")} == {
        "endDate": "2026-10-15", "subEntityNumber": "0123456789",
        "constructionControlCards": {"firstMonthC32ANumber": "124000000017",
                                     "nextMonthC32ANumber": "124000000025"},
        "smallStatutesInformation": {"employmentNature": "WORKER", "activityWithRisk": 11,
                                     "workerStatus": "F1"}}
    assert register.declaration(2102)["period"]["constructionControlCards"] == {
        "firstMonthC32ANumber": "124000000017", "nextMonthC32ANumber": "124000000025"}
    plain = register.period(2103)["period"]
    assert (plain["subEntityNumber"], plain["constructionControlCards"],
            plain["smallStatutesInformation"]) == (None, None, None)
    [listed] = register.search("periods", "175110801", Filters(period_id=2101))["items"]
    assert not {"subEntityNumber", "constructionControlCards",
                "smallStatutesInformation"} & set(listed)
    with psycopg.connect(database_url) as conn:
        assert conn.execute(
            "SELECT period_id, sub_entity_number, control_cards, small_statutes FROM "
            "register.periods WHERE period_id IN (2101, 2103) ORDER BY period_id"
        ).fetchall() == [
            (2101, "0123456789", {"firstMonthC32ANumber": "124000000017",
                                  "nextMonthC32ANumber": "124000000025"},
             {"employmentNature": "WORKER", "activityWithRisk": 11, "workerStatus": "F1"}),
            (2103, None, None, None)]

    assert Rebuild(database_url).run(verify=True) == (3, [])
    with psycopg.connect(database_url) as conn:  # live and rebuilt differ: --verify says so
        conn.execute("UPDATE register.periods SET control_cards = NULL WHERE period_id = 2101")
    [difference] = Rebuild(database_url).run(verify=True)[1]
    assert (difference.table, difference.key, difference.columns) == (
        "periods", 2101, ("control_cards",))
    assert Rebuild(database_url).run(verify=False) == (3, [])
    assert register.period(2101)["period"]["constructionControlCards"] == {
        "firstMonthC32ANumber": "124000000017", "nextMonthC32ANumber": "124000000025"}


def test_a_register_of_before_gets_the_new_period_columns(database_url):
    """A register made before the sub-entity, control cards and small statutes gets them
    when migrated (its periods without: NULL)."""
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute("ALTER TABLE register.periods DROP COLUMN sub_entity_number, "
                     "DROP COLUMN control_cards, DROP COLUMN small_statutes")
    migrate(database_url)
    with psycopg.connect(database_url) as conn:
        assert conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE "
            "table_schema = 'register' AND table_name = 'periods' AND column_name IN "
            "('sub_entity_number', 'control_cards', 'small_statutes') ORDER BY 1"
        ).fetchall() == [("control_cards", "jsonb"), ("small_statutes", "jsonb"),
                         ("sub_entity_number", "text")]
