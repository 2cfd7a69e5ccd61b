"""The null pipeline: the floor the real one is measured against. The same messages are
produced to Kafka, consumed by batches and written to PostgreSQL with COPY, each batch in
one transaction before its offsets are committed (as our consumers do), with no rules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from dimona.embedded import create_topics
from services.common.kafka import PRODUCER_BATCH_BYTES
from services.common.settings import CommonSettings

TOPIC = "bench.null"
TABLE = "CREATE TABLE IF NOT EXISTS bench_null (position bigint, body text)"


def run(bootstrap: str, database_url: str, messages: Sequence[bytes], partitions: int,
        batch_max_records: int) -> float:
    """Seconds from the first message produced to the last batch committed."""
    create_topics(bootstrap, (TOPIC,), partitions)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(TABLE)
        conn.execute("TRUNCATE bench_null")
    return asyncio.run(_run(bootstrap, database_url, messages, batch_max_records))


async def _run(bootstrap: str, database_url: str, messages: Sequence[bytes],
               batch_max_records: int) -> float:
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, group_id=TOPIC,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        while not consumer.assignment():  # joined: the timing starts with the first message
            await consumer.getmany(timeout_ms=100)
        started = time.perf_counter()
        produced = asyncio.create_task(_produce(bootstrap, messages))
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            written = 0
            while written < len(messages):
                batches = await consumer.getmany(timeout_ms=100, max_records=batch_max_records)
                records = [r for batch in batches.values() for r in batch]
                if records:
                    await _copy(conn, records)
                    await consumer.commit()
                    written += len(records)
        await produced
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def _produce(bootstrap: str, messages: Sequence[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap,  # as the services'
                                linger_ms=CommonSettings().linger_ms,
                                max_batch_size=PRODUCER_BATCH_BYTES)
    await producer.start()
    try:
        sent = [await producer.send(TOPIC, m, key=str(i % 40).encode())
                for i, m in enumerate(messages)]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _copy(conn: psycopg.AsyncConnection, records) -> None:
    async with conn.transaction():
        async with conn.cursor().copy("COPY bench_null (position, body) FROM STDIN") as copy:
            for r in records:
                await copy.write_row((r.offset, r.value.decode()))
