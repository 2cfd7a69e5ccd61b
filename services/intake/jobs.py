"""Intake's background jobs, run in the process of the HTTP edge (services.api): the outbox
relay, the reconciler, the return files, the watched inbox, and the official batch files'
sender folders and NOTIFICATION files. `start` builds the use case
that records declarations with this process's relay as its `recorded` callback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial

from faststream.kafka import KafkaBroker

from schemas import topics
from services.common.doorbell import Doorbell
from services.common.kafka import make_broker
from services.common.relay import Relay
from services.directory import adapter as directory
from services.intake.adapter import IntakeStore
from services.intake.application import Counted, Intake
from services.intake.inbox import Inbox
from services.intake.official_files import Notifications, OfficialFiles
from services.intake.reconciler import Reconciler
from services.intake.return_files import ReturnFiles
from services.intake.settings import IntakeSettings
from services.intake.sftp_folders import SenderFolders
from services.notifier.queries import ReturnEntries
from services.validator.eventlog import EventLog

log = logging.getLogger("dimona.intake")


async def every(interval_s: float, work: Callable[[], object], what: str) -> None:
    """Runs blocking `work` in a thread every `interval_s`; a failure is logged and the
    next round tries again (the database may be away for a while)."""
    while True:
        try:
            await asyncio.to_thread(work)
        except Exception:
            log.exception("%s failed; retrying", what)
        await asyncio.sleep(interval_s)


@dataclass
class Jobs:
    """The running jobs, the use case whose recordings the relay publishes, and the one
    that takes official batch files."""

    intake: Intake
    files: OfficialFiles
    broker: KafkaBroker
    doorbell: Doorbell
    tasks: list[asyncio.Task]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.broker.stop()
        await self.doorbell.stop()


async def start(settings: IntakeSettings, store: IntakeStore, event_log: EventLog,
                counted: Counted = lambda *counts: None) -> Jobs:
    """Starts the broker and the jobs on the running loop. Declarations recorded by the
    returned `intake` are handed to the relay once committed (from any thread)."""
    broker = make_broker(settings)
    await broker.start()
    doorbell = Doorbell(settings.database_url)
    relay = Relay(store, broker, topics.SUBMISSIONS, settings.relay_batch,
                  settings.relay_idle_s, doorbell, settings.kafka_bootstrap)
    intake = Intake(store, counted=counted,
                    recorded=partial(asyncio.get_running_loop().call_soon_threadsafe,
                                     relay.hand))
    reconciler = Reconciler(store, event_log, settings.republish_after_s, relay.wake)
    return_files = ReturnFiles(store, ReturnEntries(store.pool), settings.outbox_dir)
    jobs: list[Coroutine] = [
        relay.run(), reconciler.run(settings.reconcile_interval_s),
        every(settings.return_files_interval_s, return_files.write_pending,
              "writing return files")]
    files = OfficialFiles(intake, partial(directory.sender, store.pool), settings.sftp_dir,
                          settings.xml_max_file_bytes)
    notifications = Notifications(store, ReturnEntries(store.pool), event_log.decisions_of,
                                  settings.sftp_dir)
    jobs.append(every(settings.return_files_interval_s, notifications.write_pending,
                      "writing NOTIFICATION files"))
    if settings.sftp_watch:
        settings.sftp_dir.mkdir(parents=True, exist_ok=True)
        folders = SenderFolders(files, settings.sftp_dir, settings.sftp_archive_dir,
                                settings.sftp_go_timeout_s)
        jobs.append(every(settings.sftp_poll_s, folders.scan, "scanning the sender folders"))
    if settings.inbox_watch:
        settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        inbox = Inbox(intake, settings.inbox_dir, settings.outbox_dir,
                      partial(directory.declarant_numbers, settings.database_url))
        jobs.append(every(settings.inbox_poll_s, inbox.scan, "scanning the inbox"))
    return Jobs(intake, files, broker, doorbell, [asyncio.create_task(job) for job in jobs])
