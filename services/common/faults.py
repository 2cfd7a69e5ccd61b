"""Test-only fault injection: die between the database commit and the offset commit.

Enabled by DIMONA_CRASH_AFTER_COMMIT=<service,...> and DIMONA_FAULT_MARKER_DIR. Each named
service dies once (a marker file records that it did), the way a power cut would: no cleanup.
"""

from __future__ import annotations

import os
from pathlib import Path

from services.common.settings import CommonSettings


def crash_point(settings: CommonSettings, service: str) -> None:
    if service not in settings.crash_after_commit.split(",") or not settings.fault_marker_dir:
        return
    marker = Path(settings.fault_marker_dir) / f"crashed-{service}"
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    os._exit(137)
