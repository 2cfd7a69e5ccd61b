"""In-memory stand-ins for the HTTP edge's collaborators: the routes' status codes and
scoping are checked without PostgreSQL (tests/integration/test_api_*.py use the real ones)."""

from __future__ import annotations

from contextlib import nullcontext
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.api.access import Unauthorized
from services.api.app import create_app
from services.api.deps import Services
from services.api.settings import ApiSettings
from services.intake.domain import Principal

KROON = {"Authorization": "Bearer kroon"}  # the declarant and employer 0403170701
PARC = {"Authorization": "Bearer parc"}  # another employer, no mandate for Kroon
AUDITOR = {"Authorization": "Bearer auditor"}
NOBODY: dict = {}
PRINCIPALS = {"kroon": Principal("declarant", "0403170701", token="directory:kroon"),
              "parc": Principal("declarant", "0876543270", token="directory:parc"),
              "auditor": Principal("auditor", "Inspectie", token="directory:auditor")}
EMPLOYERS = {"0403170701": {"0403170701", "175110801"},  # what each declarant may read
             "0876543270": {"0876543270", "197100119"}}


class FakeAccess:
    """Access (services.api.access) over dictionaries instead of the directory."""

    def __init__(self) -> None:
        self.issued: list[tuple[str, str]] = []

    def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            return Principal("anonymous")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or token not in PRINCIPALS:
            raise Unauthorized("unknown or expired bearer token")
        return PRINCIPALS[token]

    def issue_token(self, client_id: str, client_secret: str) -> tuple[str, int]:
        if PRINCIPALS.get(client_secret) != PRINCIPALS.get("kroon") or client_id != "0403170701":
            raise Unauthorized("unknown client or wrong secret")
        self.issued.append((client_id, client_secret))
        return "issued-token", 600

    def check_may_declare(self, principal: Principal, declarations) -> None:
        principal.check_may_write()

    def may_read_employer(self, principal: Principal, employer: str) -> bool:
        if principal.kind != "declarant":
            return principal.kind == "auditor"
        return employer in EMPLOYERS.get(principal.declarant, set())

    def may_read(self, principal: Principal, declarant: str | None, employer: str) -> bool:
        if principal.kind != "declarant":
            return principal.may_read(declarant, None)
        return declarant == principal.declarant or self.may_read_employer(principal, employer)


def fake_readers(**parts) -> SimpleNamespace:
    """A Readers (services.api.readers) holding only the readers a test gives; its
    register and Flexi at work now (as of a moment they need the event store: integration
    tests)."""
    def now(part: str):
        def at(moment, **whose):
            assert moment is None, "the register as of a moment is not faked"
            return nullcontext(parts[part])
        return at
    return SimpleNamespace(**({"register_at": now("register"), "flexi_at": now("flexi")}
                              | parts))


def app_with(readers: SimpleNamespace | None = None, intake=None,
             settings: ApiSettings | None = None) -> tuple[FastAPI, TestClient]:
    """The API over fakes, its lifespan never run (TestClient outside a `with`)."""
    settings = settings or ApiSettings(database_url="postgresql://nowhere/none")
    app = create_app(settings, Services(intake, FakeAccess(), readers or fake_readers()))
    return app, TestClient(app)
