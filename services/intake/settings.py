from pathlib import Path

from services.common.settings import CommonSettings


class IntakeSettings(CommonSettings):
    """DIMONA_* settings of intake."""

    api_host: str = "127.0.0.1"
    api_port: int = 8080
    relay_batch: int = 2000
    relay_idle_s: float = 1.0  # a fallback: recording a submission wakes the relay at once
    republish_after_s: float = 30.0
    reconcile_interval_s: float = 5.0
    max_body_bytes: int = 1024 * 1024  # one declaration, or a Multi-Dimona
    max_batch_bytes: int = 16 * 1024**3  # a batch file is streamed to disk, never to memory
    token_lifetime_s: int = 3600
    inbox_dir: Path = Path("var/inbox")
    outbox_dir: Path = Path("var/outbox")
    inbox_watch: bool = True  # run the watcher in one intake replica per inbox folder
    inbox_poll_s: float = 1.0
    return_files_interval_s: float = 1.0
