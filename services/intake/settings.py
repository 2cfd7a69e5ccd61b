from pathlib import Path

from services.common.settings import CommonSettings


class IntakeSettings(CommonSettings):
    """DIMONA_* settings of intake's jobs: the relay, the reconciler, the inbox and the
    return files (the HTTP edge adds its own: services.api.settings)."""

    relay_batch: int = 2000
    relay_idle_s: float = 1.0  # a fallback: recording a submission wakes the relay at once
    republish_after_s: float = 30.0
    reconcile_interval_s: float = 5.0
    inbox_dir: Path = Path("var/inbox")
    outbox_dir: Path = Path("var/outbox")
    inbox_watch: bool = True  # run the watcher in one intake replica per inbox folder
    inbox_poll_s: float = 1.0
    return_files_interval_s: float = 1.0
