"""Composition root of the validator."""

from __future__ import annotations

import asyncio
from functools import partial

from faststream import FastStream

from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell
from services.common.kafka import make_broker
from services.directory import adapter
from services.directory.cache import DirectoryCache
from services.validator import handlers
from services.validator.application import DecideDeclarations, ResolveIdentifications
from services.validator.eventstore import open_event_store
from services.validator.settings import ValidatorSettings


def create_app(settings: ValidatorSettings | None = None) -> FastStream:
    settings = settings or ValidatorSettings()
    broker = make_broker(settings)
    app = FastStream(broker)
    tasks: list[asyncio.Task] = []
    doorbell = Doorbell(settings.database_url)

    @app.on_startup
    async def wire() -> None:
        store = await asyncio.to_thread(open_event_store, settings.database_url, False)
        directory = DirectoryCache(partial(adapter.directory, settings.database_url),
                                   settings.directory_refresh_s,
                                   adapter.VersionReader(settings.database_url))
        decide = DecideDeclarations(store, directory, settings.period_cache_size)
        handlers.subscribe(broker, decide, settings, DeadLetters(settings.database_url),
                           doorbell)
        doorbell.start()
        resolve = ResolveIdentifications(store, directory)
        tasks.append(asyncio.create_task(
            handlers.resolve_identifications(broker, resolve, settings, doorbell)))

    @app.on_shutdown
    async def stop() -> None:
        for task in tasks:
            task.cancel()
        await doorbell.stop()

    return app
