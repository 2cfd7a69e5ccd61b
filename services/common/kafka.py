"""Kafka plumbing shared by the services: the broker and the batch subscriber options."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TypeVar

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from pydantic import BaseModel, ValidationError

from schemas.events import DeadLetter, Event
from schemas.topics import DEAD_LETTER
from services.common.settings import CommonSettings

E = TypeVar("E", bound=BaseModel)


def make_broker(settings: CommonSettings) -> KafkaBroker:
    return KafkaBroker(settings.kafka_bootstrap, logger=None, linger_ms=5)


def batch_subscriber_options(settings: CommonSettings, group_id: str) -> dict:
    """Batch consumption; the offset is committed only after the handler returned (its
    database transaction committed); a failed batch is rewound and redelivered."""
    return {
        "group_id": group_id,
        "batch": True,
        "max_records": settings.batch_max_records,
        "batch_timeout_ms": settings.batch_timeout_ms,
        "auto_offset_reset": "earliest",
        "ack_policy": AckPolicy.NACK_ON_ERROR,
    }


async def publish_all(broker: KafkaBroker, topic: str, events: Sequence[Event]) -> None:
    """Publish events keyed by employer and wait until the broker has them all."""
    pending = [await broker.publish(e.model_dump_json().encode(), topic,
                                    key=e.employer_key.encode(),
                                    headers={"content-type": "application/json"},
                                    no_confirm=True)
               for e in events]
    await asyncio.gather(*pending)


def decode_records(message: KafkaMessage, model: type[E]) -> tuple[list[E], list[DeadLetter]]:
    """Decode a batch record by record: what cannot be decoded is set aside, not fatal."""
    records = message.raw_message if isinstance(message.raw_message, tuple) else (
        message.raw_message,)
    good: list[E] = []
    bad: list[DeadLetter] = []
    for record in records:
        try:
            good.append(model.model_validate_json(record.value))
        except ValidationError as exc:
            bad.append(DeadLetter(topic=record.topic, partition=record.partition,
                                  offset=record.offset, reason=_reason(exc),
                                  value=record.value.decode("utf-8", "replace")))
    return good, bad


async def dead_letter(broker: KafkaBroker, letters: Sequence[DeadLetter]) -> None:
    for letter in letters:
        await broker.publish(letter.model_dump_json().encode(), DEAD_LETTER)


def _reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())[:500]
