import uvicorn

from services.common import logs, runtime
from services.intake.app import create_app
from services.intake.settings import IntakeSettings

if __name__ == "__main__":
    logs.configure()
    runtime.tune()
    settings = IntakeSettings()
    # log_config=None: uvicorn installs no handler of its own; its loggers (error, access)
    # go through the root handler and its personal data filter (services.common.logs).
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level="warning",
        log_config=None,
    )
