"""Golden scenarios from the seeds, through the running stack (REST in, register and e-Box
out): the flexi week of seed 000 and the IN / OUT / modification / cancellation walk-throughs
of seed 002, plus a worker without SSIN identified through the directory."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from tests.conftest import wait_until
from tests.e2e.workload import ssin

pytestmark = pytest.mark.e2e
KROON = {"Authorization": "Bearer kroon-secret-token"}
EMPLOYER = {"employerId": 175110801}


def declare(stack, body: dict) -> int:
    answer = httpx.post(f"{stack.api}/declarations", json=body, headers=KROON)
    assert answer.status_code == 201, answer.text
    return answer.json()["declarationId"]


def status(stack, number: int, final: bool = True) -> dict:
    """declarationStatus once decided (with `final`, once past S)."""
    def decided():
        r = httpx.get(f"{stack.api}/declarations/{number}", headers=KROON)
        body = r.json()["declarationStatus"] if r.status_code == 200 else None
        return body if body and (not final or body["result"] != "S") else None
    return wait_until(decided, 60, f"the result of {number}")


def codes(s: dict) -> list[str]:
    return [a["code"] for a in s["anomalies"]]


def flexi_day(worker: str, day: date, start: str, end: str) -> dict:
    iso = day.isoformat()
    return {"employer": EMPLOYER, "worker": {"ssin": worker},
            "dimonaIn": {"startDate": iso, "startHour": start, "endDate": iso, "endHour": end,
                         "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"}}}


def period_of(stack, period_id: int) -> dict:
    periods = json.loads(stack.cli("register", "periods", "--employer", "175110801",
                                   "--json").stdout)
    [found] = [p for p in periods if p["periodId"] == period_id]
    return found


def test_seed_000_flexi_week(stack):
    """Three flexi days, the middle one 14:00-18:00 (seed 000 §2): accepted when declared in
    advance, accepted with the late warning when declared after the work (the seed's
    'Aanvaard (waarschuwing)')."""
    worker = ssin(90_001)
    first = date.today() + timedelta(days=3)
    week = [(first, "0800", "1400"), (first + timedelta(days=1), "1400", "1800"),
            (first + timedelta(days=2), "0800", "1400")]
    numbers = [declare(stack, flexi_day(worker, *day)) for day in week]
    results = [status(stack, n) for n in numbers]
    assert [(r["result"], r["period"]["id"]) for r in results] == [("A", n) for n in numbers]
    assert (period_of(stack, numbers[1])["startHour"], period_of(stack, numbers[1])["endHour"]) \
        == ("1400", "1800")
    # The planned end of the last day moves two hours later, in time (8 hours after it).
    change = declare(stack, {"dimonaUpdate": {"periodId": numbers[2], "endHour": "1600"}})
    assert status(stack, change)["result"] == "A"
    assert period_of(stack, numbers[2])["endHour"] == "1600"

    # The seed's own dates (July 2026), declared after the work was done: late.
    late = [declare(stack, flexi_day(ssin(90_002), date(2026, 7, d), s, e))
            for d, s, e in ((8, "0800", "1400"), (16, "1400", "1800"), (22, "0800", "1400"))]
    for n in late:
        s = status(stack, n)
        assert (s["result"], codes(s)) == ("W", ["90373-460"])
        assert period_of(stack, n)["late"] is True


def test_seed_000_flexi_worker_not_eligible_is_warned(stack, tmp_path):
    worker = ssin(90_003)
    day = date.today() + timedelta(days=3)
    quarter = f"{day.year}Q{(day.month - 1) // 3 + 1}"
    extra = tmp_path / "eligibility.json"
    extra.write_text(json.dumps({"flexiEligibility": [
        {"ssin": worker, "quarter": quarter, "eligible": False}]}))
    stack.cli("directory", "load", str(extra))

    hours = iter(range(23))

    def warned():
        """The validator re-reads the directory every few seconds: declare one more hour of
        that day until the new eligibility data shows."""
        hour = next(hours)
        s = status(stack, declare(stack, flexi_day(worker, day, f"{hour:02d}00",
                                                   f"{hour + 1:02d}00")))
        return s if s["result"] == "W" else None
    s = wait_until(warned, 60, "the eligibility warning", interval_s=1)
    assert codes(s) == ["90017-510"]


def test_seed_002_in_out_modification_cancellation(stack):
    worker = ssin(90_004)
    start = date.today() + timedelta(days=7)
    ordinary = {"employer": EMPLOYER, "worker": {"ssin": worker},
                "dimonaIn": {"startDate": start.isoformat(),
                             "features": {"jointCommissionNumber": "XXX",
                                          "workerType": "OTH"}}}
    # Dimona IN: accepted, the period number is the declaration number.
    period = declare(stack, ordinary)
    assert status(stack, period)["period"]["id"] == period
    # Dimona OUT: closes the period; a second OUT finds it closed.
    end = (start + timedelta(days=30)).isoformat()
    out = declare(stack, {"dimonaOut": {"periodId": period, "endDate": end}})
    assert status(stack, out)["result"] == "A"
    assert period_of(stack, period)["endDate"] == end
    again = declare(stack, {"dimonaOut": {"periodId": period, "endDate": end}})
    assert (status(stack, again)["result"], codes(status(stack, again))) == (
        "B", ["00913-356"])
    # Modification: a new end date; an UPDATE may not close an open period.
    later = (start + timedelta(days=60)).isoformat()
    update = declare(stack, {"dimonaUpdate": {"periodId": period, "endDate": later}})
    assert status(stack, update)["result"] == "A"
    assert period_of(stack, period)["endDate"] == later
    # Cancellation: the period is cancelled; nothing more can be declared on it.
    cancel = declare(stack, {"dimonaCancel": {"periodId": period}})
    assert status(stack, cancel)["result"] == "A"
    assert period_of(stack, period)["cancelled"] is True
    twice = declare(stack, {"dimonaCancel": {"periodId": period}})
    assert codes(status(stack, twice)) == ["00913-355"]
    unknown = declare(stack, {"dimonaCancel": {"periodId": 680725377729}})
    assert codes(status(stack, unknown)) == ["00913-354"]


def test_a_worker_without_ssin_gets_s_then_the_final_result(stack):
    """examples/directory.json identifies Peeters An, born 1990-05-01, as 90050100151."""
    person = {"familyName": "Peeters", "givenName": "An", "birthDate": "1990-05-01",
              "placeOfBirth": "Gent", "countryOfBirth": "150", "nationality": "150",
              "gender": 1, "address": {"street": "Kouter", "houseNumber": "1",
                                       "postCode": "9000", "country": "150",
                                       "municipality": {"code": "44021", "name": "Gent"}}}
    body = {"employer": EMPLOYER, "worker": person,
            "dimonaIn": {"startDate": (date.today() + timedelta(days=10)).isoformat(),
                         "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}}}
    number = declare(stack, body)
    final = status(stack, number)
    assert (final["result"], final["period"]["id"]) == ("A", number)
    assert period_of(stack, number)["ssin"] == "90050100151"

    def both_messages():
        ebox = json.loads(stack.cli("ebox", "list", "--declarant", "0403170701",
                                    "--json").stdout)
        mine = [m for m in ebox if m["declarationId"] == number]
        return mine if len(mine) == 2 else None
    messages = wait_until(both_messages, 60, "the S and final e-Box messages")
    assert sorted(m["result"] for m in messages) == ["A", "S"]
    [last] = [json.loads(stack.cli("ebox", "show", m["messageId"], "--json").stdout)
              for m in messages if m["result"] == "A"]
    assert last["content"]["declarations"]["identification"]["identifiedSsin"] == "90050100151"
    assert "90050100151" in last["text"] and "In afwachting" in last["text"]
