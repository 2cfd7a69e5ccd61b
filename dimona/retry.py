"""Riding through an outage: a CLI command whose database or broker goes away (restarting,
a network cut) waits for it with backoff and carries on, saying so in one line on stderr
per outage; past the deadline (`--retry-deadline`, DIMONA_RETRY_DEADLINE_S) it gives up
(exit code 2, one line). What counts as an outage: services.common.outages.

What is retried must be safe to do again: a read, or a write that is idempotent (a batch
file is recorded once by its name and content, a directory load is an upsert). A stream
already partly printed goes on from where it was (`Retry.stream`), never from the start."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

from services.common.outages import away, reason

T = TypeVar("T")
DEFAULT_DEADLINE_S = 120.0
FIRST_PAUSE_S, MAX_PAUSE_S = 0.5, 5.0


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class GaveUp(Exception):
    """An outage lasted longer than the deadline; the message says which, for how long."""


@dataclass
class Retry:
    """Calls that ride through outages. One instance per command: it knows whether an
    outage is going on (one line is said per outage, when it starts) and what to reset at
    the next failure (`on_outage`: e.g. a connection pool to drop)."""

    deadline_s: float = DEFAULT_DEADLINE_S
    say: Callable[[str], None] = to_stderr
    sleep: Callable[[float], None] = field(default=lambda s: time.sleep(s))
    clock: Callable[[], float] = field(default=lambda: time.monotonic())
    resets: list[Callable[[], None]] = field(default_factory=list)
    outage_started: float | None = None
    pause_s: float = FIRST_PAUSE_S
    outages: int = 0

    def on_outage(self, reset: Callable[[], None]) -> None:
        """`reset` is called (once) at the next failure that an outage explains."""
        self.resets.append(reset)

    def call(self, work: Callable[[], T]) -> T:
        """`work()`, called again after each outage until it returns; GaveUp past the
        deadline. Any other error is raised at once."""
        while True:
            try:
                done = work()
            except Exception as exc:
                self.wait(exc)
                continue
            self.recovered()
            return done

    def stream(self, items: Callable[[T | None], Iterable[T]]) -> Iterator[T]:
        """The items of `items(None)`; after an outage, those of `items(last)`, `last` the
        last item yielded (None if none was), so that the stream goes on where it was."""
        last: T | None = None
        while True:
            try:
                for item in items(last):
                    self.recovered()
                    last = item
                    yield item
            except Exception as exc:
                self.wait(exc)
                continue
            self.recovered()
            return

    def wait(self, exc: Exception) -> None:
        """Re-raises `exc` unless it is an outage; else pauses (backoff), saying so when the
        outage starts. GaveUp once the outage has lasted `deadline_s`."""
        what = away(exc)
        if what is None:
            raise exc
        resets, self.resets = self.resets, []
        for reset in resets:
            reset()
        now = self.clock()
        if self.outage_started is None:
            self.outage_started, self.pause_s = now, FIRST_PAUSE_S
            self.outages += 1
            if self.deadline_s > 0:
                self.say(f"dimona: {what} is away; retrying for up to {self.deadline_s:g} s "
                         f"({reason(exc)})")
        elapsed = now - self.outage_started
        if elapsed + self.pause_s > self.deadline_s:
            raise GaveUp(f"{what} is still away after {elapsed:.0f} s; giving up "
                         f"(DIMONA_RETRY_DEADLINE_S={self.deadline_s:g}): {reason(exc)}"
                         if self.deadline_s > 0 else
                         f"{what} is away; not retrying (DIMONA_RETRY_DEADLINE_S=0): "
                         f"{reason(exc)}") from None
        self.sleep(self.pause_s)
        self.pause_s = min(self.pause_s * 2, MAX_PAUSE_S)

    def recovered(self) -> None:
        self.outage_started = None


CURRENT: ContextVar[Retry | None] = ContextVar("dimona_retry", default=None)
"""The command's Retry (set by dimona.cli for each command it runs)."""


def current() -> Retry:
    """The running command's Retry, else one with the default deadline."""
    return CURRENT.get() or Retry()
