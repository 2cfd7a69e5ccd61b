"""POST /batches and GET /batches/{ref} on the real PostgreSQL, in-process: the file's
acknowledgement, its progress and results page by page, and who may read them."""

from __future__ import annotations

import json

import pytest

from tests.integration.http_world import (
    AUDITOR,
    KROON,
    MAX_BATCH_BYTES,
    NOBODY,
    PARC,
    SECRETARIAT,
    World,
)

pytestmark = pytest.mark.integration


def send(world: World, name: str, lines: list, headers: dict = SECRETARIAT):
    data = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines).encode()
    return world.client.post("/batches", content=data,
                             headers={**headers, "X-File-Name": name})


@pytest.fixture(scope="module")
def batch(world):
    """A file of the secretariat: four declarations for Kroon, one line not JSON."""
    lines = [world.other_in(), world.other_in(), "not json", world.other_in(),
             world.other_in()]
    answer = send(world, "week.jsonl", lines)
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_the_acknowledgement_numbers_every_accepted_line(batch):
    assert (batch["fileName"], batch["declarant"], batch["lines"], batch["accepted"],
            batch["rejectedLines"], batch["duplicate"]) == (
        "week.jsonl", "0477472701", 5, 4, 1, False)
    assert [d["line"] for d in batch["declarations"]] == [1, 2, 4, 5]
    assert batch["rejected"] == [{"line": 3, "reason": "not valid JSON"}]


def test_progress_then_results_page_by_page(world, batch):
    ref = batch["batchRef"]
    before = world.client.get(f"/batches/{ref}", headers=SECRETARIAT).json()
    assert (before["decided"], before["complete"]) == (0, False)
    assert before["results"] == [{"line": 3, "rejected": "not valid JSON"}]
    world.settle()
    done = world.client.get(f"/batches/{ref}", headers=SECRETARIAT).json()
    assert (done["decided"], done["complete"], done["nextAfterLine"]) == (4, True, None)
    assert [(r["line"], r.get("result")) for r in done["results"]] == [
        (1, "A"), (2, "A"), (3, None), (4, "A"), (5, "A")]
    numbers = {d["line"]: d["declarationId"] for d in batch["declarations"]}
    assert all(r["declarationId"] == numbers[r["line"]] for r in done["results"]
               if "result" in r)
    first = world.client.get(f"/batches/{ref}?limit=2", headers=SECRETARIAT).json()
    assert ([r["line"] for r in first["results"]], first["nextAfterLine"]) == ([1, 2], 2)
    rest = world.client.get(f"/batches/{ref}?afterLine=2&limit=3", headers=SECRETARIAT).json()
    assert ([r["line"] for r in rest["results"]], rest["nextAfterLine"]) == ([3, 4, 5], 5)
    assert world.client.get(f"/batches/{ref}?afterLine=5", headers=SECRETARIAT
                            ).json()["results"] == []


@pytest.mark.parametrize(("headers", "status"), [
    (SECRETARIAT, 200), (AUDITOR, 200), (KROON, 404), (PARC, 404), (NOBODY, 401)])
def test_a_batch_is_read_by_its_declarant_or_an_auditor(world, batch, headers, status):
    answer = world.client.get(f"/batches/{batch['batchRef']}", headers=headers)
    assert answer.status_code == status  # Kroon's declarations, but not Kroon's file


def test_the_same_file_again_is_a_duplicate_with_the_first_answer(world, batch):
    lines = [world.other_in()]
    first = send(world, "again.jsonl", lines).json()
    again = send(world, "again.jsonl", lines)
    assert again.status_code == 202
    assert again.json() == {**first, "duplicate": True}


@pytest.mark.parametrize(("headers", "status"), [
    (NOBODY, 401), (AUDITOR, 401), ({"Authorization": "Bearer nope"}, 401)])
def test_a_file_needs_a_declarants_token(world, headers, status):
    assert send(world, "x.jsonl", [world.other_in()], headers).status_code == status


def test_unreadable_missing_or_too_large_files_are_problems(world):
    for data in (b"\xff\xfe", b"\n \n"):  # not UTF-8; empty
        answer = world.client.post("/batches", content=data,
                                   headers={**SECRETARIAT, "X-File-Name": "bad.jsonl"})
        assert answer.status_code == 400
        assert answer.headers["content-type"] == "application/problem+json"
    assert world.client.post("/batches", content=b"{}", headers=SECRETARIAT
                             ).status_code == 400  # no X-File-Name
    too_large = world.client.post("/batches", content=b" " * (MAX_BATCH_BYTES + 1),
                                  headers={**SECRETARIAT, "X-File-Name": "big.jsonl"})
    assert too_large.status_code == 413
    assert world.client.get("/batches/unknown", headers=AUDITOR).status_code == 404
