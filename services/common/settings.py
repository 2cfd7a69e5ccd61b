"""Settings every service reads from the environment (prefix DIMONA_)."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

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
    # Test-only fault injection: services (comma-separated) that kill themselves once,
    # between their database commit and their Kafka offset commit.
    crash_after_commit: str = ""
    fault_marker_dir: str = ""


def eventsourcing_env(database_url: str, create_table: bool) -> dict[str, str]:
    """The eventsourcing library's settings for our PostgreSQL URL."""
    url = urlparse(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": "4",
        "CREATE_TABLE": "y" if create_table else "n",
        # every event inserted is chained into the audit log (docs/adr/0007-audit.md)
        "APPLICATION_RECORDER_TOPIC": "services.audit.recorder:ChainedRecorder",
        "TRANSCODER_TOPIC": "services.common.transcoder:OrjsonTranscoder",
    }
