"""Thin faststream handlers of the register projections."""

from faststream.kafka import KafkaBroker

from schemas import topics
from schemas.events import NotificationSent
from services.common.consumer import consume_batches, consume_decisions
from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell
from services.projections.application import UpdateRegister
from services.projections.settings import ProjectionsSettings

NOTIFICATIONS_GROUP = "projections-notifications"


def subscribe(broker: KafkaBroker, register: UpdateRegister, settings: ProjectionsSettings,
              dead_letters: DeadLetters, doorbell: Doorbell) -> None:
    """dimona.decisions -> register tables (consumer group `projections`);
    dimona.notifications -> register.notifications (`projections-notifications`)."""
    consume_decisions(broker, register.apply, settings, "projections", dead_letters,
                      doorbell)
    consume_batches(broker, topics.NOTIFICATIONS, NotificationSent, register.record, settings,
                    NOTIFICATIONS_GROUP, dead_letters, doorbell)
