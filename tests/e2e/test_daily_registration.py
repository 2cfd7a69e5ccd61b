"""Daily registration for horeca (issue 22), a golden scenario through a running stack, by
HTTP and the CLI as an employer and an operator use them.

Brasserie De Kroon chooses the Dimona system for its daily registrations. Its fixed worker
(OTH, JC XXX, an open-ended IN) works a week of six evenings, each from 18:00 to 02:00 the
next day: each evening's registration is created without its end hour (the end date is the
next day) and completed the next morning by an update with the end hour 0200; one evening
is cancelled. The quarter's presence, computed here by hand: 5 days of 8 hours, 40 hours.
Two nights over the change to winter time (Saturday 24 October 2026): 18:00 to 02:00
counts 9 hours, 18:00 to 04:00 11 hours. Beside them, every refusal of the kind: a
registration before the choice (00913-461), on an EXT or STU period or a day the period
does not cover (00913-462), an overlap (90480-334), an update that changes nothing
(90480-444), an unknown registration (01085-354). The stack is its own (Kroon must not
have chosen before the scenario begins); it ends with a clean `dimona rebuild --verify`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.intake.domain import declaration_number
from tests.conftest import StackProcess, wait_until
from tests.e2e.workload import ssin

pytestmark = pytest.mark.e2e
BRUSSELS = ZoneInfo("Europe/Brussels")
KROON_ID, PARC_ID = 175110801, 197100119
KROON = {"Authorization": "Bearer kroon-secret-token"}
PARC = {"Authorization": "Bearer parc-secret-token"}
AUDITOR = {"Authorization": "Bearer auditor-secret-token"}
FIXED = {"jointCommissionNumber": "XXX", "workerType": "OTH"}
WORKER, NIGHT_WORKER, LONG_NIGHT_WORKER, EXTRA, STUDENT, PARC_WORKER = (
    ssin(22_000 + n) for n in range(6))
DST_NIGHT = date(2026, 10, 24)  # Saturday; the clocks go back at 03:00 on Sunday 25
NEVER_GIVEN = declaration_number(9_999_999_999)  # a well-formed number intake never gave


def quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def offset(day: date) -> timedelta:
    return datetime.combine(day, time(12), tzinfo=BRUSSELS).utcoffset()


def quiet_week(after: date) -> date:
    """The first Monday after `after` whose six evenings and nights (Monday 18:00 to
    Sunday 02:00) lie in one quarter and cross no change of time: each shift then lasts
    its 8 hours on the clock."""
    day = after + timedelta(days=7 - after.weekday())
    while quarter(day) != quarter(day + timedelta(days=6)) or offset(day) != offset(
            day + timedelta(days=7)):
        day += timedelta(days=7)
    return day


WEEK = quiet_week(date.today() + timedelta(days=14))  # far enough: nothing is late
EVENINGS = [WEEK + timedelta(days=i) for i in range(6)]
CANCELLED = 3  # Thursday's evening is cancelled
HOURS_BY_HAND = 8 * (len(EVENINGS) - 1)  # 18:00 to 02:00 is 6 + 2 hours: 40 hours


class Employer:
    """What an employer's payroll package does over the REST API."""

    def __init__(self, api: str, headers: dict):
        self.api, self.headers = api, headers

    def declare(self, body: dict) -> int:
        answer = httpx.post(f"{self.api}/declarations", json=body, headers=self.headers)
        assert answer.status_code == 201, answer.text
        return answer.json()["declarationId"]

    def answer(self, number: int) -> dict:
        """GET /declarations/{number}, once decided."""
        def decided():
            r = httpx.get(f"{self.api}/declarations/{number}", headers=self.headers)
            assert r.status_code in (200, 404), r.text
            return r.json() if r.status_code == 200 else None
        return wait_until(decided, 60, f"the result of {number}")

    def decided(self, body: dict) -> tuple[int, dict]:
        """Declares and waits for the decision: (number, declarationStatus)."""
        number = self.declare(body)
        return number, self.answer(number)["declarationStatus"]


def fixed_in(employer: int, worker: str, start: date) -> dict:
    return {"employer": {"employerId": employer}, "worker": {"ssin": worker},
            "dimonaIn": {"startDate": start.isoformat(), "features": FIXED}}


