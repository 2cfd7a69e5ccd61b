"""The I/O floor of this design: the same messages through the same three topic hops, and
the same rows (count and width per declaration) written with COPY, with no rules, no
models, no faststream and no eventsourcing; what `dimona bench` reports as `floor_per_s`.

Templates come from the real run's own database and topics (`extract`, while its stack is
still up): a random sample of every table's rows as PostgreSQL's COPY text gives them, the
rows per declaration of every table, and the Kafka values (the submissions and
notifications as their tables hold them, the decisions as the topic holds them). The floor
then runs (`run`) on a fresh embedded PostgreSQL (the same binaries and flags; the tables,
indexes and triggers made by `dimona.stack.migrate`) and a fresh broker with the same
topics, partitions and keys, one process per service (`python -m dimona.bench.floor`):

- intake: per chunk of 2,000 declarations, one transaction that COPYs intake.submissions,
  intake.outbox (and intake.batches at its rate); its relay produces the submissions
  (key = employer, header `correlation_id` = number) and deletes the outbox rows;
- validator (group `validator`): per batch, one transaction: the event table locked, its
  positions drawn from its sequence, the events COPYed, the last audit link read, the chain
  computed with the project's formula (services.common.auditchain), the links COPYed (and a
  checkpoint when due); then the decisions produced, then the offsets committed;
- notifier (group `notifier`): applied events and return entries COPYed, the log of
  notifications locked, positioned, COPYed with its outbox rows and chained; its relay
  produces the notifications and deletes the outbox rows;
- projections (groups `projections` and `projections-notifications`, one process): the
  register's applied events, declarations, periods, workers, quotas and registrations
  COPYed straight in; the register's notifications.

Every consumed value is parsed with orjson (and thrown away); rows are template rows with
fresh keys of the same width. The clock runs from the start signal (every consumer
joined, a CHECKPOINT taken) until the last stage finished; then every table's count is
checked against what the floor had to write."""

from __future__ import annotations

import asyncio
import json
import pickle
import random
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid4

import orjson
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas import topics
from services.common.auditchain import (
    CHECKPOINT_EVERY,
    Link,
    chain,
    checkpoint_due,
    event_content,
    notification_content,
)
from services.common.kafka import PRODUCER_BATCH_BYTES
from services.common.settings import CommonSettings

SAMPLE = 5000
"""Template rows per table (and messages per topic), drawn at random from the real run."""
CHUNK = 2000  # intake records a file in chunks of this many lines (services.intake)
# Each table the pipeline writes: the stage that writes it and the columns given a fresh
# value of the same width in every row (its keys). The event store's and the notifier's
# positions are drawn by the floor from their sequences, as the real writers get them.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "intake.submissions": ("intake", ("declaration_id",)),
    "intake.batches": ("intake", ("batch_ref", "sha256")),
    "intake.rejected_lines": ("intake", ("batch_ref",)),
    "validator_events": ("validator", ("originator_id",)),
    "notifier.applied_events": ("notifier", ("event_id",)),
    "notifier.return_entries": ("notifier", ("notification_id",)),
    "notifier.ebox_messages": ("notifier", ("message_id",)),
    "notifier.workers": ("notifier", ("ssin",)),
    "notifier.notifications": ("notifier", ("notification_id",)),
    "register.applied_events": ("projections", ("event_id",)),
    "register.declarations": ("projections", ("declaration_id",)),
    "register.periods": ("projections", ("period_id",)),
    "register.workers": ("projections", ("ssin",)),
    "register.quota_usage": ("projections", ("period_id",)),
    "register.registrations": ("projections", ("registration_id",)),
    "register.flexi_situations": ("projections", ("situation_key",)),
    "register.notifications": ("projections-notifications", ("notification_id",)),
}
POSITIONED = {"validator_events": "notification_id", "notifier.notifications": "position"}
# Written and deleted again: their rows per declaration are those of the table they follow.
TRANSIENT = {"intake.outbox": "intake.submissions", "notifier.unpublished":
             "notifier.notifications"}
CHAINED = ("audit.links", "audit.checkpoints")
PROCESSES = {"intake": ("intake",), "validator": ("validator",), "notifier": ("notifier",),
             "projections": ("projections", "projections-notifications")}
