import asyncio
import logging

from services.validator.app import create_app

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(create_app().run())
