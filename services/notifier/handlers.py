"""Thin faststream handlers of the notifier."""

from faststream.kafka import KafkaBroker

from services.common.deadletters import DeadLetters
from services.common.decisions import register_decision_consumer
from services.notifier.application import NotifyDecisions
from services.notifier.settings import NotifierSettings


def register(broker: KafkaBroker, notify: NotifyDecisions, settings: NotifierSettings,
             dead_letters: DeadLetters) -> None:
    """dimona.decisions -> e-Box messages, return-file entries, NotificationSent
    (consumer group `notifier`)."""
    register_decision_consumer(broker, notify, settings, "notifier", dead_letters)
