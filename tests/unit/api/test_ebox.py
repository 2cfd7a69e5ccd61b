"""The e-Box's routes over fakes: a declarant's messages, an employer's, an auditor's
read-only view; anything else answers 404, as if it did not exist."""

import pytest

from tests.unit.api.fakes import AUDITOR, KROON, NOBODY, PARC, app_with, fake_readers

MESSAGE = {"messageId": "m1", "recipient": "0403170701", "employerKey": "175110801",
           "language": "nl"}


class Ebox:
    """ReadEbox over one message to Kroon."""

    def __init__(self) -> None:
        self.read: list[str] = []
        self.pages: list[tuple] = []

    def of_declarant(self, number, unread, limit, offset):
        self.pages.append(("declarant", number, unread, limit, offset))
        return {"total": 1, "offset": offset, "limit": limit, "items": [MESSAGE]}

    def of_employer(self, number, unread, limit, offset):
        self.pages.append(("employer", number, unread, limit, offset))
        return {"total": 1, "offset": offset, "limit": limit, "items": [MESSAGE]}

    def find(self, message_id):
        return MESSAGE if message_id == "m1" else None

    def mark_read(self, message_id):
        self.read.append(message_id)
        return {**MESSAGE, "readAt": "2026-07-08T10:00:00+02:00"}


@pytest.fixture
def ebox():
    return Ebox()


@pytest.fixture
def client(ebox):
    return app_with(fake_readers(ebox=ebox))[1]


@pytest.mark.parametrize(("headers", "status"), [
    (KROON, 200), (AUDITOR, 200), (PARC, 404), (NOBODY, 401)])
def test_a_declarants_and_an_employers_messages(client, headers, status):
    assert client.get("/ebox/messages?declarant=403170701", headers=headers
                      ).status_code == status
    assert client.get("/ebox/messages?employer=175110801", headers=headers
                      ).status_code == status


def test_a_page_of_unread_messages(client, ebox):
    answer = client.get("/ebox/messages?declarant=0403170701&unread=true&limit=5&offset=2",
                        headers=KROON)
    assert answer.json()["items"] == [MESSAGE]
    assert ebox.pages == [("declarant", "0403170701", True, 5, 2)]


@pytest.mark.parametrize("query", [
    "", "?declarant=0403170701&employer=175110801", "?declarant=0403170701&limit=0",
    "?employer=175110801&offset=-1"])
def test_exactly_one_of_employer_and_declarant(client, ebox, query):
    assert client.get(f"/ebox/messages{query}", headers=KROON).status_code == 400
    assert ebox.pages == []


def test_a_message_is_marked_read_by_whom_may_read_it_not_by_an_auditor(client, ebox):
    assert client.post("/ebox/messages/m1/read", headers=PARC).status_code == 404
    assert client.post("/ebox/messages/m1/read", headers=NOBODY).status_code == 401
    refused = client.post("/ebox/messages/m1/read", headers=AUDITOR)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "an auditor token reads; it cannot mark messages read"
    assert ebox.read == []
    answer = client.post("/ebox/messages/m1/read", headers=KROON)
    assert (answer.status_code, answer.json()["readAt"]) == (200, "2026-07-08T10:00:00+02:00")
    assert ebox.read == ["m1"]


def test_a_message_nobody_may_read_is_not_found(client):
    assert client.get("/ebox/messages/m1", headers=PARC).status_code == 404
    assert client.get("/ebox/messages/m2", headers=AUDITOR).status_code == 404
    assert client.post("/ebox/messages/m2/read", headers=KROON).status_code == 404
    assert client.get("/ebox/messages/m1?lang=es", headers=KROON).status_code == 400
    assert client.get("/ebox/messages/m1?format=pdf", headers=KROON).status_code == 400
