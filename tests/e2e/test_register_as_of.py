"""The register as of a moment (issue 28 point 1; docs/interface.md §4): snapshots of the
live register taken at several moments of a run with IN, UPDATE, OUT and CANCEL, each equal
to the register rebuilt `--as-of` that moment from the event store and the notifier's log,
through the CLI and over HTTP: the first moment replayed from the start, the later ones
from a snapshot of the register (`dimona register snapshot`) taken in between."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import wait_until
from tests.e2e.test_intake_channels import RestClient, new_ssin, other_in

pytestmark = pytest.mark.e2e
BRUSSELS = ZoneInfo("Europe/Brussels")
KROON_TOKEN = "kroon-secret-token"
HEADERS = {"Authorization": f"Bearer {KROON_TOKEN}"}
PLACE = {"name": "Terras", "address": {
    "street": "Grote Markt", "houseNumber": "1", "postCode": "1000",
    "municipality": {"code": "21004", "name": "Brussel"}, "country": "150"}}


def views(stack, ssin: str, periods: list[int], declarations: list[int],
          as_of: str | None = None) -> dict:
    """What the register shows of one worker over HTTP: its searches, period and
    declaration details, and quotas, live or as of a moment (the status code when it has
    none)."""
    at = {"asOf": as_of} if as_of else {}

    def get(path: str, **params) -> object:
        answer = httpx.get(f"{stack.api}/register/{path}", params=params | at,
                           headers=HEADERS, timeout=60)
        return answer.json() if answer.status_code == 200 else answer.status_code
    search = {"employer": "175110801", "ssin": ssin}
    return {"periods": get("periods", **search), "workers": get("workers", **search),
            "quotas": get("quotas/175110801", ssin=ssin, year=2030),
            **{f"period {p}": get(f"periods/{p}") for p in periods},
            **{f"declaration {d}": get(f"declarations/{d}") for d in declarations}}


def cli_period(stack, period_id: int, as_of: str | None = None) -> object:
    at = ["--as-of", as_of] if as_of else []
    done = stack.cli("register", "period", str(period_id), "--json", *at, check=False)
    return json.loads(done.stdout) if done.returncode == 0 else done.returncode


def settled(stack, period_id: int, declaration_id: int) -> None:
    """Wait until the live register shows the declaration's notification on the period."""
    def noted() -> bool:
        found = httpx.get(f"{stack.api}/register/periods/{period_id}", headers=HEADERS)
        return found.status_code == 200 and declaration_id in {
            n["declarationId"] for n in found.json()["notifications"]}
    wait_until(noted, 60, f"the notification of {declaration_id} in the register")


def test_every_as_of_view_equals_the_live_register_at_that_moment(stack):
    kroon, ssin = RestClient(stack.api, KROON_TOKEN), new_ssin()
    before = datetime.now(UTC).isoformat()
    first = kroon.declare(other_in(ssin, "2030-03-02"))
    student = kroon.declare({
        "employer": {"employerId": 175110801}, "worker": {"ssin": ssin},
        "dimonaIn": {"startDate": "2030-01-07", "endDate": "2030-01-31",
                     "plannedHoursNumber": 60,
                     "features": {"jointCommissionNumber": "XXX", "workerType": "STU"},
                     "studentPlaceOfWork": PLACE}})
    assert [kroon.status(n)["result"] for n in (first, student)] == ["A", "A"]
    settled(stack, first, first)
    settled(stack, student, student)
    periods, declarations, snapshots = [first, student], [first, student], []

    def snapshot() -> None:
        moment = datetime.now(UTC).isoformat()
        snapshots.append((moment, list(declarations), views(stack, ssin, periods,
                                                            declarations)))

    snapshot()
    # a snapshot of the register: later moments start from it, earlier ones replay it all
    for keep in ("3", "1"):
        taken = json.loads(stack.cli("register", "snapshot", "--keep", keep, "--json").stdout)
    assert taken["snapshot"].startswith("register_snapshot_") and taken["decisions"] >= 2
    assert [r[0] for r in stack.sql("SELECT schema_name FROM information_schema.schemata "
                                     "WHERE schema_name LIKE 'register_snapshot_%%'")] == [
        taken["snapshot"]]
    update = kroon.declare({"dimonaUpdate": {"periodId": student, "endDate": "2030-01-20",
                                             "plannedHoursNumber": 30}})
    out = kroon.declare({"dimonaOut": {"periodId": first, "endDate": "2030-04-30"}})
    assert [kroon.status(n)["result"] for n in (update, out)] == ["A", "A"]
    settled(stack, student, update)
    settled(stack, first, out)
    declarations += [update, out]
    snapshot()
    cancel = kroon.declare({"dimonaCancel": {"periodId": student}})
    assert kroon.status(cancel)["result"] == "A"
    settled(stack, student, cancel)
    declarations.append(cancel)
    snapshot()

    # the run changed what the register shows, moment after moment
    (_, _, one), (_, _, two), (_, _, three) = snapshots
    assert one[f"period {student}"] != two[f"period {student}"] != three[f"period {student}"]
    assert one["quotas"] != two["quotas"] != three["quotas"]
    assert [p["endDate"] for p in one["periods"]["items"]] == ["2030-01-31", None]
    assert [p["endDate"] for p in two["periods"]["items"]] == ["2030-01-20", "2030-04-30"]

    for moment, known, live in snapshots:
        assert views(stack, ssin, periods, known, moment) == live, moment
    # before the first IN the worker had no period; a declaration not yet received is unknown
    earlier = views(stack, ssin, periods, declarations[:1], before)
    assert (earlier["periods"]["items"], earlier[f"period {first}"],
            earlier[f"declaration {first}"]) == ([], 404, 404)
    assert httpx.get(f"{stack.api}/register/periods/{student}", params={"asOf": "soon"},
                     headers=HEADERS).status_code == 400  # the API answers bad input 400

    # the CLI: the same period detail; a moment in Brussels time without its offset
    for moment, _, live in snapshots:
        assert cli_period(stack, student, moment) == live[f"period {student}"]
    naive = datetime.fromisoformat(snapshots[1][0]).astimezone(BRUSSELS).replace(
        tzinfo=None).isoformat()
    assert cli_period(stack, student, naive) == two[f"period {student}"]
    assert cli_period(stack, student, before) == 1  # "no period ... at ...", exit 1
