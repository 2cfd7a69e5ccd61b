from services.common.settings import CommonSettings


class ValidatorSettings(CommonSettings):
    """DIMONA_* settings of the validator."""

    directory_refresh_s: float = 60.0
    """A fallback: the directory is read again when its version moved (at each batch)."""
    period_cache_size: int = 200_000
    """Aggregates (periods, relations, quotas) kept in memory between batches."""
    identification_interval_s: float = 5.0
    """How often declarations waiting for identification (S) are looked up again."""
