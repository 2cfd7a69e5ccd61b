"""Kafka plumbing shared by the services: the broker, the batch subscriber options, and
what becomes of records that cannot be decoded (the dead letters)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from aiokafka import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from pydantic import BaseModel, ValidationError

from schemas.events import DeadLetter, Event
from schemas.topics import DEAD_LETTER
from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell, wake_on_ring
from services.common.settings import CommonSettings

E = TypeVar("E", bound=BaseModel)
Row = tuple[object, str, str]  # (id, Kafka key, event JSON): a record to publish
log = logging.getLogger("dimona")
RETRY_PAUSE_S = 1.0  # a failed batch is delivered again after this pause, not in a busy loop


PRODUCER_BATCH_BYTES = 512 * 1024
"""Per partition: a consumed batch's decisions (2.2 KB each) leave in a few record batches,
not in the 16 KB default's dozens (the broker's CPU 9.7 -> 3.8 s per 100,000;
docs/performance.md)."""


def make_broker(settings: CommonSettings) -> KafkaBroker:
    return KafkaBroker(settings.kafka_bootstrap, logger=None, linger_ms=settings.linger_ms,
                       max_batch_size=PRODUCER_BATCH_BYTES)


def batch_subscriber(broker: KafkaBroker, topic: str, settings: CommonSettings,
                     group_id: str, doorbell: Doorbell):
    """A batch subscriber of `topic`: it takes records as soon as they are there and, when
    idle, waits for the doorbell instead of fetching (services.common.doorbell). The offset
    is committed only after the handler returned (its database transaction committed); a
    failed batch is rewound and redelivered."""
    subscriber = broker.subscriber(
        topic, group_id=group_id, batch=True, max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        fetch_max_wait_ms=settings.fetch_max_wait_ms, auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR, parser=without_headers, decoder=undecoded)
    wake_on_ring(subscriber, doorbell, topic, settings)
    return subscriber


async def without_headers(records: tuple[ConsumerRecord, ...],
                          parse: Callable[[tuple], Awaitable[KafkaMessage]]) -> KafkaMessage:
    """faststream's batch parser decodes every header as UTF-8 and fails the whole batch
    on one that is not: no consumer reads headers, so it gets the records without them."""
    return await parse(tuple(dataclasses.replace(r, headers=()) for r in records))


def undecoded(message: KafkaMessage) -> object:
    """The batch's values as they came: `decode_records` decodes them one by one (faststream
    would parse each as JSON and fail the batch on one nested too deep)."""
    return message.body


async def publish_all(broker: KafkaBroker, topic: str, events: Sequence[Event],
                      doorbell: Doorbell) -> None:
    """Publish events keyed by employer, wait until the broker has them all, and ring the
    topic's doorbell."""
    await publish_records(broker, topic, [
        (e.correlation_id, e.employer_key, e.model_dump_json()) for e in events], doorbell)


async def topic_exists(bootstrap: str, topic: str) -> bool:
    """Whether the broker has `topic`, asked by listing the topics: producing to a topic a
    new broker does not have yet would make one that creates topics on first use (the
    embedded one) create it its own way, before `dimona up` creates it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return topic in await admin.list_topics()
    finally:
        await admin.close()


async def publish_records(broker: KafkaBroker, topic: str, records: Sequence[Row],
                          doorbell: Doorbell) -> None:
    """Publish (correlation id, Kafka key, event JSON) records, wait until the broker has
    them all, and ring the topic's doorbell. Each carries its own correlation id
    (faststream would draw a random one: uuid4 per message)."""
    if not records:
        return
    pending = [await broker.publish(event.encode(), topic, key=key.encode(),
                                    headers={"content-type": "application/json"},
                                    correlation_id=str(ref), no_confirm=True)
               for ref, key, event in records]
    await asyncio.gather(*pending)
    await doorbell.ring(topic)


def decode_records(message: KafkaMessage, model: type[E]) -> tuple[list[E], list[DeadLetter]]:
    """Decode a batch record by record: what cannot be decoded is set aside, not fatal."""
    records = message.raw_message if isinstance(message.raw_message, tuple) else (
        message.raw_message,)
    good: list[E] = []
    bad: list[DeadLetter] = []
    for record in records:
        value = record.value or b""  # a record without value (a tombstone) is not an event
        try:
            good.append(model.model_validate_json(value))
        except ValidationError as exc:
            bad.append(DeadLetter(topic=record.topic, partition=record.partition,
                                  offset=record.offset, reason=_reason(exc),
                                  value=value.decode("utf-8", "replace")))
    return good, bad


async def dead_letter(broker: KafkaBroker, dead_letters: DeadLetters, group_id: str,
                      letters: Sequence[DeadLetter]) -> None:
    """Record the letters in PostgreSQL (counted, visible, once per consumer group), then
    publish them on the dead-letter topic."""
    if not letters:
        return
    await asyncio.to_thread(dead_letters.record, group_id, letters)
    for letter in letters:
        await broker.publish(letter.model_dump_json().encode(), DEAD_LETTER)
    log.warning("%s: %d undecodable records dead-lettered (dimona deadletters lists them)",
                group_id, len(letters))


@contextlib.asynccontextmanager
async def failures_logged(group_id: str) -> AsyncIterator[None]:
    """A batch that fails is logged (the broker's own logger is off) and, after a pause,
    delivered again."""
    try:
        yield
    except Exception:
        log.exception("%s: a batch failed; it will be delivered again in %.0fs", group_id,
                      RETRY_PAUSE_S)
        await asyncio.sleep(RETRY_PAUSE_S)
        raise


def _reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}"
                     for e in exc.errors())[:500]
