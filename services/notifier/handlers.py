"""Thin faststream handlers of the notifier."""

from faststream.kafka import KafkaBroker

from services.common.consumer import consume_decisions
from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell
from services.notifier.application import NotifyDecisions
from services.notifier.settings import NotifierSettings


def subscribe(broker: KafkaBroker, notify: NotifyDecisions, settings: NotifierSettings,
              dead_letters: DeadLetters, doorbell: Doorbell) -> None:
    """dimona.decisions -> e-Box messages, return-file entries, NotificationSent
    (consumer group `notifier`)."""
    consume_decisions(broker, notify, settings, "notifier", dead_letters, doorbell)
