from services.common.settings import CommonSettings


class IntakeSettings(CommonSettings):
    """DIMONA_* settings of intake."""

    api_host: str = "127.0.0.1"
    api_port: int = 8080
    relay_batch: int = 2000
    relay_idle_s: float = 0.1
    republish_after_s: float = 30.0
    reconcile_interval_s: float = 5.0
    max_body_bytes: int = 256 * 1024 * 1024
