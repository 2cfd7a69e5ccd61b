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
    sftp_watch: bool = True
    """Watch the senders' folders under DIMONA_SFTP_DIR (one intake replica per folder)."""
    sftp_poll_s: float = 0.5
    sftp_archive_dir: Path = Path("var/sftp-archive")
    """Where a set's files go once answered: `<senderId>/<ticket>/`."""
    sftp_go_timeout_s: float = 3600.0
    """An FI or FS file whose GO has not come after this long is refused (ACRF 130)."""
    xml_max_file_bytes: int = 2 * 1024**3
    """The largest official batch file taken (all its parts); larger: ACRF 184."""
