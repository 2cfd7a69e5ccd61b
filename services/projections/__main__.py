import asyncio

from services.common import logs, runtime
from services.projections.app import create_app

if __name__ == "__main__":
    logs.configure()
    runtime.tune()
    asyncio.run(create_app().run())
