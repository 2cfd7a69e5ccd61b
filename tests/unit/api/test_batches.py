"""POST /batches and GET /batches/{ref} over fakes: a file needs a declarant's token and
its name; a batch is read by its declarant or an auditor, anyone else gets 404."""

import hashlib
import json

import pytest

from tests.unit.api.fakes import AUDITOR, KROON, NOBODY, PARC, app_with, fake_readers

SUMMARY = {"batchRef": "ref1", "fileName": "f.jsonl", "declarant": "0403170701",
           "lines": 3, "accepted": 2, "rejectedLines": 1, "duplicate": False}


class Intake:
    def __init__(self) -> None:
        self.accepted: list[tuple] = []

    def accept_batch(self, name, stream, sha256, declarant, via, token):
        self.accepted.append((name, stream.read(), sha256, declarant, via, token))
        return SUMMARY


class Batches:
    """BatchViews over one batch of Kroon's."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def summary(self, ref):
        return SUMMARY if ref == "ref1" else None

    def acknowledgement(self, summary):
        yield json.dumps(summary)[:-1]
        yield ', "declarations": [], "rejected": []}'

    def progress(self, summary, after_line, limit):
        self.asked.append((after_line, limit))
        return {**summary, "decided": 0, "complete": False, "results": [],
                "nextAfterLine": None}


@pytest.fixture
def parts():
    return Intake(), Batches()


@pytest.fixture
def client(parts):
    intake, batches = parts
    return app_with(fake_readers(batches=batches), intake)[1]


def test_a_file_is_streamed_to_intake_and_acknowledged(client, parts):
    data = b'{"a": 1}\nnot json\n'
    answer = client.post("/batches", content=data,
                         headers={**KROON, "X-File-Name": "f.jsonl"})
    assert answer.status_code == 202
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {**SUMMARY, "declarations": [], "rejected": []}
    assert parts[0].accepted == [("f.jsonl", data, hashlib.sha256(data).hexdigest(),
                                  "0403170701", "POST /batches", "directory:kroon")]


@pytest.mark.parametrize(("headers", "status"), [
    (NOBODY, 401), (AUDITOR, 401), ({"Authorization": "Bearer nope"}, 401), (KROON, 400)])
def test_a_file_needs_a_declarants_token_and_a_name(client, parts, headers, status):
    name = {} if headers is KROON else {"X-File-Name": "f.jsonl"}
    answer = client.post("/batches", content=b"{}", headers={**headers, **name})
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert parts[0].accepted == []


@pytest.mark.parametrize(("headers", "status"), [
    (KROON, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401)])
def test_a_batch_is_read_by_its_declarant_or_an_auditor(client, headers, status):
    answer = client.get("/batches/ref1", headers=headers)
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["batchRef"] == "ref1"


def test_an_unknown_batch_or_a_wrong_page_is_refused(client, parts):
    assert client.get("/batches/other", headers=AUDITOR).status_code == 404
    assert client.get("/batches/ref1?limit=0", headers=KROON).status_code == 400
    assert client.get("/batches/ref1?afterLine=-1", headers=KROON).status_code == 400
    assert client.get("/batches/ref1?afterLine=2&limit=5", headers=KROON).status_code == 200
    assert client.get("/batches/ref1", headers=KROON).status_code == 200
    assert parts[1].asked == [(2, 5), (0, 10_000)]