def create(period: int, day: date, end_hour: str | None = None, start_hour: str = "1800",
           end_day: date | None = None) -> dict:
    registration = {"action": "create", "periodId": period, "startDate": day.isoformat(),
                    "startHour": start_hour,
                    "endDate": (end_day or day + timedelta(days=1)).isoformat()}
    if end_hour is not None:
        registration["endHour"] = end_hour
    return {"dailyRegistration": registration}


def update(registration: int, end_hour: str) -> dict:
    return {"dailyRegistration": {"action": "update", "registrationId": registration,
                                  "endHour": end_hour}}


def cancel(registration: int) -> dict:
    return {"dailyRegistration": {"action": "cancel", "registrationId": registration}}


def codes(status: dict) -> list[str]:
    return [a["code"] for a in status["anomalies"]]


def accepted(number: int, period: int, registration: int | None = None) -> dict:
    """The declarationStatus of an accepted daily registration (docs/interface.md §7)."""
    return {"declarationId": number, "result": "A", "anomalies": [],
            "dailyRegistration": {"id": registration or number, "periodId": period}}


def presence(stack: StackProcess, employer: int, of_quarter: str) -> dict:
    return json.loads(stack.cli("register", "presence", "--employer", str(employer),
                                "--quarter", of_quarter, "--json").stdout)


@pytest.fixture(scope="module")
def horeca(tmp_path_factory) -> StackProcess:
    """A stack of its own: Kroon has chosen no system when the scenario begins."""
    stack = StackProcess(tmp_path_factory.mktemp("daily-registration")).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def week(horeca) -> dict:
    """The whole scenario, declared in the order an employer would; the tests below read
    what it recorded and what the system answered."""
    kroon, seen = Employer(horeca.api, KROON), {}
    period, status = kroon.decided(fixed_in(KROON_ID, WORKER, WEEK - timedelta(days=7)))
    seen["period"], seen["in"] = period, status
    # Monday's registration comes before Kroon chose its system: refused.
    seen["before choice"] = kroon.decided(create(period, EVENINGS[0], "0200"))
    seen["choice"] = httpx.put(f"{horeca.api}/employers/{KROON_ID}/daily-registration-system",
                               json={"system": "dimona"}, headers=KROON)
    seen["evenings"] = []
    for i, evening in enumerate(EVENINGS):
        created, created_status = kroon.decided(create(period, evening))  # no end hour yet
        if i == 0:  # Monday night, before the update: an open day of 0 hours
            seen["open presence"] = presence(horeca, KROON_ID, quarter(WEEK))
            seen["open registrations"] = json.loads(horeca.cli(
                "register", "registrations", "--employer", str(KROON_ID), "--json").stdout)
        updated, updated_status = kroon.decided(update(created, "0200"))  # the next morning
        seen["evenings"].append({"create": created, "create status": created_status,
                                 "update": updated, "update status": updated_status})
    thursday = seen["evenings"][CANCELLED]["create"]
    seen["cancel"] = kroon.decided(cancel(thursday))
    monday = seen["evenings"][0]["create"]
    seen["refused"] = {
        "overlap": kroon.decided(create(period, EVENINGS[0], "0100", start_hour="2200")),
        "no change": kroon.decided(update(monday, "0200")),
        "unknown update": kroon.decided(update(NEVER_GIVEN, "0300")),
        "unknown cancel": kroon.decided(cancel(period)),  # a period is no registration
        "before the period": kroon.decided(create(period, WEEK - timedelta(days=8), "2300",
                                                  end_day=WEEK - timedelta(days=8))),
    }
    # the incompatible periods: a horeca extra's and a student's, on Tuesday
    extra, extra_status = kroon.decided({
        "employer": {"employerId": KROON_ID}, "worker": {"ssin": EXTRA},
        "dimonaIn": {"startDate": EVENINGS[1].isoformat(), "startHour": "1800",
                     "endDate": EVENINGS[1].isoformat(), "endHour": "2300",
                     "features": {"jointCommissionNumber": "302", "workerType": "EXT"}}})
    student, student_status = kroon.decided({
        "employer": {"employerId": KROON_ID}, "worker": {"ssin": STUDENT},
        "dimonaIn": {"startDate": EVENINGS[0].isoformat(),
                     "endDate": EVENINGS[5].isoformat(), "plannedHoursNumber": 20,
                     "features": {"jointCommissionNumber": "XXX", "workerType": "STU"}}})
    seen["incompatible"] = {
        "periods": [extra_status, student_status],
        "EXT": kroon.decided(create(extra, EVENINGS[1], "2300", end_day=EVENINGS[1])),
        "STU": kroon.decided(create(student, EVENINGS[1], "2300", end_day=EVENINGS[1]))}
    # Hôtel du Parc chooses by the operator's CLI, then registers its fixed worker's evening
    parc = Employer(horeca.api, PARC)
    parc_period, parc_in = parc.decided(fixed_in(PARC_ID, PARC_WORKER, WEEK))
    seen["parc"] = {"period": parc_period, "in": parc_in,
                    "choice": horeca.cli("directory", "daily-registration", str(PARC_ID),
                                         "dimona"),
                    "registration": parc.decided(create(parc_period, EVENINGS[2], "2330",
                                                        end_day=EVENINGS[2]))}
    # two nights over the change of time, registered with their end at once: 18:00 to
    # 02:00, and 18:00 to 04:00 (a wall-clock end the clocks show once)
    for name, worker, end in (("night", NIGHT_WORKER, "0200"),
                              ("long night", LONG_NIGHT_WORKER, "0400")):
        night_period, night_in = kroon.decided(fixed_in(KROON_ID, worker, date(2026, 10, 1)))
        seen[name] = {"period": night_period, "in": night_in,
                      "registration": kroon.decided(create(night_period, DST_NIGHT, end))}
    return seen


