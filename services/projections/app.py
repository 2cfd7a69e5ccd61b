"""Composition root of the register projections."""

from __future__ import annotations

import asyncio
import logging

from faststream import FastStream

from services.common.db import open_pool
from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell
from services.common.kafka import make_broker
from services.projections import handlers
from services.projections.application import UpdateRegister, catch_up_notifications
from services.projections.settings import ProjectionsSettings
from services.validator.eventlog import catch_up_from_event_store

log = logging.getLogger("dimona")


def create_app(settings: ProjectionsSettings | None = None) -> FastStream:
    settings = settings or ProjectionsSettings()
    broker = make_broker(settings)
    app = FastStream(broker)
    doorbell = Doorbell(settings.database_url)

    @app.on_startup
    async def wire() -> None:
        register = UpdateRegister(await asyncio.to_thread(open_pool, settings.database_url))
        await catch_up_from_event_store(settings.database_url, register.watermark,
                                        register.apply, "projections")
        sent = await asyncio.to_thread(catch_up_notifications, register)
        log.info("projections: caught up, %d notifications re-read from the notifier", sent)
        handlers.subscribe(broker, register, settings, DeadLetters(settings.database_url),
                           doorbell)
        doorbell.start()

    @app.on_shutdown
    async def stop() -> None:
        await doorbell.stop()

    return app
