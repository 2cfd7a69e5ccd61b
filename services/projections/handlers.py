"""Thin faststream handlers of the register projections."""

from faststream.kafka import KafkaBroker

from services.common.decisions import register_decision_consumer
from services.projections.adapter import RegisterWriter
from services.projections.settings import ProjectionsSettings


def register(broker: KafkaBroker, writer: RegisterWriter, settings: ProjectionsSettings) -> None:
    """dimona.decisions -> register tables (consumer group `projections`)."""
    register_decision_consumer(broker, writer.apply, settings, "projections")
