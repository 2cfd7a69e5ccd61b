from services.common.settings import CommonSettings


class ValidatorSettings(CommonSettings):
    """DIMONA_* settings of the validator."""

    directory_refresh_s: float = 2.0
    period_cache_size: int = 200_000
    """Aggregates (periods, relations, quotas) kept in memory between batches."""
    identification_interval_s: float = 5.0
    """How often declarations waiting for identification (S) are looked up again."""
