"""Composition root of the notifier."""

from __future__ import annotations

import asyncio
from functools import partial

from faststream import FastStream

from schemas import topics
from services.common.db import open_pool
from services.common.deadletters import DeadLetters
from services.common.doorbell import Doorbell
from services.common.kafka import make_broker
from services.common.relay import Relay
from services.directory import adapter
from services.directory.cache import DirectoryCache, read_snapshot
from services.notifier import handlers
from services.notifier.application import NotifyDecisions
from services.notifier.outbox import Outbox
from services.notifier.settings import NotifierSettings
from services.validator.eventlog import catch_up_from_event_store


def create_app(settings: NotifierSettings | None = None) -> FastStream:
    settings = settings or NotifierSettings()
    broker = make_broker(settings)
    app = FastStream(broker)
    relays: list[Relay] = []
    jobs: list[asyncio.Task] = []
    doorbell = Doorbell(settings.database_url)

    @app.on_startup
    async def wire() -> None:
        outbox = Outbox(await asyncio.to_thread(open_pool, settings.database_url))
        relay = Relay(outbox, broker, topics.NOTIFICATIONS, settings.relay_batch,
                      settings.relay_idle_s, doorbell, settings.kafka_bootstrap)
        loop = asyncio.get_running_loop()
        notify = NotifyDecisions(
            outbox, DirectoryCache(partial(read_snapshot, settings.database_url),
                                   settings.directory_refresh_s,
                                   adapter.VersionReader(settings.database_url)),
            sent=lambda rows: loop.call_soon_threadsafe(relay.hand, rows))
        await catch_up_from_event_store(settings.database_url, outbox.watermark, notify,
                                        "notifier")
        handlers.subscribe(broker, notify, settings, DeadLetters(settings.database_url),
                           doorbell)
        doorbell.start()
        relays.append(relay)

    @app.after_startup
    async def publish() -> None:
        """The relay publishes NotificationSent once the broker is connected."""
        jobs.extend(asyncio.create_task(relay.run()) for relay in relays)

    @app.on_shutdown
    async def stop() -> None:
        for job in jobs:
            job.cancel()
        await doorbell.stop()

    return app
