"""The audit log's routes over fakes: auditor tokens only (403 for any other token, 401
without one), JSON Lines out."""

import json

import pytest

from services.audit.application import Selection
from tests.unit.api.fakes import AUDITOR, KROON, NOBODY, app_with, fake_readers


class Entry:
    def __init__(self, n: int):
        self.n = n

    def to_json(self) -> dict:
        return {"declarationId": self.n, "event": "received"}


class Trail:
    def __init__(self) -> None:
        self.selections: list[Selection] = []

    def entries(self, selection: Selection):
        self.selections.append(selection)
        return iter([Entry(1), Entry(2)] if selection.declaration != 9 else [])


class Verify:
    def __call__(self) -> dict:
        return {"ok": True, "logs": {}}

    def checkpoints(self) -> list[dict]:
        return [{"log": "validator", "position": 1000, "hash": "ab"}]


@pytest.fixture
def trail():
    return Trail()


@pytest.fixture
def client(trail):
    return app_with(fake_readers(audit=trail, verify=Verify()))[1]


@pytest.mark.parametrize("path", ["/audit/log?employer=175110801", "/audit/verify",
                                  "/audit/checkpoints"])
def test_only_auditors_read_the_audit_log(client, trail, path):
    forbidden = client.get(path, headers=KROON)
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "the audit log is read with an auditor token"
    assert client.get(path, headers=NOBODY).status_code == 401
    assert client.get(path, headers=AUDITOR).status_code == 200
    assert len(trail.selections) == (1 if "log" in path else 0)


def test_the_log_is_json_lines_of_the_selection(client, trail):
    answer = client.get("/audit/log?ssin=85073003328", headers=AUDITOR)
    assert answer.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line) for line in answer.text.splitlines()] == [
        {"declarationId": 1, "event": "received"}, {"declarationId": 2, "event": "received"}]
    assert trail.selections == [Selection(ssin="85073003328")]


def test_a_selection_is_exactly_one_thing_that_was_recorded(client):
    assert client.get("/audit/log", headers=AUDITOR).status_code == 400
    assert client.get("/audit/log?ssin=1&period=2", headers=AUDITOR).status_code == 400
    assert client.get("/audit/log?period=x", headers=AUDITOR).status_code == 400
    nothing = client.get("/audit/log?declaration=9", headers=AUDITOR)
    assert (nothing.status_code, nothing.json()["detail"]) == (
        404, "nothing recorded for this selection")


def test_verify_and_the_checkpoints(client):
    assert client.get("/audit/verify", headers=AUDITOR).json() == {"ok": True, "logs": {}}
    lines = client.get("/audit/checkpoints", headers=AUDITOR).text.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"log": "validator", "position": 1000, "hash": "ab"}]
