"""Thin faststream handlers of the register projections."""

import asyncio

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from schemas import topics
from schemas.events import NotificationSent
from services.common.decisions import register_decision_consumer
from services.common.kafka import batch_subscriber_options, dead_letter, decode_records
from services.projections.adapter import RegisterWriter
from services.projections.settings import ProjectionsSettings

NOTIFICATIONS_GROUP = "projections-notifications"


def register(broker: KafkaBroker, writer: RegisterWriter, settings: ProjectionsSettings) -> None:
    """dimona.decisions -> register tables (consumer group `projections`)."""
    register_decision_consumer(broker, writer.apply, settings, "projections")

    @broker.subscriber(topics.NOTIFICATIONS,
                       **batch_subscriber_options(settings, NOTIFICATIONS_GROUP))
    async def on_notifications(body: list, message: KafkaMessage) -> None:
        """dimona.notifications -> register.notifications (a notification seen before
        changes nothing)."""
        sent, undecodable = decode_records(message, NotificationSent)
        await asyncio.to_thread(writer.record, sent)
        await dead_letter(broker, undecodable)