"""One process per service, as `dimona up` runs them (the register's two groups in one)."""
GROUPS = {"validator": "validator", "notifier": "notifier", "projections": "projections",
          "projections-notifications": "projections-notifications"}
INPUT = {"validator": topics.SUBMISSIONS, "notifier": topics.DECISIONS,
         "projections": topics.DECISIONS, "projections-notifications": topics.NOTIFICATIONS}


@dataclass
class Pool:
    """Template rows of one table as COPY text (fields of a line), its rows per
    declaration in the real run and their average size there."""

    columns: list[str]
    keys: list[int]  # indexes of the columns given fresh values
    lines: list[list[bytes]]
    per_declaration: float
    row_bytes: float = 0.0


@dataclass
class Templates:
    declarations: int  # of the real run's database (the warm-up included)
    pools: dict[str, Pool]
    decisions: list[tuple[bytes, bytes, list]]  # (key, value, headers) as on the wire
    real_messages: dict[str, float] = field(default_factory=dict)  # per declaration
    real_tables: dict[str, float] = field(default_factory=dict)  # rows/decl of CHAINED


# ---------------------------------------------------------------------------------------
# Templates, from the real run (its stack still up)


def extract(database_url: str, bootstrap: str, sample: int = SAMPLE) -> Templates:
    with psycopg.connect(database_url) as conn:
        [(declarations,)] = conn.execute("SELECT count(*) FROM intake.submissions")
        pools = {t: _pool(conn, t, declarations, sample) for t in TABLES}
        real_tables = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                       / declarations for t in CHAINED}
    decisions, ends = asyncio.run(_read_decisions(bootstrap, sample))
    return Templates(declarations, pools, decisions,
                     {t: n / declarations for t, n in ends.items()}, real_tables)


def _pool(conn: psycopg.Connection, table: str, declarations: int, sample: int) -> Pool:
    schema, _, name = table.rpartition(".")
    columns = [c for (c,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND "
        "table_name = %s AND is_identity = 'NO' AND coalesce(column_default, '') NOT LIKE "
        "'nextval(%%' ORDER BY ordinal_position", (schema or "public", name)).fetchall()]
    [(count, size)] = conn.execute(
        f"SELECT count(*), coalesce(avg(pg_column_size(t.*)), 0) FROM {table} t").fetchall()
    listed = ", ".join(columns)
    with conn.cursor().copy(f"COPY (SELECT {listed} FROM {table} ORDER BY random() "
                            f"LIMIT {int(sample)}) TO STDOUT") as copy:
        text = b"".join(bytes(block) for block in copy)
    lines = [line.split(b"\t") for line in text.splitlines()]
    keys = [columns.index(k) for k in TABLES[table][1]]
    return Pool(columns, keys, lines, count / declarations, float(size))


