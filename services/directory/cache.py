"""An in-process copy of the directory for the consumers, re-read every few seconds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from services.directory import adapter
from services.directory.domain import Directory, EmployerIndex


@dataclass(frozen=True)
class Snapshot:
    directory: Directory
    declarants: dict[str, dict] = field(default_factory=dict)

    @property
    def employers(self) -> EmployerIndex:
        return self.directory.employers


class DirectoryCache:
    """The directory as last read; re-read at most every `refresh_s` seconds."""

    def __init__(self, database_url: str, refresh_s: float = 2.0):
        self.database_url = database_url
        self.refresh_s = refresh_s
        self._snapshot = Snapshot(Directory())
        self._read_at = float("-inf")

    def __call__(self) -> Snapshot:
        if time.monotonic() - self._read_at > self.refresh_s:
            self._snapshot = Snapshot(
                adapter.directory(self.database_url),
                {d["enterpriseNumber"]: d for d in adapter.declarants(self.database_url)})
            self._read_at = time.monotonic()
        return self._snapshot
