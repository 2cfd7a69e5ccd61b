"""Flexi at work over HTTP on the real PostgreSQL, in-process (issue 23): payslips posted to
/flexi-wages by the employer and its mandatary, decided by the real validator against the
flexi Dimona it finds, entered in the register and notified; pending until decided; who
reads a ticket, the transfers, a flexi-jobber's details and (auditors only) the income; CSV;
the e-Box confirmations and the audit log; and a register with situations rebuilds to the
live one (--verify finds a tampered situation, the swap repairs it)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from services.projections.application import catch_up_notifications
from services.projections.rebuild import Rebuild
from tests.integration.http_world import AUDITOR, KROON, NOBODY, PARC, SECRETARIAT
from tests.unit.situations import block

pytestmark = pytest.mark.integration
READS_KROON = [(KROON, 200), (SECRETARIAT, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401)]
FLEXI_DAY = date.today() + timedelta(days=1)
FIRST = FLEXI_DAY.replace(day=1)
LAST = (FIRST + timedelta(days=32)).replace(day=1) - timedelta(days=1)
RELATION, OTHER = ("5b7d2f0e-6f1b-4c33-9d1e-0c2a4e6b8f10",
                   "5b7d2f0e-6f1b-4c33-9d1e-0c2a4e6b8f11")


def payslip(ssin: str, wages: int, relation: str = RELATION, action: str = "create",
            premiums: int = 0) -> dict:
    elements = [{"code": "0001001000", "amountCents": wages}]
    if premiums:
        elements.append({"code": "0002001000", "amountCents": premiums,
                         "frequencyMonths": 12})
    return block(action, {"startDate": FIRST.isoformat(), "endDate": LAST.isoformat(),
                          "calculationDate": date.today().isoformat(),
                          "features": [{"employerCategory": "017", "workerCode": "050",
                                        "financialElements": elements}]},
                 ssin=ssin, relation=relation)


@pytest.fixture(scope="module")
def sent(world):
    """A flexi day of a worker at Kroon (Dimona FLX, decided), then its payslip created by
    Kroon, seen pending, decided; modified by Kroon's secretariat; another worker's payslip
    without any flexi Dimona; all notified."""
    worker, stranger = world.new_ssin(), world.new_ssin()
    world.declare(KROON, {"employer": {"employerId": 175110801},
                          "worker": {"ssin": worker, "familyName": "Maes",
                                     "givenName": "Zoë"},
                          "dimonaIn": {"startDate": FLEXI_DAY.isoformat(),
                                       "startHour": "1800", "endDate": FLEXI_DAY.isoformat(),
                                       "endHour": "2300", "features": {
                                           "jointCommissionNumber": "XXX",
                                           "workerType": "FLX"}}})
    [period] = world.settle()
    assert period.result in ("A", "W"), period.anomalies
    posted = world.client.post("/flexi-wages", json=payslip(worker, 9400, premiums=5000),
                               headers={**KROON, "Idempotency-Key": "payslip-1"})
    assert posted.status_code == 201, posted.text
    created = posted.json()["ticket"]
    moments = [(datetime.now(UTC), flexi_views(world, worker, created))]
    before = {"location": posted.headers["Location"],
              "answer": world.client.get(f"/flexi-wages/{created}", headers=KROON),
              "list": world.client.get("/flexi-wages?employer=175110801",
                                       headers=KROON).json()}
    again = world.client.post("/flexi-wages", json=payslip(worker, 9400, premiums=5000),
                              headers={**KROON, "Idempotency-Key": "payslip-1"})
    assert (again.json(), again.headers["Idempotent-Replayed"]) == ({"ticket": created},
                                                                    "true")
    first = world.settle()
    moments.append((datetime.now(UTC), flexi_views(world, worker, created)))
    modified = world.client.post("/flexi-wages", json=payslip(worker, 5500, action="modify"),
                                 headers=SECRETARIAT).json()["ticket"]
    unmatched = world.client.post("/flexi-wages", json=payslip(stranger, 4000, OTHER),
                                  headers=KROON).json()["ticket"]
    second = world.settle()
    moments.append((datetime.now(UTC), flexi_views(world, worker, created)))
    catch_up_notifications(world.register)
    return {"worker": worker, "stranger": stranger, "created": created,
            "modified": modified, "unmatched": unmatched, "before": before,
            "moments": moments,
            "decided": {d.declaration_id: d for d in first + second}}


def flexi_views(world, worker: str, ticket: int, as_of: datetime | None = None) -> dict:
    """What each Flexi at work view answers (status and body), live or `asOf`."""
    at = {"asOf": as_of.isoformat()} if as_of else {}
    asked = {"list": ("/flexi-wages", {"employer": "175110801"}, KROON),
             "worker": (f"/flexi-wages/workers/{worker}", {"employer": "175110801"}, KROON),
             "decision": (f"/flexi-wages/{ticket}", {}, KROON),
             "income": ("/flexi-income", {"ssin": worker, "year": FIRST.year}, AUDITOR)}
    found = {}
    for name, (path, params, headers) in asked.items():
        answer = world.client.get(path, params={**params, **at}, headers=headers)
        found[name] = (answer.status_code, answer.json())
    return found


def test_every_flexi_view_as_of_a_moment_equals_the_live_one_then(world, sent):
    """Issue 28 point 1 for the Flexi at work views: a payslip pending, then decided, then
    modified; each view `asOf` each moment equals what it answered live then."""
    pending, decided, modified = sent["moments"]
    assert pending[1]["decision"][0] == 404
    assert [i["status"] for i in pending[1]["list"][1]["items"]] == ["pending"]
    assert decided[1]["income"][1]["totalCents"] == 9400 + 5000
    assert modified[1]["income"][1]["totalCents"] == 5500
    for moment, live in sent["moments"]:
        assert flexi_views(world, sent["worker"], sent["created"], moment) == live
    assert world.client.get("/flexi-wages", params={"employer": "175110801", "asOf": "soon"},
                            headers=KROON).status_code == 400


def test_a_payslip_is_pending_until_decided(sent):
    before = sent["before"]
    assert before["location"] == f"/flexi-wages/{sent['created']}"
    assert before["answer"].status_code == 404
    [item] = before["list"]["items"]
    assert (item["ticket"], item["status"], item["result"], item["wagesCents"],
            item["premiumsCents"], item["familyName"]) == (
        sent["created"], "pending", None, 9400, 5000, "Maes")


def test_the_decisions_of_the_real_validator(world, sent):
    decided = sent["decided"]
    assert [(n, decided[n].result) for n in (sent["created"], sent["modified"])] == [
        (sent["created"], "A"), (sent["modified"], "A")]
    assert [a.code for a in decided[sent["unmatched"]].anomalies] == ["00024-152"]
    answer = world.client.get(f"/flexi-wages/{sent['modified']}", headers=KROON).json()
    assert (answer["ticket"], answer["action"], answer["result"], answer["anomalies"]) == (
        sent["modified"], "modify", "A", [])
    situation = answer["situation"]
    assert (situation["ticket"], situation["wagesCents"], situation["premiumsCents"],
            situation["version"], situation["cancelled"]) == (sent["modified"], 5500, 0, 2,
                                                               False)
    assert situation["calculation"]["features"][0]["financialElements"] == [
        {"code": "0001001000", "amountCents": 5500}]


@pytest.mark.parametrize(("headers", "status"), READS_KROON)
def test_a_ticket_is_read_by_the_employer_its_mandataries_and_auditors(world, sent, headers,
                                                                         status):
    assert world.client.get(f"/flexi-wages/{sent['created']}",
                            headers=headers).status_code == status


@pytest.mark.parametrize(("headers", "status"), READS_KROON)
def test_the_transfers_are_scoped_as_the_register(world, sent, headers, status):
    answer = world.client.get("/flexi-wages?employer=0403170701", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert [(i["ticket"], i["status"]) for i in answer.json()["items"]] == [
            (sent["created"], "A"), (sent["modified"], "A"), (sent["unmatched"], "W")]


def test_the_parc_sees_none_of_kroons_transfers(world, sent):
    answer = world.client.get("/flexi-wages?employer=197100119", headers=PARC)
    assert (answer.status_code, answer.json()["total"]) == (200, 0)


def test_filters_pages_and_csv(world, sent):
    def tickets(query: str) -> list:
        found = world.client.get(f"/flexi-wages?employer=175110801&{query}", headers=KROON)
        assert found.status_code == 200, found.text
        return [found.json()["total"]] + [i["ticket"] for i in found.json()["items"]]

    assert tickets(f"ssin={sent['stranger']}") == [1, sent["unmatched"]]
    assert tickets(f"year={FIRST.year}&limit=1&offset=1") == [3, sent["modified"]]
    assert tickets(f"year={FIRST.year - 1}") == [0]
    assert tickets(f"from={LAST + timedelta(days=1)}&to={LAST + timedelta(days=9)}") == [0]
    assert tickets(f"from={FIRST}&to={FIRST}")[0] == 3
    answer = world.client.get("/flexi-wages?employer=175110801&format=csv", headers=KROON)
    assert answer.headers["X-Total-Count"] == "3"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["status"], r["action"], r["wagesCents"], r["relationUuid"]) for r in rows] == [
        ("A", "create", "9400", RELATION), ("A", "modify", "5500", RELATION),
        ("W", "create", "4000", OTHER)]
    assert world.client.get("/flexi-wages?employer=175110801&from=2026-01-01",
                            headers=KROON).status_code == 400


@pytest.mark.parametrize(("headers", "status"), READS_KROON)
def test_a_flexi_jobbers_details(world, sent, headers, status):
    answer = world.client.get(f"/flexi-wages/workers/{sent['worker']}?employer=175110801",
                              headers=headers)
    assert answer.status_code == status
    if status == 200:
        found = answer.json()
        assert found["worker"]["familyName"] == "Maes"
        assert [t["ticket"] for t in found["flexiAtWork"]] == [sent["created"],
                                                               sent["modified"]]
        assert [(s["ticket"], s["version"]) for s in found["situations"]] == [
            (sent["modified"], 2)]
        [period] = found["dimonaPeriods"]
        assert (period["workerType"], period["startDate"]) == ("FLX", FLEXI_DAY.isoformat())


@pytest.mark.parametrize(("headers", "status"), [(AUDITOR, 200), (KROON, 403),
                                                 (SECRETARIAT, 403), (NOBODY, 401)])
def test_the_income_is_for_auditors(world, sent, headers, status):
    answer = world.client.get(f"/flexi-income?ssin={sent['worker']}&year={FIRST.year}",
                              headers=headers)
    assert answer.status_code == status
    if status == 200:
        found = answer.json()
        assert (found["totalCents"], found["ceilingCents"], found["leftCents"]) == (
            5500, 1_800_000, 1_800_000 - 5500)
        assert [s["ticket"] for s in found["situations"]] == [sent["modified"]]


def test_who_may_send_a_payslip(world, sent):
    body = payslip(sent["worker"], 100, "5b7d2f0e-6f1b-4c33-9d1e-0c2a4e6b8f12")
    assert world.client.post("/flexi-wages", json=body).status_code == 401
    assert world.client.post("/flexi-wages", json=body, headers=PARC).status_code == 403
    assert world.client.post("/flexi-wages", json=body, headers=AUDITOR).status_code == 403
    bad = world.client.post("/flexi-wages", json={**body, "action": "replace"},
                            headers=KROON)
    assert bad.status_code == 400
    assert bad.json()["issues"][0]["name"] == "action"


def test_each_decision_is_confirmed_in_the_ebox(world, sent):
    answer = world.client.get("/ebox/messages?employer=175110801&limit=1000", headers=KROON)
    subjects = {m["declarationId"]: m["subject"] for m in answer.json()["items"]}
    assert subjects[sent["created"]] == (
        f"Flexi at work-bevestiging loongegevens {sent['created']}: Aanvaard")
    assert subjects[sent["unmatched"]].endswith("Aanvaard (waarschuwing)")
    # the secretariat is a batch sender: over REST, the answer is its confirmation
    # (docs/adr/0006-notifications.md decision 1)
    assert sent["modified"] not in subjects


def test_the_audit_log_of_a_modify(world, sent):
    answer = world.client.get(f"/audit/log?declaration={sent['modified']}", headers=AUDITOR)
    entries = [json.loads(line) for line in answer.text.splitlines()]
    assert [e["event"] for e in entries] == ["received", "decided"]  # a batch sender's
    received, decided = entries
    assert (received["declarationType"], received["via"], received["action"],
            received["ssin"], received["declarant"]) == (
        "FLEXI_WAGE", "POST /flexi-wages", "modify", sent["worker"], "0477472701")
    assert json.loads(received["raw"])["action"] == "modify"  # the body as posted
    assert (decided["situationBefore"]["wagesCents"], decided["situationAfter"]["wagesCents"]
            ) == (9400, 5500)


def test_the_register_with_situations_rebuilds_to_the_live_one(world, sent):
    """Last in this module: it tampers with the register, then repairs it."""
    count, found = Rebuild(world.url).run(verify=True)
    assert found == [] and count >= 4
    with psycopg.connect(world.url) as conn:
        conn.execute("UPDATE register.flexi_situations SET wages_cents = 1 WHERE ticket = %s",
                     (sent["modified"],))
        conn.execute("UPDATE register.declarations SET situation = NULL WHERE "
                     "declaration_id = %s", (sent["unmatched"],))
    _, found = Rebuild(world.url).run(verify=True)
    assert sorted((d.table, d.columns) for d in found) == [
        ("declarations", ("situation",)), ("flexi_situations", ("wages_cents",))]
    Rebuild(world.url).run(verify=False)
    assert Rebuild(world.url).run(verify=True)[1] == []
    assert world.client.get(f"/flexi-income?ssin={sent['worker']}&year={FIRST.year}",
                            headers=AUDITOR).json()["totalCents"] == 5500