async def _read_decisions(bootstrap: str, sample: int
                          ) -> tuple[list[tuple[bytes, bytes, list]], dict[str, int]]:
    """A sample of the decisions as they were on the wire, and how many messages each topic
    received."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # the metadata of every topic
        # taken before any assignment: then the consumer's metadata covers only what it has
        partitions = {t: _partitions(consumer, t) for t in
                      (topics.SUBMISSIONS, topics.DECISIONS, topics.NOTIFICATIONS)}
        if not all(partitions.values()):
            raise FloorFailed(f"the broker does not know every topic: {partitions}")
        received = {t: await _received(consumer, parts) for t, parts in partitions.items()}
        parts = partitions[topics.DECISIONS]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        records, want = [], min(sample * 4, received[topics.DECISIONS])
        # until the sample is there or the topic is read to its end (its offsets may skip)
        while len(records) < want and (got := await consumer.getmany(timeout_ms=1000,
                                                                     max_records=5000)):
            for batch in got.values():
                records.extend((r.key, r.value, list(r.headers)) for r in batch)
        return random.sample(records, min(sample, len(records))), received
    finally:
        await consumer.stop()


def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]


async def _received(consumer: AIOKafkaConsumer, parts: list[TopicPartition]) -> int:
    """Messages in a topic (its partitions `parts`): the last offset of each partition, plus
    one. The embedded broker gives as end offset the first offset of the partition's last
    record batch: the records from there are read."""
    consumer.assign(parts)
    last = {p: offset - 1 for p, offset in (await consumer.end_offsets(parts)).items()}
    for p in parts:
        consumer.seek(p, max(0, last[p]))
    while got := await consumer.getmany(timeout_ms=1000, max_records=5000):
        for p, batch in got.items():
            last[p] = max(last[p], batch[-1].offset)
    return sum(offset + 1 for offset in last.values())


# ---------------------------------------------------------------------------------------
# The run, on a fresh PostgreSQL and broker


class FloorFailed(Exception):
    """The floor did not start, did not finish, or did not write what it had to."""


def run(templates: Templates, declarations: int, partitions: int,
        progress: Callable[[str], None], timeout_s: float = 1800) -> dict:
    """Runs the floor for `declarations` on a fresh PostgreSQL and broker; its figures."""
    home = Path(tempfile.mkdtemp(prefix="dimona-floor-"))
    try:
        with infrastructure(home) as (database_url, bootstrap, pids):
            from dimona.embedded import create_topics
            from dimona.stack import migrate
            migrate(database_url)
            create_topics(bootstrap, (topics.SUBMISSIONS, topics.DECISIONS,
                                      topics.NOTIFICATIONS), partitions)
            settings = CommonSettings()
            config = {"database_url": database_url, "bootstrap": bootstrap,
                      "declarations": declarations,
                      "notifications": expected_notifications(templates, declarations),
                      "batch_max_records": settings.batch_max_records,
                      "batch_timeout_ms": settings.batch_timeout_ms,
                      "linger_ms": settings.linger_ms,
                      "templates": str(home / "templates.pickle")}
            (home / "templates.pickle").write_bytes(pickle.dumps(templates))
            (home / "config.json").write_text(json.dumps(config))
            progress(f"I/O floor: {declarations} declarations, "
                     f"{' + '.join(PROCESSES)} on a fresh PostgreSQL and broker")
            seconds, cpu = _timed(home, database_url, pids, timeout_s)
            return report(templates, database_url, declarations, config["notifications"],
                          seconds, cpu)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def infrastructure(home: Path) -> Iterator[tuple[str, str, dict[str, int]]]:
    """The embedded PostgreSQL and broker, as `dimona up` starts them."""
    from dimona.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
    postgres = EmbeddedPostgres(home / "pg", free_port(), home / "postgres.log")
    broker = EmbeddedBroker(free_port(), home / "broker.log")
    try:
        postgres.start()
        broker.start()
        yield postgres.url, broker.bootstrap, {"postgres": postgres.process.pid,
                                               "broker": broker.process.pid}
    finally:
        broker.stop()
        postgres.stop()


def _timed(home: Path, database_url: str, pids: dict[str, int], timeout_s: float
           ) -> tuple[float, dict[str, float]]:
    """Seconds from the start signal to the last stage finished, and the CPU seconds each
    process used meanwhile."""
    from dimona.bench.run import cpu_seconds
    children = {name: subprocess.Popen(
        [sys.executable, "-m", "dimona.bench.floor", str(home / "config.json"), *stages],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(home / f"{name}.log", "ab"),
        start_new_session=True) for name, stages in PROCESSES.items()}
    try:
        for name, child in children.items():
            _expect(child, "joined", 180, home / f"{name}.log")
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
        every = {**pids, **{n: c.pid for n, c in children.items()}}
        before = cpu_seconds(every)
        started = time.monotonic()
        for child in children.values():
            child.stdin.write(b"go\n")
            child.stdin.flush()
        ends = [float(_expect(child, "done", timeout_s, home / f"{name}.log"))
                for name, child in children.items()]
        after = cpu_seconds(every)
        for child in children.values():
            child.wait(30)
        return max(ends) - started, {n: round(after[n] - before[n], 1) for n in every}
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.wait()


def _expect(child: subprocess.Popen, word: str, timeout_s: float, log: Path) -> str:
    """The rest of the line `word ...` the child prints, within `timeout_s`."""
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        if selector.select(timeout_s):
            line = child.stdout.readline().decode()
            if line.startswith(word):
                return line[len(word):].strip()
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise FloorFailed(f"a floor process did not say {word!r}: {tail}")


def expected_notifications(templates: Templates, declarations: int) -> int:
    return round(declarations * templates.pools["notifier.notifications"].per_declaration)


def expected_rows(templates: Templates, declarations: int) -> dict[str, int]:
    """What the floor has to leave in each table."""
    notifications = expected_notifications(templates, declarations)
    per_notification = 1 / max(templates.pools["notifier.notifications"].per_declaration, 1e-9)
    rows = {t: round(notifications * pool.per_declaration * per_notification)
            if TABLES[t][0] == "projections-notifications"
            else round(declarations * pool.per_declaration)
            for t, pool in templates.pools.items()}
    events = rows["validator_events"]
    return {**rows, **dict.fromkeys(TRANSIENT, 0), "audit.links": events + notifications,
            "audit.checkpoints": events // CHECKPOINT_EVERY + notifications // CHECKPOINT_EVERY}


def report(templates: Templates, database_url: str, declarations: int, notifications: int,
           seconds: float, cpu: dict[str, float]) -> dict:
    """The floor's figures, once every table holds what it should (else FloorFailed)."""
    expected = expected_rows(templates, declarations)
    with psycopg.connect(database_url) as conn:
        found = {t: conn.execute(f"SELECT count(*), coalesce(avg(pg_column_size(t.*)), 0) "
                                 f"FROM {t} t").fetchone() for t in expected}
    wrong = {t: (found[t][0], n) for t, n in expected.items() if found[t][0] != n}
    if wrong:
        raise FloorFailed("the floor did not write what it should (found, expected): "
                          + ", ".join(f"{t} {f} != {n}" for t, (f, n) in wrong.items()))
    real = {t: (p.per_declaration, p.row_bytes) for t, p in templates.pools.items()}
    real.update({t: (n, None) for t, n in templates.real_tables.items()})
    return {"declarations": declarations, "seconds": round(seconds, 2),
            "per_s": round(declarations / seconds), "cpu_s": cpu,
            "messages_per_declaration": {
                "real": {t: round(n, 3) for t, n in templates.real_messages.items()},
                "floor": {topics.SUBMISSIONS: 1.0, topics.DECISIONS: 1.0,
                          topics.NOTIFICATIONS: round(notifications / declarations, 3)}},
            "rows_per_declaration": {
                t: {"real": round(r, 3), "floor": round(found[t][0] / declarations, 3)}
                for t, (r, _) in real.items() if r or found[t][0]},
            "bytes_per_row": {
                t: {"real": round(b), "floor": round(float(found[t][1]))}
                for t, (r, b) in real.items() if b and found[t][0]}}