def registrations_of(week: dict) -> list[int]:
    """Every declaration of the scenario that is a daily registration, refused or not."""
    numbers = [week["before choice"][0], week["cancel"][0], week["night"]["registration"][0],
               week["long night"]["registration"][0],
               *(n for n, _ in week["refused"].values()),
               week["incompatible"]["EXT"][0], week["incompatible"]["STU"][0]]
    return numbers + [e[k] for e in week["evenings"] for k in ("create", "update")]


def test_the_fixed_worker_is_declared_and_kroon_chooses_the_dimona_system(horeca, week):
    assert (week["in"]["result"], week["in"]["period"]) == ("A", {"id": week["period"]})
    number, refused = week["before choice"]
    assert (refused["result"], codes(refused)) == ("B", ["00913-461"])
    assert week["choice"].status_code == 200, week["choice"].text
    chosen = week["choice"].json()
    assert (chosen["employerId"], chosen["system"]) == (KROON_ID, "dimona")
    # the refused registration was received before the choice
    [(received,)] = horeca.sql("SELECT received_at FROM intake.submissions "
                               "WHERE declaration_id = %s", (number,))
    assert received < datetime.fromisoformat(chosen["chosenAt"])
    # choosing is the employer's (or its mandatary's): not anonymous, not another employer,
    # and only "dimona" or "dimona+cashRegister"
    url = f"{horeca.api}/employers/{KROON_ID}/daily-registration-system"
    assert httpx.put(url, json={"system": "dimona"}).status_code == 401
    assert httpx.put(url, json={"system": "dimona"}, headers=PARC).status_code == 403
    assert httpx.put(url, json={"system": "paper"}, headers=KROON).status_code == 422


def test_hotel_du_parc_chooses_by_the_cli_and_registers(week):
    parc = week["parc"]
    assert parc["in"]["result"] == "A"
    assert parc["choice"].returncode == 0
    number, status = parc["registration"]
    assert status == accepted(number, parc["period"])


def test_every_evening_is_created_open_and_completed_the_next_morning(horeca, week):
    period = week["period"]
    for evening in week["evenings"]:
        created = evening["create"]
        assert evening["create status"] == accepted(created, period)
        # an update answers with the registration it changed
        assert evening["update status"] == accepted(evening["update"], period, created)
    thursday = week["evenings"][CANCELLED]["create"]
    number, cancelled = week["cancel"]
    assert cancelled == accepted(number, period, thursday)
    # GET /declarations/{id}: the declaration as received, then its status
    monday = week["evenings"][0]["create"]
    answer = Employer(horeca.api, KROON).answer(monday)
    assert answer["dailyRegistration"] == create(period, EVENINGS[0])["dailyRegistration"]
    assert "employer" not in answer and "worker" not in answer
    assert answer["declarationStatus"] == accepted(monday, period)


