from services.common.settings import CommonSettings


class NotifierSettings(CommonSettings):
    """DIMONA_* settings of the notifier."""

    directory_refresh_s: float = 60.0
    """A fallback: the directory is read again when its version moved (at each batch)."""
    relay_batch: int = 2000  # NotificationSent published per round
    relay_idle_s: float = 0.5  # how often the outbox is looked at when nothing woke it