# ---------------------------------------------------------------------------------------
# Rows: template lines with fresh keys


UNESCAPE = {b"t": b"\t", b"n": b"\n", b"r": b"\r", b"b": b"\b", b"f": b"\f", b"v": b"\v"}


def unescape(field_: bytes) -> bytes:
    """A field of PostgreSQL's COPY text format, as the value it stands for."""
    return re.sub(rb"\\(.)", lambda m: UNESCAPE.get(m.group(1), m.group(1)), field_)


class Rows:
    """Template rows of a table, taken in turn, each with fresh keys of the template's
    width; and how many are due after so many messages (its rows per message)."""

    def __init__(self, pool: Pool, per_message: float, fresh_base: int = 0):
        self.pool, self.per_message = pool, per_message
        self.next, self.counter, self.written = 0, fresh_base, 0

    def due(self, consumed: int) -> int:
        """Rows still to write once `consumed` messages are in (rounded so that the total
        is exactly `round(messages * per_message)`)."""
        return max(0, round(consumed * self.per_message) - self.written)

    def take(self, n: int) -> list[list[bytes]]:
        lines = self.pool.lines
        if not lines:
            if n:
                raise RuntimeError("no template rows")  # rows are due: the real run had some
            return []
        out = []
        for _ in range(n):
            fields = list(lines[self.next % len(lines)])
            self.next += 1
            for k in self.pool.keys:
                fields[k] = self.fresh(fields[k])
            out.append(fields)
        self.written += n
        return out

    def fresh(self, template: bytes) -> bytes:
        if len(template) == 36 and template[8:9] == b"-":
            return str(uuid4()).encode()
        self.counter += 1  # a 9, then the counter padded to the template's width: unique
        return b"9" + str(self.counter).zfill(len(template) - 1).encode()