def test_each_refusal_has_its_code(week):
    found = {name: (status["result"], codes(status))
             for name, (_, status) in week["refused"].items()}
    assert found == {"overlap": ("B", ["90480-334"]), "no change": ("B", ["90480-444"]),
                     "unknown update": ("B", ["01085-354"]),
                     "unknown cancel": ("B", ["01085-354"]),
                     "before the period": ("B", ["00913-462"])}
    incompatible = week["incompatible"]
    assert [s["result"] for s in incompatible["periods"]] == ["A", "A"]
    for kind in ("EXT", "STU"):
        _, status = incompatible[kind]
        assert (status["result"], codes(status)) == ("B", ["00913-462"]), kind


def test_the_period_lists_its_six_registrations_one_cancelled(horeca, week):
    detail = httpx.get(f"{horeca.api}/register/periods/{week['period']}", headers=KROON)
    assert detail.status_code == 200, detail.text
    listed = detail.json()["registrations"]
    thursday = week["evenings"][CANCELLED]["create"]
    assert [(r["registrationId"], r["startDate"], r["startHour"], r["endDate"], r["endHour"],
             r["cancelled"]) for r in listed] == [
        (e["create"], day.isoformat(), "1800", (day + timedelta(days=1)).isoformat(), "0200",
         e["create"] == thursday) for e, day in zip(week["evenings"], EVENINGS, strict=True)]
    assert [r["status"] for r in listed] == [
        "cancelled" if i == CANCELLED else "active" for i in range(6)]
    assert all(r["hours"] == 8 for r in listed)
    # the CLI shows the same period detail
    same = json.loads(horeca.cli("register", "period", str(week["period"]), "--json").stdout)
    assert same["registrations"] == listed


def test_the_employer_lists_its_registrations_by_cli_csv_and_http(horeca, week):
    expected = sorted([e["create"] for e in week["evenings"]]
                      + [week[n]["registration"][0] for n in ("night", "long night")])
    listed = json.loads(horeca.cli("register", "registrations", "--employer", str(KROON_ID),
                                   "--json").stdout)
    assert sorted(r["registrationId"] for r in listed) == expected
    rows = list(csv.DictReader(io.StringIO(horeca.cli(
        "register", "registrations", "--employer", "0403170701", "--csv").stdout)))
    assert sorted(int(r["registrationId"]) for r in rows) == expected
    answer = httpx.get(f"{horeca.api}/register/registrations",
                       params={"employer": str(KROON_ID)}, headers=KROON)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == len(expected)
    assert sorted(r["registrationId"] for r in answer.json()["items"]) == expected
    assert httpx.get(f"{horeca.api}/register/registrations",
                     params={"employer": str(KROON_ID)}, headers=PARC).status_code == 404


def test_an_evening_without_its_end_hour_counts_open_with_no_hours(week):
    """Monday, before the next morning's update."""
    workers = week["open presence"]["workers"]
    assert [(w["ssin"], [(d["date"], d["hours"], d["open"]) for d in w["days"]])
            for w in workers] == [(WORKER, [(EVENINGS[0].isoformat(), 0, True)])]
    assert [(r["registrationId"], r["status"], r["endDate"], r["endHour"], r["hours"])
            for r in week["open registrations"]] == [
        (week["evenings"][0]["create"], "open", EVENINGS[1].isoformat(), None, None)]


def test_the_quarter_presence_is_what_the_hand_computes(horeca, week):
    """5 evenings of 18:00 to 02:00 (Thursday's cancelled), each counted on the day it
    starts: 40 hours in the quarter of the week, none in the next."""
    counted = [d for i, d in enumerate(EVENINGS) if i != CANCELLED]
    by_cli = presence(horeca, KROON_ID, quarter(WEEK))
    [worker] = [w for w in by_cli["workers"] if w["ssin"] == WORKER]
    assert [(d["date"], d["hours"], d["open"]) for d in worker["days"]] == [
        (d.isoformat(), 8, False) for d in counted]
    assert (worker["totalDays"], worker["totalHours"]) == (5, HOURS_BY_HAND) == (5, 40)
    by_http = httpx.get(f"{horeca.api}/register/presence",
                        params={"employer": str(KROON_ID), "quarter": quarter(WEEK)},
                        headers=KROON)
    assert by_http.status_code == 200, by_http.text
    assert by_http.json() == by_cli
    following = presence(horeca, KROON_ID, quarter(WEEK + timedelta(days=92)))
    assert [w for w in following["workers"] if w["ssin"] == WORKER] == []


