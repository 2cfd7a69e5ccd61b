"""Batch files on the real PostgreSQL: streamed in one transaction, recognised when sent
twice (even at the same time), refused whole when unreadable, never held in memory, and
answered by results files built from the notifier's return-file entries."""

from __future__ import annotations

import io
import json
import threading
import tracemalloc

import psycopg
import pytest

from services.api.batch_views import BatchViews
from services.common.db import open_pool
from services.directory.cache import Snapshot
from services.directory.domain import EmployerIndex
from services.intake.adapter import IntakeStore
from services.intake.application import Intake
from services.intake.domain import BadFile, sha256_of
from services.intake.return_files import ReturnFiles
from services.notifier.application import NotifyDecisions
from services.notifier.outbox import Outbox
from services.notifier.queries import ReturnEntries
from services.projections.queries import RegisterQueries
from services.validator.domain import decide, identified
from tests.unit.factories import IN, KROON, FakeContext, submitted
from tests.unit.rulebook import dimona_in
from tests.unit.test_rules_parties import PERSON

pytestmark = pytest.mark.integration
SECRETARIAT = "0477472701"
AN_SSIN = "90050100151"


def jsonl(*declarations: dict | str) -> bytes:
    return "\n".join(d if isinstance(d, str) else json.dumps(d) for d in declarations).encode()


def accept(intake: Intake, name: str, data: bytes) -> dict:
    stream = io.BytesIO(data)
    return intake.accept_batch(name, stream, sha256_of(stream), SECRETARIAT)


def count(url: str, query: str, *params) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


@pytest.fixture
def intake(database_url) -> Intake:
    return Intake(IntakeStore(open_pool(database_url)), chunk_lines=3)


def test_a_file_is_recorded_in_chunks_and_acknowledged_line_by_line(intake, database_url):
    # The OUTs on lines 5 and 7 name only a period: the IN of line 1 (an earlier chunk)
    # gives them their employer, so they go to its Kafka partition.
    lines = [IN, "not json", IN, IN, None, IN, None]
    first = accept(intake, "first.jsonl", jsonl(IN))
    [(_, period)] = list(intake.store.declared_lines(first["batchRef"]))
    out = {"dimonaOut": {"periodId": period, "endDate": "2026-07-08"}}
    data = jsonl(*[out if d is None else d for d in lines])
    summary = accept(intake, "week.jsonl", data)
    assert (summary["lines"], summary["accepted"], summary["rejectedLines"]) == (7, 6, 1)

    ack = json.loads("".join(BatchViews(intake.store, None).acknowledgement(summary)))
    assert [d["line"] for d in ack["declarations"]] == [1, 3, 4, 5, 6, 7]
    assert ack["rejected"] == [{"line": 2, "reason": "not valid JSON"}]
    assert count(database_url, "SELECT count(DISTINCT employer_key) FROM intake.submissions "
                 "WHERE batch_ref = %s", summary["batchRef"]) == 1

    again = accept(intake, "week.jsonl", data)
    assert again == {**summary, "duplicate": True}
    renamed = accept(intake, "week-copy.jsonl", data)
    assert not renamed["duplicate"]  # a file is its name and its content (docs/interface.md §5)


def test_the_same_file_sent_twice_at_once_is_processed_once(intake, database_url):
    data = jsonl(*[IN] * 50)
    answers: list[dict] = []
    threads = [threading.Thread(target=lambda: answers.append(accept(intake, "x.jsonl", data)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a["duplicate"] for a in answers) == [False, True]
    assert count(database_url, "SELECT count(*) FROM intake.submissions") == 50


def test_an_unreadable_file_leaves_nothing_behind(intake, database_url):
    good = jsonl(*[IN] * 7)
    with pytest.raises(BadFile, match="line 8"):
        accept(intake, "bad.jsonl", good + b"\n\xff\n")
    assert count(database_url, "SELECT count(*) FROM intake.submissions") == 0
    assert count(database_url, "SELECT count(*) FROM intake.batches") == 0
    assert not accept(intake, "bad.jsonl", good)["duplicate"]  # the fixed file is new


def test_memory_does_not_grow_with_the_size_of_the_file(database_url):
    """A file of ten times the lines needs about the same memory: it is streamed (read,
    recorded and acknowledged chunk by chunk), never held whole."""
    intake = Intake(IntakeStore(open_pool(database_url)), chunk_lines=200)
    views = BatchViews(intake.store, RegisterQueries(intake.store.pool))

    def peak_bytes(lines: int) -> int:
        data = jsonl(*[{**IN, "references": {"declaration": f"{lines}-{i}"}}
                       for i in range(lines)])
        tracemalloc.start()
        summary = accept(intake, f"{lines}.jsonl", data)
        acknowledged = sum(len(piece) for piece in views.acknowledgement(summary))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert summary["accepted"] == lines and acknowledged > lines * 30
        return peak

    small, large = peak_bytes(1_000), peak_bytes(10_000)
    assert large < 1.5 * small, (small, large)


def test_results_file_then_a_follow_up_with_the_final_result_of_an_s_line(
        intake, database_url, tmp_path):
    """The results file answers every line (the worker without SSIN with its `S`); its
    final result, once identified, comes in `<file>.<ref>.results.2.jsonl`."""
    unknown = {**dimona_in(ssin=None), "worker": PERSON}
    summary = accept(intake, "s.jsonl", jsonl(IN, "not json", unknown))
    ref = summary["batchRef"]
    subs = [submitted(body, number=number, declarant=SECRETARIAT).model_copy(
        update={"batch_ref": ref, "line": line})
        for body, (line, number) in zip((IN, unknown), intake.store.declared_lines(ref),
                                        strict=True)]
    notify = NotifyDecisions(Outbox(intake.store.pool), lambda: Snapshot(
        EmployerIndex([KROON]), {SECRETARIAT: {"batchSender": True}}))
    notify([decide(s, FakeContext()) for s in subs], None)
    pool = intake.store.pool
    files = ReturnFiles(intake.store, ReturnEntries(pool), tmp_path)

    def written(kind: str) -> list[dict]:
        path = tmp_path / SECRETARIAT / f"s.jsonl.{ref}.{kind}"
        return [json.loads(line) for line in path.read_text().splitlines()]
    assert files.write_pending() == 2  # the acknowledgement and the results
    assert [(r["line"], r.get("result"), r.get("rejected")) for r in written(
        "results.jsonl")] == [(1, "A", None), (2, None, "not valid JSON"), (3, "S", None)]
    assert files.write_pending() == 0  # nothing new: the S line still waits
    # A batch whose line waits takes no turn while nothing new came for it: a newer
    # batch is answered even one batch at a time.
    newer = accept(intake, "newer.jsonl", jsonl("not json"))
    assert files.write_pending(limit=1) == 2
    assert (tmp_path / SECRETARIAT / f"newer.jsonl.{newer['batchRef']}.results.jsonl").exists()

    final = decide(identified(subs[1], AN_SSIN), FakeContext(), identified_ssin=AN_SSIN)
    notify([final], None)
    assert files.write_pending() == 1
    [(line, result)] = [(r["line"], r) for r in written("results.2.jsonl")]
    assert (line, result["result"], result["identifiedSsin"]) == (3, "A", AN_SSIN)
    assert files.write_pending() == 0
    assert count(database_url, "SELECT results_waiting FROM intake.batches "
                 "WHERE batch_ref = %s", ref) == 0
