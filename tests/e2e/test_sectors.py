"""Construction control cards, public employers' sub-entities and small statutes through
the running stack (issue 27), on REST, JSON Lines and the official XML form: the
validator's rules (docs/rules.md), the register's period detail, the e-Box confirmation
and the NOTIFICATION's DimonaImpactReport. The employers are those of
examples/directory-sectors.json."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, date, datetime

import httpx
import pytest
from lxml import etree

from schemas.declaration import Declaration
from services.intake.official_files import brussels_today
from services.intake.xmlforms import write_dimona
from tests.conftest import ROOT, wait_until
from tests.e2e.test_intake_channels import new_ssin

pytestmark = pytest.mark.e2e
BUILDER, CITY = 177777137, 166666175
SECRETARIAT = {"Authorization": "Bearer secretariat-secret-token"}
VERSTRAETE = {"Authorization": "Bearer verstraete-secret-token"}
START = date(2030, 3, 4)
FIRST, NEXT = "300000000017", "300000000025"


@pytest.fixture(scope="module")
def sectors(stack):
    stack.cli("directory", "load", str(ROOT / "examples" / "directory-sectors.json"))
    return stack


def construction_in(ssin: str, first: str | None = FIRST, next_: str | None = NEXT) -> dict:
    body = {"employer": {"employerId": BUILDER}, "worker": {"ssin": ssin},
            "dimonaIn": {"startDate": START.isoformat(), "endDate": "2030-03-29",
                         "features": {"jointCommissionNumber": "124", "workerType": "BCW"}}}
    if first or next_:
        body["dimonaIn"]["constructionControlCards"] = {
            "firstMonthC32ANumber": first, "nextMonthC32ANumber": next_}
    return body


def city_in(ssin: str, sub_entity: str | None, worker_type: str = "OTH", **extra) -> dict:
    features = {"jointCommissionNumber": "XXX", "workerType": worker_type}
    if sub_entity:
        features["subEntityNumber"] = sub_entity
    return {"employer": {"employerId": CITY}, "worker": {"ssin": ssin},
            "dimonaIn": {"startDate": START.isoformat(), "features": features, **extra}}


def decided(stack, body: dict, headers: dict = SECRETARIAT) -> dict:
    """POST a declaration, then its status once decided: (result, codes, number)."""
    answer = httpx.post(f"{stack.api}/declarations", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    location = answer.headers["Location"]

    def status():
        found = httpx.get(f"{stack.api}{location}", headers=headers)
        return found.json()["declarationStatus"] if found.status_code == 200 else None
    s = wait_until(status, 60, f"the result of {location}")
    return {"result": s["result"], "codes": [a["code"] for a in s["anomalies"]],
            "number": int(location.rsplit("/", 1)[1])}


def register_period(stack, number: int) -> dict:
    """The period itself of the register's period detail."""
    return wait_until(lambda: json.loads(stack.cli(
        "register", "period", str(number), "--json", check=False).stdout or "null"),
        60, f"period {number} in the register")["period"]


def test_a_construction_employers_month(sectors):
    stack, ssin = sectors, new_ssin()
    accepted = decided(stack, construction_in(ssin), VERSTRAETE)
    assert (accepted["result"], accepted["codes"]) == ("A", [])
    same = decided(stack, construction_in(new_ssin(), FIRST, FIRST), VERSTRAETE)
    assert (same["result"], same["codes"]) == ("B", ["00664-353"])
    without = decided(stack, construction_in(new_ssin(), None, None), VERSTRAETE)
    assert (without["result"], without["codes"]) == ("B", ["00663-001", "00664-001"])

    period = accepted["number"]
    update = decided(stack, {"dimonaUpdate": {"periodId": period, "endDate": "2030-04-04"}},
                     VERSTRAETE)  # the month runs over into the next: the second card
    assert (update["result"], update["codes"]) == ("A", [])
    shown = wait_until(lambda: (p := register_period(stack, period))["endDate"] == "2030-04-04"
                       and p, 60, "the update in the register")
    assert shown["constructionControlCards"] == {"firstMonthC32ANumber": FIRST,
                                                 "nextMonthC32ANumber": NEXT}

    # the e-Box confirmation of the update shows the period's cards
    def message():
        mine = json.loads(stack.cli("ebox", "list", "--declarant", "0822222280",
                                    "--json").stdout)
        return next((m for m in mine if m["declarationId"] == update["number"]), None)
    text = stack.cli("ebox", "show", wait_until(message, 60, "the message")["messageId"]
                     ).stdout
    assert FIRST in text and NEXT in text

    # the same month through a JSON Lines file, as the secretariat's batch
    lines = [construction_in(new_ssin(), "300000000033", "300000000041"),
             construction_in(new_ssin(), "300000000033", "300000000033")]
    path = stack.home / f"construction-{random.randrange(10**9)}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    results = [json.loads(line) for line in stack.cli(
        "submit", str(path), "--as", "0477472701", "--wait", "--json").stdout.splitlines()]
    assert [(r["result"], [a["code"] for a in r["anomalies"]]) for r in results] == [
        ("A", []), ("B", ["00664-353"])]


