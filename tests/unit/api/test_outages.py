"""While the database or the broker is away, the HTTP edge answers 503 with Retry-After
(services/api/errors.py): problem+json for the API, the error page for the web pages;
a failure that is no outage stays a 500."""

from types import SimpleNamespace

import psycopg
import pytest
from aiokafka.errors import KafkaConnectionError
from fastapi.testclient import TestClient
from psycopg_pool import PoolTimeout

from services.api import deps
from services.api.errors import RETRY_AFTER_S
from services.api.web.session import COOKIE
from tests.unit.api.fakes import KROON, app_with, fake_readers
from tests.unit.factories import IN

SHUTDOWN = psycopg.errors.AdminShutdown("terminating connection due to administrator command")


def raising(error: Exception):
    def call(*args, **kwargs):
        raise error
    return call


@pytest.mark.parametrize("error", [SHUTDOWN, PoolTimeout("couldn't get a connection after 5 s"),
                                   KafkaConnectionError("Unable to bootstrap")])
def test_a_declaration_sent_during_an_outage_is_answered_503_with_retry_after(error):
    app, client = app_with()
    app.dependency_overrides[deps.declare] = lambda: raising(error)
    answer = client.post("/declarations", json=IN, headers={**KROON, "Idempotency-Key": "k"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert (problem["status"], problem["title"]) == (503, "Service Unavailable")
    assert problem["detail"].startswith("the broker is away" if isinstance(
        error, KafkaConnectionError) else "the database is away")


def test_a_read_during_an_outage_too_and_an_error_raised_from_one():
    try:
        try:
            raise SHUTDOWN
        except psycopg.Error as exc:
            raise RuntimeError("the register could not be read") from exc
    except RuntimeError as wrapped:
        error = wrapped
    for failure in (SHUTDOWN, error):
        app, _ = app_with(fake_readers(result=raising(failure)))
        client = TestClient(app, raise_server_exceptions=False)
        answer = client.get("/declarations/680725377630", headers=KROON)
        assert (answer.status_code, answer.headers["Retry-After"]) == (503, "2")


def test_a_failure_that_is_no_outage_is_still_a_500():
    app, _ = app_with()
    client = TestClient(app, raise_server_exceptions=False)
    app.dependency_overrides[deps.declare] = lambda: raising(
        psycopg.errors.DeadlockDetected("deadlock detected"))
    answer = client.post("/declarations", json=IN, headers=KROON)
    assert answer.status_code == 500 and "Retry-After" not in answer.headers


def test_a_web_page_during_an_outage_is_the_error_page_in_its_language():
    app, client = app_with()
    app.state.web_sessions = SimpleNamespace(find=raising(SHUTDOWN))
    client.cookies.set(COOKIE, "a-session")
    answer = client.get("/web/employees?lang=en")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>Unavailable for a moment</h1>" in answer.text
    assert "Traceback" not in answer.text
