"""Confirmations through the running stack (issue 6): e-Box messages for a declarant that
is no batch sender, return-file entries for a batch sender, the NotificationSent events
the register lists, and the e-Box read by CLI and HTTP, scoped by token."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from tests.conftest import wait_until
from tests.e2e.test_intake_channels import (
    AUDITOR,
    KROON,
    PARC,
    SECRETARIAT,
    RestClient,
    new_ssin,
    other_in,
    outbox_files,
)

pytestmark = pytest.mark.e2e
START = date.today() + timedelta(days=3)


def notifications(api: str, declaration_id: int, headers: dict, count: int) -> list[dict]:
    """The declaration detail's notifications, once the register has `count` of them."""
    def listed():
        r = httpx.get(f"{api}/register/declarations/{declaration_id}", headers=headers)
        rows = r.json()["notifications"] if r.status_code == 200 else []
        return rows if len(rows) >= count else None
    return wait_until(listed, 60, f"{count} notifications of {declaration_id}")


@pytest.fixture(scope="module")
def kroon_out(stack) -> dict:
    """Kroon declares a named worker's IN, then closes the period with an OUT."""
    ssin, kroon = new_ssin(), RestClient(stack.api, "kroon-secret-token")
    period = kroon.declare({**other_in(ssin, START.isoformat()),
                            "worker": {"ssin": ssin, "familyName": "Wouters",
                                       "givenName": "Jan"}})
    out = kroon.declare({"dimonaOut": {"periodId": period,
                                       "endDate": (START + timedelta(days=9)).isoformat()}})
    assert [kroon.status(n)["result"] for n in (period, out)] == ["A", "A"]
    return {"ssin": ssin, "period": period, "out": out}


def message_of(stack, declaration_id: int) -> dict:
    def found():
        mine = json.loads(stack.cli("ebox", "list", "--declarant", "0403170701",
                                    "--json").stdout)
        return next((m for m in mine if m["declarationId"] == declaration_id), None)
    return wait_until(found, 60, f"the e-Box message of {declaration_id}")


def test_an_out_is_confirmed_in_the_ebox_with_its_period_before_and_after(stack, kroon_out):
    message = message_of(stack, kroon_out["out"])
    assert message["subject"] == f"Dimona-bevestiging Dimona OUT {kroon_out['out']}: Aanvaard"
    text = stack.cli("ebox", "show", message["messageId"]).stdout
    for expected in ("Aangiften", "Werkgever", "Werknemers", "Voor wijziging",
                     "Na wijziging", "Brasserie De Kroon", "Wouters", "Jan", kroon_out["ssin"],
                     (START + timedelta(days=9)).strftime("%d/%m/%Y")):
        assert expected in text, expected
    french = stack.cli("ebox", "show", message["messageId"], "--lang", "fr", "--html").stdout
    assert french.startswith("<!DOCTYPE html>") and "Avant modification" in french
    shown = json.loads(stack.cli("ebox", "show", message["messageId"], "--json").stdout)
    assert shown["content"]["periodBefore"]["end_date"] is None
    assert shown["content"]["periodAfter"]["period_id"] == kroon_out["period"]

    # NotificationSent went through Kafka into the register's period detail.
    period = wait_until(lambda: (found := json.loads(stack.cli(
        "register", "period", str(kroon_out["period"]), "--json").stdout))["notifications"]
        and len(found["notifications"]) == 2 and found, 60, "the period's notifications")
    assert [(n["declarationId"], n["channel"], n["recipient"]) for n in
            period["notifications"]] == [(kroon_out["period"], "ebox", "0403170701"),
                                         (kroon_out["out"], "ebox", "0403170701")]
    assert period["notifications"][1]["periodAfter"]["endDate"] == (
        START + timedelta(days=9)).isoformat()


def test_the_ebox_over_http_is_scoped_and_a_message_can_be_marked_read(stack, kroon_out):
    message_id = message_of(stack, kroon_out["period"])["messageId"]
    url = f"{stack.api}/ebox/messages"
    mine = httpx.get(url, params={"declarant": "0403170701", "limit": 10_000},
                     headers=KROON).json()
    assert message_id in [m["messageId"] for m in mine["items"]]
    one = httpx.get(url, params={"declarant": "0403170701", "limit": 1, "offset": 1},
                    headers=KROON).json()
    assert (one["total"], one["items"]) == (mine["total"], mine["items"][1:2])
    assert httpx.get(url, params={"employer": "175110801"}, headers=AUDITOR).status_code == 200
    for who, params in ((PARC, {"declarant": "0403170701"}), (PARC, {"employer": "175110801"}),
                        (SECRETARIAT, {"declarant": "0403170701"})):
        assert httpx.get(url, params=params, headers=who).status_code == 404
    assert httpx.get(url, params={"declarant": "0403170701"}).status_code == 401
    assert httpx.get(url, headers=KROON).status_code == 400

    html = httpx.get(f"{url}/{message_id}", params={"lang": "de", "format": "html"},
                     headers=KROON)
    assert html.headers["content-type"].startswith("text/html")
    assert "Dimona-Bestätigung" in html.text and "Wouters" in html.text
    assert httpx.get(f"{url}/{message_id}", headers=PARC).status_code == 404
    assert httpx.get(f"{url}/{message_id}", params={"lang": "es"},
                     headers=KROON).status_code in (400, 422)

    assert httpx.post(f"{url}/{message_id}/read", headers=AUDITOR).status_code == 403
    read = httpx.post(f"{url}/{message_id}/read", headers=KROON)
    assert read.status_code == 200 and read.json()["readAt"] is not None
    unread = httpx.get(url, params={"declarant": "0403170701", "unread": "true",
                                    "limit": 10_000}, headers=KROON).json()["items"]
    assert message_id not in [m["messageId"] for m in unread]
    listed = stack.cli("ebox", "list", "--declarant", "0403170701").stdout
    assert message_id in listed
    assert stack.cli("ebox", "show", "nope", check=False).returncode == 1
    assert stack.cli("ebox", "list", check=False).returncode == 2


def test_a_batch_sender_gets_its_results_in_the_return_file_not_in_the_ebox(stack,
                                                                           tmp_path):
    lines = [other_in(new_ssin()), other_in("72011136173"), other_in(new_ssin())]
    path = tmp_path / f"secretariat-{new_ssin()}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    results = [json.loads(r) for r in stack.cli("submit", str(path), "--as", "0477472701",
                                                "--wait", "--json").stdout.splitlines()]
    assert [(r["line"], r["result"]) for r in results] == [(1, "A"), (2, "B"), (3, "A")]
    returned = wait_until(lambda: next((p for n, p in outbox_files(stack, "0477472701").items()
                                        if n.startswith(path.name)
                                        and n.endswith(".results.jsonl")), None),
                          60, "the results file")
    rows = [json.loads(r) for r in returned.read_text().splitlines()]
    assert [(r["line"], r["declarationId"], r["result"]) for r in rows] == [
        (r["line"], r["declarationId"], r["result"]) for r in results]
    for r in results:
        [sent] = notifications(stack.api, r["declarationId"], SECRETARIAT, 1)
        assert (sent["channel"], sent["recipient"]) == ("batch", "0477472701")
    assert [code for r in results for code in notifications(
        stack.api, r["declarationId"], SECRETARIAT, 1)[0]["anomalyCodes"]] == [
        a["code"] for a in results[1]["anomalies"]]
    assert json.loads(stack.cli("ebox", "list", "--declarant", "0477472701",
                                "--json").stdout) == []