def copy_text(rows: list[list[bytes]]) -> bytes:
    return b"".join(b"\t".join(r) + b"\n" for r in rows)


# ---------------------------------------------------------------------------------------
# The stages, in their processes


@dataclass
class Stage:
    name: str
    config: dict
    templates: Templates

    def rows(self, table: str, per: float = 1.0) -> Rows:
        """`per`: declarations per message consumed."""
        pool = self.templates.pools[table]
        return Rows(pool, pool.per_declaration * per)


async def copy(conn: psycopg.AsyncConnection, table: str, columns: list[str], data: bytes
               ) -> None:
    if data:
        async with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as c:
            await c.write(data)


async def connect(config: dict) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(config["database_url"])


def producer(config: dict) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=config["bootstrap"],  # as the services'
                            linger_ms=config["linger_ms"], max_batch_size=PRODUCER_BATCH_BYTES)


def consumer(config: dict, stage: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(INPUT[stage], bootstrap_servers=config["bootstrap"],
                            group_id=GROUPS[stage], enable_auto_commit=False,
                            auto_offset_reset="earliest")


async def joined(c: AIOKafkaConsumer) -> None:
    await c.start()
    while not c.assignment():
        await c.getmany(timeout_ms=100)


async def consume(c: AIOKafkaConsumer, expected: int, config: dict
                  ) -> AsyncIterator[list]:
    """Batches of records (each value parsed and thrown away, as a consumer decodes),
    until `expected` came."""
    seen = 0
    while seen < expected:
        got = await c.getmany(timeout_ms=config["batch_timeout_ms"],
                              max_records=config["batch_max_records"])
        records = [r for batch in got.values() for r in batch]
        for r in records:
            orjson.loads(r.value)
        if records:
            seen += len(records)
            yield records


def correlation(record) -> bytes:
    return next((v for k, v in record.headers if k == "correlation_id"), b"")


async def chained(conn: psycopg.AsyncConnection, log: str,
                  records: list[tuple[int, bytes]]) -> None:
    """The audit links of new records, as services.common.auditchain.append_links."""
    cur = await conn.execute("SELECT position, previous, hash FROM audit.links WHERE log = %s "
                             "ORDER BY position DESC LIMIT 1", (log,))
    row = await cur.fetchone()
    last = Link(row[0], row[1], bytes(row[2])) if row else None
    links = chain(last, records)
    await copy(conn, "audit.links", ["log", "position", "previous", "hash"], b"".join(
        b"%s\t%d\t%d\t\\\\x%s\n" % (log.encode(), k.position, k.previous, k.hash.hex().encode())
        for k in links))
    if (due := checkpoint_due(last, links)) is not None:
        await conn.execute("INSERT INTO audit.checkpoints (log, position, hash) VALUES "
                           "(%s, %s, %s)", (log, due.position, due.hash))


async def positions(conn: psycopg.AsyncConnection, table: str, n: int) -> list[int]:
    """`n` positions of a log, under its table lock (the order of commit)."""
    await conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    cur = await conn.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM "
                             "generate_series(1, %s)", (table, POSITIONED[table], n))
    return [p for (p,) in await cur.fetchall()]


