"""The watched inbox folder: batch files dropped in `inbox/<declarant>/` are recorded as if
sent with POST /batches; their answers are written in `outbox/<declarant>/`."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from services.intake.application import Intake
from services.intake.domain import BadFile, outbox_name, sha256_of
from services.intake.return_files import write_atomically


class Inbox:
    """The watched folder `inbox/<declarant enterprise number>/`. A file is taken once its
    size and time stay the same over one scan (or write it under a name starting with a
    dot and rename it). Taken files move to `processed/`, unreadable ones to `rejected/`;
    the sender finds the answer in `outbox/<declarant>/`."""

    def __init__(self, intake: Intake, root: Path, outbox: Path,
                 declarants: Callable[[], set[str]]):
        self.intake, self.root, self.outbox, self.declarants = intake, root, outbox, declarants
        self.seen: dict[Path, tuple[int, int]] = {}

    def scan(self) -> int:
        """Takes every file that is complete; returns how many."""
        seen, ready = {}, []
        for path in sorted(self.root.glob("*/*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            stat = path.stat()
            seen[path] = (stat.st_size, stat.st_mtime_ns)
            if self.seen.get(path) == seen[path]:
                ready.append(path)
        self.seen = {p: s for p, s in seen.items() if p not in ready}
        known = self.declarants() if ready else set()
        for path in ready:
            self.take(path, known)
        return len(ready)

    def take(self, path: Path, known: set[str]) -> None:
        declarant = path.parent.name
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        try:
            if declarant not in known:
                raise BadFile(f"{declarant} is not a declarant of the directory")
            with path.open("rb") as stream:
                summary = self.intake.accept_batch(path.name, stream, sha256_of(stream),
                                                   declarant, "inbox")
        except BadFile as exc:
            self.intake.counted("batch", 0, {"bad_file": 1})
            self._answer(path, stamp, "error", {"fileName": path.name, "error": str(exc)})
            self._move(path, "rejected", stamp)
            return
        if summary["duplicate"]:
            self._answer(path, stamp, "duplicate", summary)
        self._move(path, "processed", summary["batchRef"])

    def _answer(self, path: Path, stamp: str, kind: str, body: dict) -> None:
        write_atomically(self.outbox / path.parent.name / outbox_name(path.name, stamp, kind),
                         [json.dumps(body, ensure_ascii=False)])

    @staticmethod
    def _move(path: Path, folder: str, prefix: str) -> None:
        target = path.parent / folder / f"{prefix}-{path.name}"
        target.parent.mkdir(exist_ok=True)
        shutil.move(path, target)
