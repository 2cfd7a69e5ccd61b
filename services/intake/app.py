"""Composition root of intake: the HTTP API, the outbox relay and the reconciler."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.common.db import open_pool
from services.common.kafka import make_broker
from services.intake.adapter import IntakeStore
from services.intake.application import Intake, Reconciler, Relay
from services.intake.http import build_router
from services.intake.settings import IntakeSettings
from services.projections.adapter import RegisterReader
from services.validator.eventlog import EventLog


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncio.to_thread(open_pool, settings.database_url, 8)
        store = IntakeStore(pool)
        intake = Intake(store)
        intake.loop = asyncio.get_running_loop()
        broker = make_broker(settings)
        await broker.start()
        relay = Relay(store, broker, settings.relay_batch, settings.relay_idle_s,
                      intake.recorded)
        reconciler = Reconciler(store, EventLog(settings.database_url),
                                settings.republish_after_s, intake.recorded)
        tasks = [asyncio.create_task(relay.run()),
                 asyncio.create_task(reconciler.run(settings.reconcile_interval_s))]
        app.include_router(build_router(intake, RegisterReader(pool), settings.max_body_bytes))
        yield
        for task in tasks:
            task.cancel()
        await broker.stop()
        pool.close()

    return FastAPI(title="Dimona", version="0.1.0", lifespan=lifespan)