async def intake(stage: Stage, gate: Gate) -> None:
    config, pools = stage.config, stage.templates.pools
    submissions = stage.rows("intake.submissions")
    others = [(t, stage.rows(t)) for t in ("intake.batches", "intake.rejected_lines")]
    events = [(unescape(f[pools["intake.submissions"].columns.index("employer_key")]),
               unescape(f[pools["intake.submissions"].columns.index("event")]))
              for f in pools["intake.submissions"].lines]
    number = pools["intake.submissions"].columns.index("declaration_id")
    conn, relay_conn, out = await connect(config), await connect(config), producer(config)
    await out.start()
    chunks: asyncio.Queue = asyncio.Queue()
    await gate.wait()
    relay = asyncio.create_task(_intake_relay(relay_conn, out, chunks))
    recorded, total = 0, config["declarations"]
    while recorded < total:
        n = min(CHUNK, total - recorded)
        first = submissions.next
        rows = submissions.take(submissions.due(recorded + n))
        recorded += n
        async with conn.transaction():
            await copy(conn, "intake.submissions", submissions.pool.columns, copy_text(rows))
            await copy(conn, "intake.outbox", ["declaration_id"],
                       b"".join(r[number] + b"\n" for r in rows))
            for table, more in others:
                await copy(conn, table, more.pool.columns,
                           copy_text(more.take(more.due(recorded))))
        chunks.put_nowait([(r[number], *events[(first + i) % len(events)])
                           for i, r in enumerate(rows)])
    chunks.put_nowait(None)
    await relay
    await out.stop()


async def _intake_relay(conn: psycopg.AsyncConnection, out: AIOKafkaProducer,
                        chunks: asyncio.Queue) -> None:
    """Publishes each recorded chunk, then deletes its outbox rows."""
    while (chunk := await chunks.get()) is not None:
        sent = [await out.send(topics.SUBMISSIONS, event, key=key, headers=[
            ("content-type", b"application/json"), ("correlation_id", number)])
            for number, key, event in chunk]
        await asyncio.gather(*sent)
        async with conn.transaction():
            await conn.execute("DELETE FROM intake.outbox WHERE declaration_id = ANY(%s)",
                               ([int(n) for n, _, _ in chunk],))


async def validator(stage: Stage, gate: Gate) -> None:
    config, pool = stage.config, stage.templates.pools["validator_events"]
    events = stage.rows("validator_events")
    c = pool.columns
    parsed = [(int(f[c.index("originator_version")]), unescape(f[c.index("topic")]).decode(),
               bytes.fromhex(unescape(f[c.index("state")])[2:].decode())) for f in pool.lines]
    decisions = stage.templates.decisions
    conn, out, source = await connect(config), producer(config), consumer(config, "validator")
    await out.start()
    await joined(source)
    await gate.wait()
    consumed = 0
    async for records in consume(source, config["declarations"], config):
        consumed += len(records)
        first = events.next
        rows = events.take(events.due(consumed))
        async with conn.transaction():
            at = await positions(conn, "validator_events", len(rows))
            await copy(conn, "validator_events", ["notification_id", *c], b"".join(
                b"%d\t%s\n" % (p, b"\t".join(r)) for p, r in zip(at, rows, strict=True)))
            await chained(conn, "validator", [
                (p, event_content(UUID(r[0].decode()), *parsed[(first + i) % len(parsed)]))
                for i, (p, r) in enumerate(zip(at, rows, strict=True))])
        sent = []
        for r in records:
            correlation(r)
            key, value, headers = decisions[(consumed + len(sent)) % len(decisions)]
            sent.append(await out.send(topics.DECISIONS, value, key=r.key, headers=headers))
        await asyncio.gather(*sent)
        await source.commit()
    await out.stop()
    await source.stop()


async def notifier(stage: Stage, gate: Gate) -> None:
    config = stage.config
    plain = [(t, stage.rows(t)) for t in ("notifier.applied_events",
                                          "notifier.return_entries", "notifier.ebox_messages",
                                          "notifier.workers")]
    log = stage.rows("notifier.notifications")
    c = log.pool.columns
    values = [(unescape(f[c.index("employer_key")]).decode(), unescape(f[c.index("event")]))
              for f in log.pool.lines]
    conn, relay_conn, out = await connect(config), await connect(config), producer(config)
    source = consumer(config, "notifier")
    await out.start()
    await joined(source)
    pending: asyncio.Queue = asyncio.Queue()
    await gate.wait()
    relay = asyncio.create_task(_notifier_relay(relay_conn, out, pending))
    consumed = 0
    async for records in consume(source, config["declarations"], config):
        consumed += len(records)
        for r in records:
            correlation(r)
        first = log.next
        rows = log.take(log.due(consumed))
        async with conn.transaction():
            for table, more in plain:
                await copy(conn, table, more.pool.columns,
                           copy_text(more.take(more.due(consumed))))
            at = await positions(conn, "notifier.notifications", len(rows))
            await copy(conn, "notifier.notifications", ["position", *c], b"".join(
                b"%d\t%s\n" % (p, b"\t".join(r)) for p, r in zip(at, rows, strict=True)))
            await copy(conn, "notifier.unpublished", ["notification_id", "position"], b"".join(
                b"%s\t%d\n" % (r[c.index("notification_id")], p)
                for p, r in zip(at, rows, strict=True)))
            sent = []
            for i, (p, r) in enumerate(zip(at, rows, strict=True)):
                key, event = values[(first + i) % len(values)]
                sent.append((p, r[c.index("notification_id")], key, event))
            await chained(conn, "notifier", [
                (p, notification_content(UUID(nid.decode()), key, event.decode()))
                for p, nid, key, event in sent])
        await source.commit()
        pending.put_nowait(sent)
    pending.put_nowait(None)
    await relay
    await out.stop()
    await source.stop()


