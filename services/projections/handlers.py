"""Thin faststream handlers of the register projections."""

from faststream.kafka import KafkaBroker

from schemas import topics
from schemas.events import NotificationSent
from services.common.consumer import consume_batches, consume_decisions
from services.common.deadletters import DeadLetters
from services.projections.adapter import RegisterWriter
from services.projections.settings import ProjectionsSettings

NOTIFICATIONS_GROUP = "projections-notifications"


def register(broker: KafkaBroker, writer: RegisterWriter, settings: ProjectionsSettings,
             dead_letters: DeadLetters) -> None:
    """dimona.decisions -> register tables (consumer group `projections`);
    dimona.notifications -> register.notifications (`projections-notifications`)."""
    consume_decisions(broker, writer.apply, settings, "projections", dead_letters)
    consume_batches(broker, topics.NOTIFICATIONS, NotificationSent, writer.record, settings,
                    NOTIFICATIONS_GROUP, dead_letters)
