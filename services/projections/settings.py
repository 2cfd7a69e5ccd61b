from services.common.settings import CommonSettings


class ProjectionsSettings(CommonSettings):
    """DIMONA_* settings of the projections."""
