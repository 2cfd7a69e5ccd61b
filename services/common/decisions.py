"""The decision consumer shared by the register and the notifier."""

from __future__ import annotations

import asyncio

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from schemas import topics
from schemas.events import DeclarationDecided
from services.common.faults import crash_point
from services.common.kafka import batch_subscriber_options, dead_letter, decode_records
from services.common.settings import CommonSettings
from services.common.tracking import Apply


def register_decision_consumer(broker: KafkaBroker, apply: Apply, settings: CommonSettings,
                               group_id: str) -> None:
    @broker.subscriber(topics.DECISIONS, **batch_subscriber_options(settings, group_id))
    async def on_decisions(body: list, message: KafkaMessage) -> None:
        """dimona.decisions -> apply exactly once."""
        decisions, undecodable = decode_records(message, DeclarationDecided)
        await asyncio.to_thread(apply, decisions, None)
        await dead_letter(broker, undecodable)
        crash_point(settings, group_id)
