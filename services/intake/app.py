"""Composition root of intake: the HTTP API, the outbox relay, the reconciler, the return
files and the watched inbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial

from fastapi import FastAPI

from schemas import topics
from services.audit.adapter import AuditStore
from services.audit.application import AuditTrail, VerifyLogs
from services.common.db import open_pool
from services.common.deadletters import DeadLetters
from services.common.kafka import make_broker
from services.common.relay import Relay
from services.directory import adapter as directory
from services.intake.access import Access
from services.intake.adapter import IntakeStore
from services.intake.application import Intake
from services.intake.errors import BodyLimit, install_error_handlers
from services.intake.files import BatchViews, Inbox, ReturnFiles
from services.intake.http import build_router
from services.intake.metrics import Metrics, metrics_router
from services.intake.relay import Reconciler
from services.intake.settings import IntakeSettings
from services.notifier.adapter import Ebox, ReturnEntries
from services.notifier.application import ReadEbox
from services.projections.adapter import RegisterReader
from services.projections.application import Register
from services.validator.eventlog import EventLog


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncio.to_thread(open_pool, settings.database_url, 8)
        store = IntakeStore(pool)
        intake = Intake(store, counted=metrics.counted)
        metrics.read_stored(DeadLetters(settings.database_url).counts, store.batch_lines)
        broker = make_broker(settings)
        await broker.start()
        register = RegisterReader(pool)
        views = BatchViews(store, register, ReturnEntries(pool))
        relay = Relay(store, broker, topics.SUBMISSIONS, settings.relay_batch,
                      settings.relay_idle_s)
        loop = asyncio.get_running_loop()
        intake.recorded = lambda rows: loop.call_soon_threadsafe(relay.hand, rows)
        event_log = EventLog(settings.database_url)
        reconciler = Reconciler(store, event_log, settings.republish_after_s, relay.wake)
        jobs = [relay.run(), reconciler.run(settings.reconcile_interval_s),
                ReturnFiles(store, views, settings.outbox_dir).run(
                    settings.return_files_interval_s)]
        if settings.inbox_watch:
            declarants = partial(directory.declarant_numbers, settings.database_url)
            jobs.append(Inbox(intake, settings.inbox_dir, settings.outbox_dir,
                              declarants).run(settings.inbox_poll_s))
        tasks = [asyncio.create_task(job) for job in jobs]
        register_views = Register(pool)
        ebox = ReadEbox(Ebox(pool), lambda number: register_views.employer(number)["keys"])
        audit_store = AuditStore(pool)
        audit = (AuditTrail(audit_store, event_log.app.mapper,
                            lambda number: register_views.employer(number)["keys"]),
                 VerifyLogs(audit_store))
        app.include_router(build_router(intake, Access(store, settings.token_lifetime_s),
                                        register, views, register_views, ebox, audit))
        yield
        for task in tasks:
            task.cancel()
        await broker.stop()
        pool.close()

    app = FastAPI(title="Dimona", version="0.2.0", lifespan=lifespan,
                  description="Dimona REST v2 declarations, batch files and Multi-Dimona.")
    install_error_handlers(app, metrics)
    app.include_router(metrics_router(metrics))
    app.add_middleware(BodyLimit, default_bytes=settings.max_body_bytes,
                       limits={"/batches": settings.max_batch_bytes})
    return app
