"""The HTTP edge in-process over a real database (tests/integration/test_api_*.py): the
example directory, the API with the real access rules and read side (FastAPI's TestClient,
no lifespan, no broker), and the consumers' work done in-process so that what was declared
gets decided, entered in the register and notified."""

from __future__ import annotations

import itertools
from functools import partial

import psycopg
from fastapi.testclient import TestClient

from schemas.events import DeclarationDecided, DeclarationSubmitted
from services.api.access import Access
from services.api.app import create_app
from services.api.deps import Services
from services.api.readers import open_readers
from services.api.settings import ApiSettings
from services.common.db import open_pool
from services.directory import adapter as directory
from services.directory.cache import read_snapshot
from services.directory.domain import DirectoryDocument
from services.intake.adapter import IntakeStore
from services.intake.application import Intake
from services.notifier.application import NotifyDecisions
from services.notifier.outbox import Outbox
from services.projections.application import UpdateRegister, catch_up_notifications
from services.validator.application import DecideDeclarations
from services.validator.eventlog import open_event_store
from tests.conftest import ROOT

KROON = {"Authorization": "Bearer kroon-secret-token"}  # declarant and employer 175110801
PARC = {"Authorization": "Bearer parc-secret-token"}  # employer 197100119, no mandate
SECRETARIAT = {"Authorization": "Bearer secretariat-secret-token"}  # mandates for both
AUDITOR = {"Authorization": "Bearer auditor-secret-token"}
NOBODY: dict = {}
MAX_BODY_BYTES, MAX_BATCH_BYTES = 8 * 1024, 64 * 1024


class World:
    def __init__(self, database_url: str):
        self.url = database_url
        directory.load(database_url, DirectoryDocument.model_validate_json(
            (ROOT / "examples" / "directory.json").read_bytes()))
        self.pool = open_pool(database_url, 4)
        store = IntakeStore(self.pool)
        self.readers = open_readers(self.pool, database_url)
        settings = ApiSettings(database_url=database_url, max_body_bytes=MAX_BODY_BYTES,
                               max_batch_bytes=MAX_BATCH_BYTES, token_lifetime_s=600)
        self.app = create_app(settings, Services(Intake(store), Access(store, 600),
                                                 self.readers))
        self.client = TestClient(self.app)
        self.decide = DecideDeclarations(open_event_store(database_url, create_table=False),
                                         partial(directory.directory, database_url))
        self.register = UpdateRegister(self.pool)
        self.notify = NotifyDecisions(Outbox(self.pool), partial(read_snapshot, database_url))
        self.serials = itertools.count(100)

    def new_ssin(self) -> str:
        """A valid SSIN, born in 1985, that no other declaration of this world has."""
        base = f"850730{next(self.serials):03d}"
        return base + f"{97 - int(base) % 97:02d}"

    def other_in(self, employer_id: int = 175110801) -> dict:
        """An open IN of an ordinary worker, far enough ahead to be accepted."""
        return {"employer": {"employerId": employer_id}, "worker": {"ssin": self.new_ssin()},
                "dimonaIn": {"startDate": "2030-01-07", "features": {
                    "jointCommissionNumber": "XXX", "workerType": "OTH"}}}

    def declare(self, headers: dict, body: dict | None = None) -> int:
        answer = self.client.post("/declarations", json=body or self.other_in(),
                                  headers=headers)
        assert answer.status_code == 201, answer.text
        return answer.json()["declarationId"]

    def settle(self) -> list[DeclarationDecided]:
        """What the consumers would do with everything recorded and not yet decided:
        decide it, enter it in the register, notify it."""
        with psycopg.connect(self.url) as conn:
            events = [e for (e,) in conn.execute(
                "SELECT s.event FROM intake.submissions s WHERE NOT EXISTS (SELECT FROM "
                "register.declarations d WHERE d.declaration_id = s.declaration_id) "
                "ORDER BY s.declaration_id")]
        decided = self.decide([DeclarationSubmitted.model_validate_json(e) for e in events])
        self.register.apply(decided, None)
        self.notify(decided, None)
        catch_up_notifications(self.register)  # the register's list of notifications
        return decided

    def close(self) -> None:
        self.readers.close()
        self.pool.close()
