"""Settings every service reads from the environment (prefix DIMONA_)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIMONA_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    batch_max_records: int = 1000
    """Records per consumed batch: one transaction and one offset commit each. 1,000 rather
    than 500 cut the pipeline's CPU by a tenth (fewer statements, commits and round trips per
    declaration; docs/performance.md); 2,000 gained nothing more."""
    batch_timeout_ms: int = 100
    """How long a consumer waits for records in one poll (it takes them as soon as they
    are there)."""
    fetch_max_wait_ms: int = 10
    """How long the broker may hold a fetch that found nothing. The embedded broker holds
    it that long even when records arrive meanwhile, so it is short; consumers stop
    fetching when idle (services/common/doorbell.py). Apache Kafka answers as soon as
    records arrive: compose.yaml sets 500."""
    consumer_idle_ms: int = 200
    """After this long without records a consumer stops fetching until the doorbell rings
    for its topic."""
    consumer_idle_poll_s: float = 1.0
    """An idle consumer looks anyway after a quarter of the time it has been idle, and at least
    this often (a ring lost while the database was away)."""
    linger_ms: int = 5
    """How long a producer waits to fill a record batch."""
    sftp_dir: Path = Path("var/sftp")
    """The official batch files' folders, `<senderId>/IN`, `INTEST`, `INTEST-S`, `OUT`,
    `OUTTEST`, `OUTTEST-S` (docs/interface.md §10): served by the SFTP server, watched by
    intake."""
    # Test-only fault injection: services (comma-separated) that kill themselves once,
    # between their database commit and their Kafka offset commit.
    crash_after_commit: str = ""
    fault_marker_dir: str = ""

