"""In-process copies of the directory for the consumers, read again when it changed.

Each consumer reads only what it asks: the validator the whole `Directory`, the notifier
the employers and declarants (`Snapshot`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from services.directory import adapter
from services.directory.domain import EmployerIndex

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot:
    employers: EmployerIndex
    declarants: dict[str, dict] = field(default_factory=dict)

    def is_batch_sender(self, declarant: str | None) -> bool:
        return bool(self.declarants.get(declarant or "", {}).get("batchSender"))


def read_snapshot(database_url: str) -> Snapshot:
    employers, declarants = adapter.parties(database_url)
    return Snapshot(EmployerIndex(employers), {d["enterpriseNumber"]: d for d in declarants})


class DirectoryCache(Generic[T]):
    """What `read` returns, read again when the directory's version moved (`version`,
    asked at each use: one row, so that a change is in force for the next batch, with no
    wait), and at least every `refresh_s` seconds."""

    def __init__(self, read: Callable[[], T], refresh_s: float = 2.0,
                 version: Callable[[], int] = lambda: 0):
        self.read, self.refresh_s, self.version = read, refresh_s, version
        self._value: T | None = None
        self._read_at = float("-inf")
        self._version: int | None = None

    def __call__(self) -> T:
        version = self.version()
        if (self._value is None or version != self._version
                or time.monotonic() - self._read_at > self.refresh_s):
            self._value = self.read()
            self._read_at, self._version = time.monotonic(), version
        return self._value
