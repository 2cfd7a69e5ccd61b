"""The HTTP edge's own lifespan on the real PostgreSQL and broker: it opens the pool and the
read side, puts them in `app.state`, and starts intake's jobs, so that a declaration
recorded over HTTP is handed to the relay and published, and a file dropped in the inbox is
acknowledged in the outbox; leaving it stops them."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
from fastapi.testclient import TestClient

from schemas import topics
from services.api.app import create_app
from services.api.settings import ApiSettings
from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument
from tests.conftest import ROOT, declaration_ids_on, wait_until
from tests.integration.http_world import KROON

pytestmark = pytest.mark.integration
IN = {"employer": {"employerId": 175110801}, "worker": {"ssin": "85073003328"},
      "dimonaIn": {"startDate": "2030-01-07",
                   "features": {"jointCommissionNumber": "XXX", "workerType": "OTH"}}}


def test_the_lifespan_fills_the_state_and_runs_intakes_jobs(infra, database_url, tmp_path):
    # The broker is shared by the session: numbers no other test's database gives out.
    with psycopg.connect(database_url) as conn:
        conn.execute("ALTER SEQUENCE intake.declaration_seq RESTART WITH 9900000000")
    directory.load(database_url, DirectoryDocument.model_validate_json(
        (ROOT / "examples" / "directory.json").read_bytes()))
    settings = ApiSettings(database_url=database_url, kafka_bootstrap=infra.broker.bootstrap,
                           inbox_dir=tmp_path / "inbox", outbox_dir=tmp_path / "outbox",
                           inbox_poll_s=0.1, return_files_interval_s=0.1)
    app = create_app(settings)
    assert not hasattr(app.state, "services")  # nothing is opened before the lifespan
    with TestClient(app) as client:
        services = app.state.services
        assert not services.readers.pool.closed
        answer = client.post("/declarations", json=IN, headers=KROON)
        assert answer.status_code == 201
        number = answer.json()["declarationId"]
        published = asyncio.run(declaration_ids_on(
            infra.broker.bootstrap, topics.SUBMISSIONS, lambda ids: number in ids))
        assert number in published

        (tmp_path / "inbox" / "0477472701").mkdir(parents=True)
        (tmp_path / "inbox" / "0477472701" / "week.jsonl").write_text(
            json.dumps(IN) + "\nnot json\n")
        acks = tmp_path / "outbox" / "0477472701"
        [ack] = wait_until(lambda: list(acks.glob("week.jsonl.*.ack.json")), 30, "the ack")
        found = json.loads(ack.read_text())
        assert (found["lines"], found["accepted"], found["rejected"]) == (
            2, 1, [{"line": 2, "reason": "not valid JSON"}])
        metrics = client.get("/metrics").text
        assert 'dimona_batch_lines_total{outcome="accepted"} 1.0' in metrics
        assert 'dimona_declarations_received_total{channel="webservice"} 1.0' in metrics
    assert services.readers.pool.closed
