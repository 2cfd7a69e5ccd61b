"""Bad input at volume (issue 8, point 4): over 10,000 malformed or hostile inputs through
both channels, drawn from seeded generators (tests/e2e/hostile.py). Every one is answered,
nothing crashes, and Kafka records that cannot be decoded are dead-lettered once each,
counted and visible (`dimona deadletters`, GET /metrics)."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from schemas import topics
from tests.conftest import wait_until
from tests.e2e.hostile import (
    Request,
    bad_line,
    employers_on_every_partition,
    garbage_records,
    rest_requests,
)
from tests.e2e.test_intake_channels import RestClient, new_ssin, other_in, outbox_files

pytestmark = pytest.mark.e2e
SEED = 20260804
REST_INPUTS = 3_300
FILES = 7  # 2 by `dimona submit`, 3 by POST /batches, 2 through the inbox
BAD_LINES_PER_FILE = 1_030
GOOD_LINES_PER_FILE = 40
GARBAGE_RECORDS = 120
PARTITIONS = 4  # `dimona up`'s default
SECRETARIAT = "0477472701"
TOKENS = {"kroon": "kroon-secret-token", "auditor": "auditor-secret-token",
          "secretariat": "secretariat-secret-token"}
SECRETARIAT_AUTH = {"Authorization": f"Bearer {TOKENS['secretariat']}"}
GROUPS = {topics.SUBMISSIONS: ["validator"], topics.DECISIONS: ["notifier", "projections"],
          topics.NOTIFICATIONS: ["projections-notifications"]}
RUN = uuid.uuid4().hex[:8]  # file names only: the same content under another name is new


@pytest.fixture(scope="module")
def processes(stack) -> dict:
    """The service processes before the first input: none may die or be restarted."""
    return {"pids": stack.state["pids"], "restarts": stack.state["restarts"]}


def assert_nothing_crashed(stack, processes: dict) -> None:
    assert stack.state["pids"] == processes["pids"]
    assert stack.state["restarts"] == processes["restarts"]


def metrics(stack) -> dict[tuple, float]:
    """GET /metrics, parsed as Prometheus text: {(sample name, labels...): value}."""
    answer = httpx.get(f"{stack.api}/metrics", timeout=30)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(s.name, *sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def total(found: dict[tuple, float], name: str, **labels: str) -> float:
    return sum(v for (n, *pairs), v in found.items()
               if n == name and set(labels.items()) <= set(pairs))


# --- the REST channel --------------------------------------------------------------------

async def send_all(api: str, requests: list[Request], concurrency: int = 12) -> list:
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=api, timeout=120, limits=httpx.Limits(
            max_connections=concurrency)) as client:
        async def send(r: Request) -> httpx.Response:
            async with limit:
                return await client.post(r.path, content=r.body, headers=r.headers)
        return await asyncio.gather(*(send(r) for r in requests))


def assert_problem(request: Request, answer: httpx.Response) -> None:
    where = (f"{request.path} {request.headers} {request.body[:150]!r} -> "
             f"{answer.status_code} {answer.text[:300]}")
    assert answer.status_code == request.status, where
    assert answer.headers["content-type"] == "application/problem+json", where
    problem = answer.json()
    assert problem["status"] == request.status and problem["detail"], where


def test_thousands_of_hostile_requests_each_get_a_problem_answer(stack, processes):
    requests = rest_requests(random.Random(SEED), REST_INPUTS, TOKENS)
    before = metrics(stack)
    answers = asyncio.run(send_all(stack.api, requests))  # a dropped connection raises
    for request, answer in zip(requests, answers, strict=True):
        assert_problem(request, answer)

    after = metrics(stack)
    for channel in ("rest", "batch"):
        refused = sum(r.channel == channel for r in requests)
        assert total(after, "dimona_inputs_rejected_total", channel=channel) - total(
            before, "dimona_inputs_rejected_total", channel=channel) == refused
    assert_nothing_crashed(stack, processes)
    kroon = RestClient(stack.api, TOKENS["kroon"])
    assert kroon.status(kroon.declare(other_in(new_ssin())))["result"] == "A"


# --- the batch channel -------------------------------------------------------------------

@dataclass
class BatchFile:
    name: str
    data: bytes
    bad: list[int]  # line numbers
    good: list[int]


def batch_file(rng: random.Random, employers: list[int], bad: int, good: int,
               extra_bad: tuple[str, ...] = ()) -> BatchFile:
    """Bad lines with good ones among them, the good ones for employers on every
    partition."""
    lines = [(False, bad_line(rng)) for _ in range(bad)] + [(False, x) for x in extra_bad]
    lines += [(True, json.dumps({**other_in(new_ssin()), "employer": {
        "employerId": employers[i % len(employers)]}})) for i in range(good)]
    rng.shuffle(lines)
    return BatchFile(f"hostile-{RUN}-{rng.getrandbits(32):08x}.jsonl",
                     "\n".join(text for _, text in lines).encode() + b"\n",
                     [n for n, (ok, _) in enumerate(lines, 1) if not ok],
                     [n for n, (ok, _) in enumerate(lines, 1) if ok])


def submitted_with_cli(stack, folder: Path, f: BatchFile) -> dict:
    (folder / f.name).write_bytes(f.data)
    return json.loads(stack.cli("submit", str(folder / f.name), "--as", SECRETARIAT,
                                "--json").stdout)


def posted(stack, f: BatchFile) -> dict:
    answer = httpx.post(f"{stack.api}/batches", content=f.data, timeout=120,
                        headers={**SECRETARIAT_AUTH, "X-File-Name": f.name})
    assert answer.status_code == 202, answer.text[:300]
    return answer.json()


def dropped_in_the_inbox(stack, f: BatchFile) -> Path:
    inbox = stack.home / "var" / "inbox" / SECRETARIAT
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f".{f.name}").write_bytes(f.data)
    (inbox / f".{f.name}").rename(inbox / f.name)
    return inbox / f.name


def answered_in_the_outbox(stack, name: str, suffix: str, timeout_s: float = 120) -> Path:
    return wait_until(lambda: next((p for n, p in outbox_files(stack, SECRETARIAT).items()
                                    if n.startswith(name) and n.endswith(suffix)), None),
                      timeout_s, f"{name}: {suffix}")


def assert_acknowledged(f: BatchFile, ack: dict) -> None:
    assert (ack["fileName"], ack["duplicate"]) == (f.name, False)
    assert ack["lines"] == len(f.bad) + len(f.good)
    assert [r["line"] for r in ack["rejected"]] == f.bad
    assert all(r["reason"] for r in ack["rejected"])
    assert [d["line"] for d in ack["declarations"]] == f.good


def assert_every_line_answered(stack, f: BatchFile, ack: dict) -> None:
    """Every good line gets its result (register), its return-file entry (notifier, the
    results file) and its notification in the register (NotificationSent)."""
    url = f"{stack.api}/batches/{ack['batchRef']}"

    def progress() -> dict | None:
        found = httpx.get(url, params={"limit": 100_000}, headers=SECRETARIAT_AUTH,
                          timeout=60).json()
        return found if found["complete"] else None
    results = wait_until(progress, 120, f"the results of {f.name}", 0.5)["results"]
    assert [r["line"] for r in results if "result" in r] == f.good
    assert [r["line"] for r in results if r.get("rejected")] == f.bad
    results_file = answered_in_the_outbox(stack, f.name, ".results.jsonl")
    assert len(results_file.read_text().splitlines()) == len(f.bad) + len(f.good)
    ids = [d["declarationId"] for d in ack["declarations"]]
    wait_until(lambda: stack.sql("SELECT count(DISTINCT declaration_id) FROM "
                                 "register.notifications WHERE declaration_id = ANY(%s)",
                                 (ids,)) == [(len(ids),)], 60, "the notifications")


def test_thousands_of_bad_lines_are_each_rejected_and_the_good_ones_answered(
        stack, processes, tmp_path):
    rng = random.Random(SEED + 1)
    employers = employers_on_every_partition(PARTITIONS, rng)
    too_long = ("x" * ((1 << 20) + 10), "[" * ((1 << 20) + 1))
    files = [batch_file(rng, employers, BAD_LINES_PER_FILE, GOOD_LINES_PER_FILE,
                        too_long if i == 2 else ()) for i in range(FILES)]
    before = metrics(stack)
    inbox = [dropped_in_the_inbox(stack, f) for f in files[5:]]
    latin1 = dropped_in_the_inbox(stack, BatchFile(f"latin1-{RUN}.jsonl",
                                                   "Café\n".encode("latin-1"), [], []))
    acks = [submitted_with_cli(stack, tmp_path, f) for f in files[:2]]
    acks += [posted(stack, f) for f in files[2:5]]
    acks += [json.loads(answered_in_the_outbox(stack, f.name, ".ack.json").read_text())
             for f in files[5:]]
    for f, ack in zip(files, acks, strict=True):
        assert_acknowledged(f, ack)
    assert "not UTF-8" in json.loads(answered_in_the_outbox(
        stack, latin1.name, ".error.json").read_text())["error"]
    for f, ack in zip(files, acks, strict=True):
        assert_every_line_answered(stack, f, ack)
    assert not any(p.exists() for p in inbox)

    after = metrics(stack)
    bad = [len(f.bad) for f in files]
    assert sum(bad) >= 7_000
    assert total(after, "dimona_batch_lines_total", outcome="rejected") - total(
        before, "dimona_batch_lines_total", outcome="rejected") == sum(bad)
    # intake counts what it takes itself (POST /batches, the inbox), not `dimona submit`
    assert total(after, "dimona_inputs_rejected_total", channel="batch") - total(
        before, "dimona_inputs_rejected_total", channel="batch") == sum(bad[2:]) + 1
    assert_nothing_crashed(stack, processes)


# --- Kafka records that are not events ---------------------------------------------------

async def produce(bootstrap: str, records: list[tuple[bytes | None, list]]) -> list[tuple]:
    """Each record on one of the consumed topics, round the partitions; returns (topic,
    partition, offset) of each."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=1 << 20)
    await producer.start()
    sent = []
    try:
        for i, (value, headers) in enumerate(records):
            topic = list(GROUPS)[i % len(GROUPS)]
            meta = await producer.send_and_wait(topic, value, key=b"%d" % i, headers=headers,
                                                partition=(i // 3) % PARTITIONS)
            sent.append((meta.topic, meta.partition, meta.offset))
    finally:
        await producer.stop()
    return sent


async def on_the_dead_letter_topic(bootstrap: str, wanted: Counter, timeout_s: float = 60
                                   ) -> Counter:
    """(topic, partition, offset) of the dead letters published, read from the start until
    every one wanted is there."""
    consumer = AIOKafkaConsumer(topics.DEAD_LETTER, bootstrap_servers=bootstrap,
                                auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    found: Counter = Counter()
    try:
        async with asyncio.timeout(timeout_s):
            while any(found[k] < n for k, n in wanted.items()):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found.update((d["topic"], d["partition"], d["offset"])
                                 for d in map(json.loads, (r.value for r in records)))
    finally:
        await consumer.stop()
    return found


def dead_letters(stack) -> dict:
    return json.loads(stack.cli("deadletters", "--json", "--limit", "1000").stdout)


def test_garbage_on_the_topics_is_dead_lettered_once_counted_and_shown(stack, processes):
    before = {(c["topic"], c["consumerGroup"]): c["count"]
              for c in dead_letters(stack)["byTopic"]}
    bootstrap = stack.state["kafka_bootstrap"]
    sent = asyncio.run(produce(bootstrap, garbage_records(random.Random(SEED + 2),
                                                          GARBAGE_RECORDS)))
    expected = Counter((g, t, p, o) for t, p, o in sent for g in GROUPS[t])

    def recorded() -> Counter:
        rows = stack.sql('SELECT consumer_group, topic, partition, "offset" FROM '
                         "common.deadletters")
        return Counter(r for r in rows if r[1:] in set(sent))
    wait_until(lambda: recorded() == expected, 120, "every garbage record dead-lettered", 0.5)

    # The consumers go on: good declarations on every partition get through all four groups.
    rng = random.Random(SEED + 3)
    good = batch_file(rng, employers_on_every_partition(PARTITIONS, rng), 0, 2 * PARTITIONS)
    assert_every_line_answered(stack, good, posted(stack, good))
    assert recorded() == expected  # once each, redeliveries included

    published = asyncio.run(on_the_dead_letter_topic(bootstrap, Counter(
        (t, p, o) for _, t, p, o in expected.elements())))
    assert all(published[k] >= 1 for k in sent)
    shown = dead_letters(stack)
    ours = Counter((t, g) for g, t, _, _ in expected.elements())
    counts = {(c["topic"], c["consumerGroup"]): c["count"] for c in shown["byTopic"]}
    assert {k: counts[k] - before.get(k, 0) for k in ours} == dict(ours)
    latest = {(d["consumerGroup"], d["topic"], d["partition"], d["offset"]): d["reason"]
              for d in shown["latest"]}
    assert all(latest.get(k) for k in expected)
    table = stack.cli("deadletters", "--limit", "3").stdout
    assert table.startswith(f"{shown['total']} dead letters") and "\x1b" not in table
    assert all(f"{t}  " in table and f"{g}  " in table for t, g in ours)
    found = metrics(stack)
    for (topic, group), count in counts.items():
        assert total(found, "dimona_dead_letters_total", topic=topic,
                     consumer_group=group) == count
    assert_nothing_crashed(stack, processes)
