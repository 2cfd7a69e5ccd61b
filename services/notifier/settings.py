from services.common.settings import CommonSettings


class NotifierSettings(CommonSettings):
    """DIMONA_* settings of the notifier."""

    directory_refresh_s: float = 2.0
