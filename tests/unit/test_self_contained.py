"""The project stands on its own: no tracked file points at documents that are not in the
repository, and every `docs/...` path a tracked file names exists."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Spelled in pieces so that this file does not name them itself.
OUTSIDE = re.compile("|".join([r"\.\./" + "shared", "DESIGN" + r"\.md", "INTERFACE" + r"\.md",
                               "dimona" + "-facts", "batch-" + "daily-flexi"]))
DOCS_PATH = re.compile(r"\bdocs/[\w./-]+\.(?:md|yaml)")


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    files = [ROOT / n for n in names if not n.endswith((".png", ".jpg", ".gz"))]
    assert len(files) > 100, "git ls-files listed too few files to be this repository"
    return [f for f in files if f.is_file()]


def test_no_tracked_file_points_outside_the_repository() -> None:
    offenders = [f"{f.relative_to(ROOT)}:{n}: {line.strip()}"
                 for f in tracked_text_files()
                 for n, line in enumerate(f.read_text(errors="replace").splitlines(), 1)
                 if OUTSIDE.search(line)]
    assert offenders == []


def test_every_docs_path_named_exists() -> None:
    missing = sorted({f"{f.relative_to(ROOT)}: {m}"
                      for f in tracked_text_files()
                      for m in DOCS_PATH.findall(f.read_text(errors="replace"))
                      if not (ROOT / m).exists()})
    assert missing == []


def test_the_check_finds_what_it_looks_for() -> None:
    assert OUTSIDE.search("see ../" + "shared/domain/x.md")
    assert OUTSIDE.search("INTERFACE" + ".md §3")
    assert DOCS_PATH.findall("as docs/interface.md §2 says") == ["docs/interface.md"]
