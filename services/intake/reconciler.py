"""Intake's reconciler: recovers what Kafka lost of intake's outbox (the relay itself is
services.common.relay), and settles what the event store shows as decided."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from services.intake.adapter import IntakeStore
from services.validator.eventlog import EventLog

log = logging.getLogger("dimona.intake")


class Reconciler:
    """Re-publishes what was published but never decided (the embedded broker forgets
    everything when it stops), and settles what the event store shows as decided.

    Undecided is not lost while the validator works: a backlog of 100,000 declarations
    keeps thousands waiting longer than `republish_after_s`, and re-publishing them fed the
    validator copies, which slowed it further (docs/performance.md). So what waited is
    re-published only in a round where the event store did not grow since the last one
    (the validator has nothing left to do). After a start (a new broker may have lost
    everything) the first rounds look at every undecided declaration, waited or not; so
    they do after SIGUSR1, by which `dimona up` says that it started a new broker (intake
    goes on answering meanwhile: nothing it records needs the broker).
    """

    def __init__(self, store: IntakeStore, log_: EventLog, republish_after_s: float,
                 wake: asyncio.Event, page: int = 50_000):
        self.store, self.eventlog, self.republish_after_s, self.wake, self.page = (
            store, log_, republish_after_s, wake, page)
        self.last_position: int | None = None
        self.idle = False  # the event store did not grow since the last round
        self.after_s = 0.0  # after a start the broker may be new: every undecided one counts
        self.brokers = 1  # how many brokers this process has published to

    def reconcile(self, after_s: float) -> tuple[int, int]:
        """Returns (settled, re-published)."""
        position = self.eventlog.last_position()
        self.idle, self.last_position = position == self.last_position, position
        ids = self.store.unsettled(after_s, self.page)
        decided = self.eventlog.decided(ids)
        lost = [i for i in ids if i not in decided] if self.idle else []
        self.store.settle(list(decided))
        self.store.unpublish(lost)
        return len(decided), len(lost)

    def broker_replaced(self) -> None:
        """The broker is new (it knows nothing): every undecided declaration counts again,
        as after a start."""
        log.info("a new broker: every undecided declaration will be published again")
        self.brokers += 1
        self.after_s = 0.0

    async def run(self, interval_s: float) -> None:
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            # in the process's main thread only (a test's thread has no signals)
            asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1,
                                                          self.broker_replaced)
        while True:
            brokers = self.brokers
            try:
                settled, republished = await asyncio.to_thread(self.reconcile, self.after_s)
                if republished:
                    log.info("re-publishing %d undecided declarations", republished)
                    self.wake.set()
                if self.idle and brokers == self.brokers:  # no new broker meanwhile
                    self.after_s = self.republish_after_s
            except Exception:
                log.exception("reconciliation failed")
            await asyncio.sleep(interval_s)
