"""services.intake.sftp_folders.SenderFolders with a fake of OfficialFiles: an FI file is
refused for want of its GO (130) only when the GO has not come, also when a scan lasts
longer than DIMONA_SFTP_GO_TIMEOUT_S and the set arrives during it (found by
tests/e2e/test_official_files_sftp.py: accepted files refused 130, their GO then 133)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from services.intake.official_files import Answer, FileSet
from services.intake.sftp_folders import SenderFolders
from services.intake.xmlforms.errors import FileError

TIMEOUT_S = 5.0
DAY = "20261207"


class Files:
    """Stands for OfficialFiles: notes what it is asked; `during` runs once, in the first
    accept (what arrives while a long file is being recorded)."""

    def __init__(self, during: Callable[[], None]):
        self.during: Callable[[], None] | None = during
        self.accepted: list[str] = []
        self.refused: list[tuple[str, str]] = []

    def accept(self, files: FileSet) -> Answer:
        self.accepted.append(files.name)
        if self.during is not None:
            during, self.during = self.during, None
            during()
        return Answer(f"T{len(self.accepted):012d}", [], "", Path("acrf"))

    def refuse_name(self, sender_id: str, file_name: str, folder: str, error: FileError
                    ) -> Answer:
        self.refused.append((file_name, error.code))
        return Answer(f"R{len(self.refused):012d}", [error.code], "", Path("acrf"))


def test_a_set_that_arrives_during_a_long_scan_is_taken_not_refused(tmp_path):
    inbox = tmp_path / "sftp" / "000640" / "IN"
    inbox.mkdir(parents=True)
    now = [1_000_000.0]

    def drop(sequence: str, go: bool = True, age_s: float = 0.0) -> None:
        fi = inbox / f"FI.DIMN.000640.{DAY}.{sequence}.R.1.1"
        fi.write_bytes(b"<Dimona/>")
        os.utime(fi, (now[0] - age_s, now[0] - age_s))
        if go:
            (inbox / f"GO.DIMN.000640.{DAY}.{sequence}.R.1").touch()

    def slow_file_then_a_new_set() -> None:
        drop("00002")  # put while the first file is recorded...
        now[0] += TIMEOUT_S + 1  # ...which takes longer than the GO timeout

    files = Files(slow_file_then_a_new_set)
    folders = SenderFolders(files, tmp_path / "sftp", tmp_path / "archive", TIMEOUT_S,
                            clock=lambda: now[0])
    drop("00001")
    drop("00003", go=False, age_s=3600)  # exported an hour ago; its GO never comes
    folders.scan()
    assert files.refused == [], "an FI waits for its GO from its arrival, not its time"
    now[0] += TIMEOUT_S + 1
    folders.scan()
    assert files.refused == [(f"FI.DIMN.000640.{DAY}.00003.R.1.1", "130")]
    assert files.accepted == [f"GO.DIMN.000640.{DAY}.00001.R.1",
                              f"GO.DIMN.000640.{DAY}.00002.R.1"]
    assert len(files.refused) == 1
    assert not list(inbox.iterdir())
