"""The senders' input folders of the official batch channel (docs/interface.md §10):
`<DIMONA_SFTP_DIR>/<senderId>/IN`, `INTEST` and `INTEST-S`, written by the SFTP server
(services.sftp) or dropped there directly.

A GO file starts the processing of its set (services.intake.official_files); the set's
files then move to `<DIMONA_SFTP_ARCHIVE_DIR>/<senderId>/<ticket>/`. An FI or FS file whose
GO does not come within `DIMONA_SFTP_GO_TIMEOUT_S` of the watcher first seeing it is refused
(ACRF 130; after a restart of intake the wait starts again); a file whose name
is none of FI, FS, GO is refused (ACRF 129) once it has not changed for one scan. Names
starting with a dot are files still being written, and are left alone.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from services.intake.official_files import SENDER_ID, Answer, FileSet, OfficialFiles
from services.intake.xmlforms.errors import FileError, FileNameError
from services.intake.xmlforms.names import INPUT_FOLDERS, parse_input_name

log = logging.getLogger("dimona.intake")


class SenderFolders:
    def __init__(self, files: OfficialFiles, root: Path, archive: Path, go_timeout_s: float,
                 clock: Callable[[], float] = time.time):
        self.files, self.root, self.archive = files, root, archive
        self.go_timeout_s, self.clock = go_timeout_s, clock
        self.seen: dict[Path, tuple[int, int]] = {}
        self.arrived: dict[Path, float] = {}
        """When this watcher first saw each FI and FS file: a file's times are the client's
        to set (an export made hours ago keeps its time), its arrival is not."""

    def scan(self) -> int:
        """Takes every GO file's set, and refuses what waited too long or is not a batch
        file; returns how many answers were written."""
        answered = 0
        seen: dict[Path, tuple[int, int]] = {}
        arrived: dict[Path, float] = {}
        for sender in sorted(p for p in self.root.glob("*") if p.is_dir()):
            if not SENDER_ID.fullmatch(sender.name):
                continue
            for folder in INPUT_FOLDERS.values():
                names = sorted(p.name for p in (sender / folder).glob("*")
                               if not p.name.startswith(".") and p.is_file())
                for go in (n for n in names if n.startswith("GO.")):
                    answered += self._take(sender, folder, go)
                answered += self._stale(sender, folder, seen, arrived)
        self.seen, self.arrived = seen, arrived
        return answered

    def _take(self, sender: Path, folder: str, go: str) -> int:
        parts, signatures = [], []
        try:
            name = parse_input_name(go, sender=sender.name)
        except FileError:
            name = None  # OfficialFiles answers what is wrong with the name
        if name is not None and name.prefix == "GO":
            for k in range(1, name.parts + 1):
                part = sender / folder / str(name.declarations(k))
                if part.is_file():
                    parts.append(part)
                    signature = sender / folder / str(name.declarations(k).signature())
                    signatures.append(signature if signature.is_file() else None)
        answer = self.files.accept(FileSet(sender.name, go, folder, parts, signatures))
        self._archive(sender, answer, [sender / folder / go, *parts,
                                       *(s for s in signatures if s is not None)])
        return 1

    def _stale(self, sender: Path, folder: str, seen: dict[Path, tuple[int, int]],
               arrived: dict[Path, float]) -> int:
        """FI and FS files without their GO for too long (130); other names (129)."""
        answered = 0
        for path in sorted((sender / folder).glob("*")):
            if path.name.startswith(".") or not path.is_file():
                continue
            stat = path.stat()
            if path.name.startswith(("FI.", "FS.")):
                arrived[path] = self.arrived.get(path, self.clock())
                if (self.clock() - arrived[path] < self.go_timeout_s
                        or self._go_came(sender, folder, path.name)):
                    continue  # its GO came during this scan: the next one takes the set
                error: FileError = FileNameError(
                    "130", f"{path.name}: no GO file came in {self.go_timeout_s:.0f} s")
            else:
                seen[path] = (stat.st_size, stat.st_mtime_ns)
                if self.seen.get(path) != seen[path]:
                    continue  # still being written, perhaps: next scan
                error = FileNameError("129", f"{path.name}: the prefix is not FI, FS or GO")
            answer = self.files.refuse_name(sender.name, path.name, folder, error)
            self._archive(sender, answer, [path])
            answered += 1
        return answered

    @staticmethod
    def _go_came(sender: Path, folder: str, file_name: str) -> bool:
        try:
            name = parse_input_name(file_name, sender=sender.name)
        except FileError:
            return False
        return (sender / folder / str(name.trigger())).is_file()

    def _archive(self, sender: Path, answer: Answer, paths: list[Path]) -> None:
        target = self.archive / sender.name / answer.ticket
        target.mkdir(parents=True, exist_ok=True)
        for path in paths:
            if path.exists():
                shutil.move(path, target / path.name)
