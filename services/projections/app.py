"""Composition root of the register projections."""

from __future__ import annotations

import asyncio
import logging

from faststream import FastStream

from services.common.db import open_pool
from services.common.kafka import make_broker
from services.common.tracking import catch_up
from services.projections import handlers
from services.projections.adapter import RegisterWriter
from services.projections.settings import ProjectionsSettings
from services.validator.eventlog import EventLog

log = logging.getLogger("dimona.projections")


def create_app(settings: ProjectionsSettings | None = None) -> FastStream:
    settings = settings or ProjectionsSettings()
    broker = make_broker(settings)
    app = FastStream(broker)

    @app.on_startup
    async def wire() -> None:
        writer = RegisterWriter(await asyncio.to_thread(open_pool, settings.database_url))
        caught = await asyncio.to_thread(
            catch_up, EventLog(settings.database_url), writer.watermark(), writer.apply)
        log.info("caught up %d decisions from the event store", caught)
        handlers.register(broker, writer, settings)

    return app