async def _notifier_relay(conn: psycopg.AsyncConnection, out: AIOKafkaProducer,
                          pending: asyncio.Queue) -> None:
    while (rows := await pending.get()) is not None:
        sent = [await out.send(topics.NOTIFICATIONS, event, key=key.encode(), headers=[
            ("content-type", b"application/json"), ("correlation_id", nid)])
            for _, nid, key, event in rows]
        await asyncio.gather(*sent)
        async with conn.transaction():
            await conn.execute("DELETE FROM notifier.unpublished WHERE notification_id = "
                               "ANY(%s::uuid[])", ([n.decode() for _, n, _, _ in rows],))


REGISTER = ("register.applied_events", "register.declarations", "register.registrations",
            "register.flexi_situations", "register.periods", "register.quota_usage",
            "register.workers")


async def projections(stage: Stage, gate: Gate) -> None:
    await _register(stage, gate, "projections", REGISTER, stage.config["declarations"], 1.0)


async def projections_notifications(stage: Stage, gate: Gate) -> None:
    per = stage.templates.pools["notifier.notifications"].per_declaration
    await _register(stage, gate, "projections-notifications", ("register.notifications",),
                    stage.config["notifications"], 1 / per)


async def _register(stage: Stage, gate: Gate, name: str, tables: tuple[str, ...],
                    expected: int, per: float) -> None:
    config = stage.config
    writers = [(t, stage.rows(t, per)) for t in tables]
    conn, source = await connect(config), consumer(config, name)
    await joined(source)
    await gate.wait()
    consumed = 0
    async for records in consume(source, expected, config):
        consumed += len(records)
        for r in records:
            correlation(r)
        async with conn.transaction():
            for table, rows in writers:
                await copy(conn, table, rows.pool.columns,
                           copy_text(rows.take(rows.due(consumed))))
        await source.commit()
    await source.stop()


STAGES: dict[str, Callable] = {
    "intake": intake, "validator": validator, "notifier": notifier,
    "projections": projections, "projections-notifications": projections_notifications}


class Gate:
    """Where every stage waits, its setup done (connected, its consumer joined), for the
    start signal."""

    def __init__(self):
        self.waiting, self.go = 0, asyncio.Event()

    async def wait(self) -> None:
        self.waiting += 1
        await self.go.wait()


def main(argv: list[str]) -> None:
    """`python -m dimona.bench.floor CONFIG STAGE...`: prints `joined` once every stage is
    set up, starts on a line on stdin, prints `done SECONDS` (the monotonic clock, which
    every process of the machine shares) when every stage finished."""
    config = json.loads(Path(argv[0]).read_text())
    templates = pickle.loads(Path(config["templates"]).read_bytes())
    asyncio.run(_main([Stage(name, config, templates) for name in argv[1:]]))


async def _main(stages: list[Stage]) -> None:
    gate = Gate()
    tasks = [asyncio.create_task(STAGES[s.name](s, gate)) for s in stages]
    while gate.waiting < len(tasks):
        if failed := [t for t in tasks if t.done()]:
            failed[0].result()  # raises what stopped it
        await asyncio.sleep(0.05)
    print("joined", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    gate.go.set()
    await asyncio.gather(*tasks)
    print(f"done {time.monotonic()}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
