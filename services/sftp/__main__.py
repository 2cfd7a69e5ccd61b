import asyncio

from services.common import logs, runtime
from services.sftp.server import serve
from services.sftp.settings import SftpSettings

if __name__ == "__main__":
    logs.configure()
    runtime.tune()
    asyncio.run(serve(SftpSettings()))  # until SIGTERM or SIGINT