def test_a_local_authority_names_its_sub_entities(sectors):
    stack = sectors
    named = decided(stack, city_in(new_ssin(), "0000000195"))
    assert (named["result"], named["codes"]) == ("A", [])
    assert register_period(stack, named["number"])["subEntityNumber"] == "0000000195"
    for sub_entity, code in ((None, "00652-001"), ("0000000293", "00652-003")):
        refused = decided(stack, city_in(new_ssin(), sub_entity))
        assert (refused["result"], refused["codes"]) == ("B", [code])

    # an intern of the city, with and without small statutes
    statutes = {"employmentNature": "WORKER", "activityWithRisk": 2, "workerStatus": "F1"}
    intern = city_in(new_ssin(), "0000000097", "STG", endDate="2030-03-29",
                     smallStatutesInformation=statutes)
    accepted = decided(stack, intern)
    assert (accepted["result"], accepted["codes"]) == ("A", [])
    assert register_period(stack, accepted["number"])["smallStatutesInformation"] == statutes
    del intern["dimonaIn"]["smallStatutesInformation"]
    intern["worker"]["ssin"] = new_ssin()
    refused = decided(stack, intern)
    assert (refused["result"], refused["codes"]) == ("B", ["01231-001", "00053-001"])


def test_the_official_xml_form_carries_the_blocks_both_ways(sectors):
    """An FI file dropped in the secretariat's IN folder; its NOTIFICATION's
    DimonaImpactReport gives back the sub-entity, the cards and the small statutes."""
    stack, run = sectors, "".join(random.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(3))
    builder = construction_in(new_ssin(), "300000000058", "300000000066")
    intern = city_in(new_ssin(), "0000000097", "STG", endDate="2030-03-29",
                     smallStatutesInformation={"employmentNature": "EMPLOYEE",
                                               "activityWithRisk": 401, "workerStatus": "F2"})
    for body, reference in ((builder, "builder"), (intern, "intern")):
        body["references"] = {"declaration": reference}
    out = io.BytesIO()
    write_dimona(out, [Declaration.model_validate(d) for d in (builder, intern)])
    folder = stack.home / "var" / "sftp" / "000640"  # the folders are plain directories too
    (folder / "IN").mkdir(parents=True, exist_ok=True)
    name = f"DIMN.000640.{brussels_today(datetime.now(UTC)):%Y%m%d}.{run}01.R.1"
    (folder / "IN" / f"FI.{name}.1").write_bytes(out.getvalue())
    (folder / "IN" / f"GO.{name}").write_bytes(b"")

    def reports() -> dict | None:
        found = {}
        for path in (folder / "OUT").glob("FO.NOTI.*"):
            for form in etree.fromstring(path.read_bytes()).findall("Form"):
                reference = next((r.findtext("ReferenceNbr") for r in form.findall("Reference")
                                  if r.findtext("ReferenceType") == "1"), None)
                report = form.find("HandlingResult/ImpactReport/DimonaImpactReport")
                if reference in ("builder", "intern") and report is not None:
                    found[reference] = report
        return found if len(found) == 2 else None
    found = wait_until(reports, 90, "the NOTIFICATION of both forms")
    cards = found["builder"].find("ConstructionControlCards")
    assert (cards.findtext("FirstMonthC32ANbr"), cards.findtext("NextMonthC32ANbr")) == (
        "300000000058", "300000000066")
    intern_report = found["intern"]
    assert intern_report.findtext("DimonaFeatures/SubEntityNbr") == "0000000097"
    assert [(e.tag, e.text) for e in intern_report.find("SmallStatutesInformation")] == [
        ("EmploymentNature", "EMPLOYEE"), ("ActivityWithRisk", "401"), ("WorkerStatus", "F2")]
