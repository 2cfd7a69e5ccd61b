import logging

import uvicorn

from services.intake.app import create_app
from services.intake.settings import IntakeSettings

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    settings = IntakeSettings()
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port,
                log_level="warning")
