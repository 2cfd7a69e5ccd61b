"""Consuming Kafka by batches, exactly once downstream: `consume_decisions`, the consumer of
dimona.decisions that the register and the notifier share (each applies a batch exactly
once, see services.common.tracking; before it starts, each catches up from the event store
with services.validator.eventlog.catch_up_from_event_store), and `consume_batches` under it,
which the register also uses for dimona.notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from schemas import topics
from schemas.events import DeclarationDecided
from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell
from services.common.faults import crash_point
from services.common.kafka import (
    E,
    batch_subscriber,
    dead_letter,
    decode_records,
    failures_logged,
)
from services.common.settings import CommonSettings
from services.common.tracking import Apply


def consume_decisions(broker: KafkaBroker, apply: Apply, settings: CommonSettings,
                      group_id: str, dead_letters: DeadLetters, doorbell: Doorbell) -> None:
    """dimona.decisions -> apply exactly once."""
    consume_batches(broker, topics.DECISIONS, DeclarationDecided,
                    lambda decisions: apply(decisions, None), settings, group_id, dead_letters,
                    doorbell)


def consume_batches(broker: KafkaBroker, topic: str, model: type[E],
                    handle: Callable[[list[E]], None], settings: CommonSettings,
                    group_id: str, dead_letters: DeadLetters, doorbell: Doorbell) -> None:
    """Consume `topic` by batches: decode each record (what cannot be decoded is a dead
    letter), `handle` the batch in a thread, then commit the offset."""
    @batch_subscriber(broker, topic, settings, group_id, doorbell)
    async def on_batch(body: list, message: KafkaMessage) -> None:
        async with failures_logged(group_id):
            events, undecodable = decode_records(message, model)
            await asyncio.to_thread(handle, events)
            await dead_letter(broker, dead_letters, group_id, undecodable)
        crash_point(settings, group_id)