def night_counted(horeca: StackProcess, week: dict, name: str, worker: str) -> list:
    night = week[name]
    # declared after the night: the IN is late (a warning), the registration is not
    assert (night["in"]["result"], codes(night["in"])) == ("W", ["90373-460"])
    number, status = night["registration"]
    assert status == accepted(number, night["period"])
    found = presence(horeca, KROON_ID, "2026Q4")
    [counted] = [w for w in found["workers"] if w["ssin"] == worker]
    return [(d["date"], d["hours"], d["open"]) for d in counted["days"]]


def test_a_night_over_the_change_to_winter_time_counts_its_real_hours(horeca, week):
    """Saturday 24 October 2026, 18:00 summer time (UTC+2, 16:00 UTC) to Sunday 04:00
    winter time (UTC+1, 03:00 UTC; the clocks went back from 03:00 to 02:00): 11 hours
    worked, 10 on the clock."""
    by_hand = datetime(2026, 10, 25, 3, 0) - datetime(2026, 10, 24, 16, 0)  # in UTC
    assert by_hand == timedelta(hours=11)
    assert night_counted(horeca, week, "long night", LONG_NIGHT_WORKER) == [
        (DST_NIGHT.isoformat(), 11, False)]


def test_the_night_18_to_02_over_the_change_to_winter_time_counts_eight_hours(horeca, week):
    """Saturday 24 October 2026, 18:00 (summer time, UTC+2) to Sunday 02:00. 02:00 is shown
    twice that night; the project reads an hour shown twice as its first occurrence (summer
    time, 00:00 UTC: docs/adr/0009-daily-registration.md), so the shift ends before the
    clocks go back and counts 8 hours."""
    by_hand = datetime(2026, 10, 25, 0, 0) - datetime(2026, 10, 24, 16, 0)  # in UTC
    assert by_hand == timedelta(hours=8)
    assert night_counted(horeca, week, "night", NIGHT_WORKER) == [
        (DST_NIGHT.isoformat(), 8, False)]


def test_the_ebox_confirms_each_registration_decision(horeca, week):
    numbers = registrations_of(week)

    def confirmed():
        messages = json.loads(horeca.cli("ebox", "list", "--declarant", "0403170701",
                                         "--limit", "1000", "--json").stdout)
        mine = [m for m in messages if m["declarationId"] in numbers]
        return mine if len(mine) >= len(numbers) else None
    messages = wait_until(confirmed, 60, "an e-Box message per registration decision")
    assert sorted(m["declarationId"] for m in messages) == sorted(numbers)  # each once
    results = {m["declarationId"]: m["result"] for m in messages}
    assert results[week["evenings"][0]["update"]] == "A"
    assert results[week["refused"]["overlap"][0]] == "B"
    # the update's message shows the registration before and after
    update = next(m for m in messages if m["declarationId"] == week["evenings"][0]["update"])
    shown = json.loads(horeca.cli("ebox", "show", update["messageId"], "--json").stdout)
    content = shown["content"]
    assert content["declarations"]["registrationId"] == week["evenings"][0]["create"]
    assert (content["registrationBefore"]["endHour"], content["registrationAfter"]["endHour"]
            ) == (None, "0200")


def test_the_audit_log_shows_a_registration_from_its_create(horeca, week):
    monday = week["evenings"][0]["create"]

    def logged():
        done = horeca.cli("audit", "log", "--declaration", str(monday), "--json")
        events = [json.loads(line) for line in done.stdout.splitlines()]
        return events if [e["event"] for e in events] == ["received", "decided",
                                                          "notified"] else None
    received, decided, notified = wait_until(logged, 60, "the audit log of the create")
    assert (received["declarationType"], received["action"]) == ("DAILY_REGISTRATION",
                                                                 "create")
    assert (decided["result"], decided["registrationId"], decided["periodId"]) == (
        "A", monday, week["period"])
    assert notified["channel"] == "ebox"
    text = horeca.cli("audit", "log", "--declaration", str(monday)).stdout
    assert "DAILY_REGISTRATION create" in text and f"registration {monday}" in text


def test_the_rebuilt_register_equals_the_live_one(horeca, week):
    """Last: after every registration of the scenario."""
    done = horeca.cli("rebuild", "--verify", "--json", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
