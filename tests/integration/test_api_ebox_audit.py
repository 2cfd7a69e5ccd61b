"""The e-Box's and the audit log's routes on the real PostgreSQL, in-process: a declarant
reads its own e-Box, an employer the messages about it, an auditor every message but marks
none read; the audit log is for auditor tokens only."""

from __future__ import annotations

import json

import pytest

from tests.integration.http_world import AUDITOR, KROON, NOBODY, PARC, SECRETARIAT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def declared(world):
    """Kroon's declaration, decided and notified in Kroon's e-Box."""
    number = world.declare(KROON)
    world.settle()
    found = world.client.get("/ebox/messages?declarant=0403170701", headers=KROON).json()
    [message] = [m for m in found["items"] if m["declarationId"] == number]
    return {"number": number, "message": message["messageId"]}


@pytest.mark.parametrize(("query", "readers"), [
    ("declarant=0403170701", {KROON["Authorization"], AUDITOR["Authorization"]}),
    ("declarant=403170701", {KROON["Authorization"], AUDITOR["Authorization"]}),
    ("employer=175110801", {KROON["Authorization"], AUDITOR["Authorization"]}),
    ("employer=0403170701", {KROON["Authorization"], AUDITOR["Authorization"]})])
def test_an_ebox_is_read_by_its_owner_and_auditors(world, declared, query, readers):
    for headers in (KROON, PARC, SECRETARIAT, AUDITOR):
        answer = world.client.get(f"/ebox/messages?{query}", headers=headers)
        expected = 200 if headers["Authorization"] in readers else 404
        assert answer.status_code == expected, (query, headers)
        if expected == 200:
            assert declared["message"] in {m["messageId"] for m in answer.json()["items"]}
    assert world.client.get(f"/ebox/messages?{query}").status_code == 401


def test_a_message_in_a_language_and_format(world, declared):
    path = f"/ebox/messages/{declared['message']}"
    shown = world.client.get(f"{path}?lang=fr", headers=KROON)
    assert shown.status_code == 200
    assert shown.json()["shownIn"] == "fr" and shown.json()["messageId"] == declared["message"]
    assert str(declared["number"]) in shown.json()["text"]
    text = world.client.get(f"{path}?format=text", headers=AUDITOR)
    assert text.headers["content-type"].startswith("text/plain")
    html = world.client.get(f"{path}?format=html", headers=KROON)
    assert html.headers["content-type"].startswith("text/html") and "<" in html.text
    assert world.client.get(path, headers=PARC).status_code == 404
    assert world.client.get(path, headers=NOBODY).status_code == 401
    assert world.client.get("/ebox/messages/not-a-uuid", headers=AUDITOR).status_code == 404


def test_a_message_is_marked_read_by_its_reader_never_by_an_auditor(world, declared):
    path = f"/ebox/messages/{declared['message']}/read"
    assert world.client.post(path, headers=AUDITOR).status_code == 403
    assert world.client.post(path, headers=PARC).status_code == 404
    assert world.client.post(path, headers=NOBODY).status_code == 401

    def unread() -> set[str]:
        found = world.client.get("/ebox/messages?declarant=0403170701&unread=true",
                                 headers=KROON).json()
        return {m["messageId"] for m in found["items"]}
    assert declared["message"] in unread()
    marked = world.client.post(path, headers=KROON)
    assert marked.status_code == 200 and marked.json()["readAt"] is not None
    assert declared["message"] not in unread()
    again = world.client.post(path, headers=KROON).json()
    assert again["readAt"] == marked.json()["readAt"]  # the first reading is kept


def test_the_audit_log_of_a_declaration_for_auditors_only(world, declared):
    path = f"/audit/log?declaration={declared['number']}"
    answer = world.client.get(path, headers=AUDITOR)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-ndjson"
    entries = [json.loads(line) for line in answer.text.splitlines()]
    assert [e["event"] for e in entries] == ["received", "decided", "notified"]
    assert entries[0]["via"] == "POST /declarations" and entries[1]["result"] == "A"
    for headers, status in ((KROON, 403), (PARC, 403), (SECRETARIAT, 403), (NOBODY, 401)):
        assert world.client.get(path, headers=headers).status_code == status
    by_employer = world.client.get("/audit/log?employer=175110801", headers=AUDITOR)
    assert declared["number"] in {json.loads(line)["declarationId"]
                                  for line in by_employer.text.splitlines()}
    assert world.client.get("/audit/log", headers=AUDITOR).status_code == 400
    assert world.client.get("/audit/log?declaration=680725377630", headers=AUDITOR
                            ).status_code == 404


def test_verify_and_checkpoints_for_auditors_only(world, declared):
    verified = world.client.get("/audit/verify", headers=AUDITOR)
    assert verified.status_code == 200 and verified.json()["ok"] is True
    checkpoints = world.client.get("/audit/checkpoints", headers=AUDITOR)
    assert checkpoints.status_code == 200
    assert checkpoints.headers["content-type"] == "application/x-ndjson"
    assert all(json.loads(line) for line in checkpoints.text.splitlines())
    for path in ("/audit/verify", "/audit/checkpoints"):
        assert world.client.get(path, headers=KROON).status_code == 403
        assert world.client.get(path).status_code == 401
