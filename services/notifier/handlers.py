"""Thin faststream handlers of the notifier."""

from faststream.kafka import KafkaBroker

from services.common.decisions import register_decision_consumer
from services.notifier.application import ConfirmDecisions
from services.notifier.settings import NotifierSettings


def register(broker: KafkaBroker, confirm: ConfirmDecisions, settings: NotifierSettings) -> None:
    """dimona.decisions -> e-Box messages (consumer group `notifier`)."""
    register_decision_consumer(broker, confirm, settings, "notifier")
