"""Composition root of the notifier."""

from __future__ import annotations

import asyncio
from functools import partial

from faststream import FastStream

from services.common.db import open_pool
from services.common.decisions import catch_up_from_event_store
from services.common.kafka import make_broker
from services.directory.cache import DirectoryCache, read_snapshot
from services.notifier import handlers
from services.notifier.adapter import Ebox
from services.notifier.application import ConfirmDecisions
from services.notifier.settings import NotifierSettings


def create_app(settings: NotifierSettings | None = None) -> FastStream:
    settings = settings or NotifierSettings()
    broker = make_broker(settings)
    app = FastStream(broker)

    @app.on_startup
    async def wire() -> None:
        ebox = Ebox(await asyncio.to_thread(open_pool, settings.database_url))
        confirm = ConfirmDecisions(
            ebox, DirectoryCache(partial(read_snapshot, settings.database_url),
                                 settings.directory_refresh_s))
        await catch_up_from_event_store(settings.database_url, ebox.watermark, confirm,
                                        "notifier")
        handlers.register(broker, confirm, settings)

    return app
