from services.common.settings import CommonSettings


class ValidatorSettings(CommonSettings):
    """DIMONA_* settings of the validator."""

    directory_refresh_s: float = 2.0
    period_cache_size: int = 200_000
