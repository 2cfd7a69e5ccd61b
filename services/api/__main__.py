import uvicorn

from services.api.app import create_app
from services.api.settings import ApiSettings
from services.common import logs, runtime

if __name__ == "__main__":
    logs.configure()
    runtime.tune()
    settings = ApiSettings()
    # log_config=None: uvicorn installs no handler of its own; its loggers (error, access)
    # go through the root handler and its personal data filter (services.common.logs).
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="warning",
        log_config=None,
    )
