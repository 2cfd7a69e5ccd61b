import asyncio

from services.common import logs
from services.validator.app import create_app

if __name__ == "__main__":
    logs.configure()
    asyncio.run(create_app().run())
