"""Thin faststream handlers of the validator."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from schemas import topics
from schemas.events import DeclarationDecided, DeclarationSubmitted
from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell
from services.common.faults import crash_point
from services.common.kafka import (
    batch_subscriber,
    dead_letter,
    decode_records,
    failures_logged,
    publish_all,
)
from services.validator.settings import ValidatorSettings

Decide = Callable[[Sequence[DeclarationSubmitted]], list[DeclarationDecided]]
Resolve = Callable[[], list[DeclarationDecided]]
log = logging.getLogger(__name__)


def subscribe(broker: KafkaBroker, decide: Decide, settings: ValidatorSettings,
              dead_letters: DeadLetters, doorbell: Doorbell) -> None:
    @batch_subscriber(broker, topics.SUBMISSIONS, settings, "validator", doorbell)
    async def on_submissions(body: list, message: KafkaMessage) -> None:
        """dimona.submissions -> decide and record -> dimona.decisions."""
        async with failures_logged("validator"):
            submissions, undecodable = decode_records(message, DeclarationSubmitted)
            decided = await asyncio.to_thread(decide, submissions)
            await publish_all(broker, topics.DECISIONS, decided, doorbell)
            await dead_letter(broker, dead_letters, "validator", undecodable)
        crash_point(settings, "validator")


async def resolve_identifications(broker: KafkaBroker, resolve: Resolve,
                                  settings: ValidatorSettings, doorbell: Doorbell) -> None:
    """Every few seconds: final results of identified workers -> dimona.decisions."""
    while True:
        await asyncio.sleep(settings.identification_interval_s)
        try:
            await publish_all(broker, topics.DECISIONS, await asyncio.to_thread(resolve),
                              doorbell)
        except Exception:  # the database or the broker is away: try again next round
            log.exception("identification round failed")
