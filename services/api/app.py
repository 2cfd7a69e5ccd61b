"""Composition root of the HTTP edge: every router is mounted here, at creation; the
lifespan opens the pool, the read side and intake's jobs (relay, reconciler, return files,
watched inbox) and puts what the routes use in `app.state.services`. The web pages
(services/api/web) are mounted beside the API, with their static files."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.api.access import Access
from services.api.deps import Services
from services.api.errors import BodyLimit, install_error_handlers
from services.api.metrics import Metrics
from services.api.readers import open_readers
from services.api.routes import (
    audit,
    batches,
    declarations,
    ebox,
    employers,
    flexi_wages,
    health,
    oauth,
    register,
)
from services.api.settings import ApiSettings
from services.api.web.deps import install_handlers as install_web_handlers
from services.api.web.routes import routers as web_routers
from services.api.web.session import WebSessions
from services.common.db import open_pool
from services.common.deadletters import DeadLetters
from services.intake import jobs
from services.intake.adapter import IntakeStore

WEB_STATIC = Path(__file__).parent / "web" / "static"

ROUTERS = (health.router, oauth.router, declarations.router, batches.router,
           register.router, ebox.router, audit.router, employers.router,
           flexi_wages.router)


def web_sessions(store: IntakeStore, settings: ApiSettings) -> WebSessions:
    return WebSessions(store, settings.web_session_idle_s, settings.web_sign_in_attempts,
                       settings.web_lockout_s)


def create_app(settings: ApiSettings | None = None, services: Services | None = None
               ) -> FastAPI:
    """The API with every route. Given `services` (tests), the lifespan opens nothing and
    starts no job: the routes use those."""
    settings = settings or ApiSettings()
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            yield
            return
        pool = await asyncio.to_thread(open_pool, settings.database_url, 8,
                                       settings.database_wait_s, True)
        store = IntakeStore(pool)
        metrics.read_stored(DeadLetters(settings.database_url).counts, store.batch_lines)
        readers = await asyncio.to_thread(partial(
            open_readers, pool, settings.database_url, as_of_kept=settings.as_of_kept,
            as_of_keep_s=settings.as_of_keep_s))
        running = await jobs.start(settings, store, readers.event_log, metrics.counted)
        app.state.services = Services(running.intake,
                                      Access(store, settings.token_lifetime_s), readers,
                                      running.files)
        app.state.web_sessions = web_sessions(store, settings)
        yield
        await running.stop()
        readers.close()
        pool.close()

    app = FastAPI(title="Dimona", version="0.2.0", lifespan=lifespan,
                  description="Dimona REST v2 declarations, batch files and Multi-Dimona.")
    app.state.metrics = metrics
    app.state.web_settings = settings
    if services is not None:
        app.state.services = services
        store = getattr(services.access, "store", None)  # tests' fakes may have none
        if store is not None:
            app.state.web_sessions = web_sessions(store, settings)
    install_error_handlers(app, metrics)
    install_web_handlers(app)
    for router in (*ROUTERS, *web_routers()):
        app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=WEB_STATIC), name="web-static")
    app.add_middleware(BodyLimit, default_bytes=settings.max_body_bytes,
                       limits={"/batches": settings.max_batch_bytes})
    return app
