"""`dimona submit` rides through an outage of PostgreSQL (dimona/client.py): a try is done
again only because a batch file is recorded once by its name and content, so a try whose
answer the outage hid (committed, then the connection cut) is found again and answered as
this command's own, not as a duplicate; nothing is recorded twice."""

from __future__ import annotations

import json

import psycopg

from dimona.client import StackClient
from dimona.retry import Retry
from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument
from services.intake.application import Intake
from tests.conftest import ROOT
from tests.e2e.workload import write_batch

CUT = psycopg.OperationalError("consuming input failed: server closed the connection "
                               "unexpectedly")


def test_a_submit_whose_answer_an_outage_hid_is_recorded_once(database_url, tmp_path,
                                                              monkeypatch):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "stack.json").write_text(json.dumps({"database_url": database_url}))
    directory.load(database_url, DirectoryDocument.model_validate_json(
        (ROOT / "examples" / "directory.json").read_text()))
    recorded = Intake.accept_batch
    answers: list[dict] = []

    def recorded_then_cut(self, *args, **kwargs):
        answers.append(recorded(self, *args, **kwargs))
        if len(answers) == 1:
            raise CUT  # committed; the answer never came back
        return answers[-1]
    monkeypatch.setattr(Intake, "accept_batch", recorded_then_cut)
    said: list[str] = []
    file = write_batch(tmp_path / "cut.jsonl", 40)
    client = StackClient(tmp_path, Retry(30, said.append, lambda s: None))
    summary = client.submit(file, "0403170701")
    assert [a["duplicate"] for a in answers] == [False, True]  # the second try found it
    assert summary == answers[0]  # ... and answers it as this command's
    assert said == ["dimona: the database is away; retrying for up to 30 s (consuming input "
                    "failed: server closed the connection unexpectedly)"]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM intake.batches").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM intake.submissions").fetchone() == (40,)
    client.reconnect()
    again = StackClient(tmp_path, Retry(30, said.append, lambda s: None))
    assert again.submit(file, "0403170701") == {**summary, "duplicate": True}  # later: one
    again.reconnect()
