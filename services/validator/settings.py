from services.common.settings import CommonSettings

CACHE_SIZE = 20_000
"""Aggregates kept between batches by default (DIMONA_PERIOD_CACHE_SIZE): about 40 MB of the
validator's memory, reached after about 12,000 declarations; on the bench's workload a
smaller or larger cache decided as fast (docs/performance.md, "Memory")."""


class ValidatorSettings(CommonSettings):
    """DIMONA_* settings of the validator."""

    directory_refresh_s: float = 60.0
    """A fallback: the directory is read again when its version moved (at each batch)."""
    period_cache_size: int = CACHE_SIZE
    """Aggregates (periods, relations, registrations, situations, quotas) kept in memory
    between batches, the least recently used dropped past it; declarations are never kept."""
    identification_interval_s: float = 5.0
    """How often declarations waiting for identification (S) are looked up again."""
