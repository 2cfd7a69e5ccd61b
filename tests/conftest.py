"""Fixtures: the real embedded infrastructure and whole stacks started with `dimona up`.

No sleeps: every wait polls a condition until a deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from aiokafka import AIOKafkaConsumer

from dimona.embedded import EmbeddedBroker, EmbeddedPostgres, create_topics, free_port
from schemas import topics

DIMONA = str(Path(sys.executable).parent / "dimona")
ROOT = Path(__file__).resolve().parents[1]


def wait_until(check: Callable[[], object], timeout_s: float, what: str, interval_s=0.1):
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval_s)


class StackProcess:
    """A `dimona up` in its own home directory, on free ports."""

    def __init__(self, home: Path, env: dict[str, str] | None = None):
        self.home = home
        self.env = {**os.environ, **(env or {})}
        for name in ("DIMONA_DATABASE_URL", "DIMONA_KAFKA_BOOTSTRAP"):
            self.env.pop(name, None)
        self.process: subprocess.Popen | None = None

    @property
    def state_path(self) -> Path:
        return self.home / "var" / "stack.json"

    @property
    def state(self) -> dict:
        return json.loads(self.state_path.read_text())

    @property
    def api(self) -> str:
        return self.state["api"]

    def start(self, timeout_s: float = 180) -> StackProcess:
        self.home.mkdir(parents=True, exist_ok=True)
        self.state_path.unlink(missing_ok=True)
        joined_before = self.consumer_starts()
        out = open(self.home / "up.log", "ab")
        self.process = subprocess.Popen([DIMONA, "--home", str(self.home), "up", "--port", "0"],
                                        env=self.env, stdout=out, stderr=subprocess.STDOUT)

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"dimona up exited: {(self.home / 'up.log').read_text()}")
            return self.state_path.exists() and self._healthy()

        wait_until(ready, timeout_s, "the stack to start")
        self.wait_for_consumers(joined_before)
        return self

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def consumer_starts(self) -> dict[str, int]:
        """How often each consumer has logged that it started (its group joined)."""
        logs = self.home / "var" / "log"
        return {s: (logs / f"{s}.log").read_text(errors="replace").count(
                    "started successfully") if (logs / f"{s}.log").exists() else 0
                for s in ("validator", "projections", "notifier")}

    def wait_for_consumers(self, before: dict[str, int], timeout_s: float = 120) -> None:
        wait_until(lambda: all(n > before[s] for s, n in self.consumer_starts().items()),
                   timeout_s, "the consumers to join their groups", 0.2)

    def stop(self, sig: int = signal.SIGINT, timeout_s: float = 90) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout_s)

    def cli(self, *args: str, check: bool = True, timeout_s: float = 300
            ) -> subprocess.CompletedProcess:
        done = subprocess.run([DIMONA, "--home", str(self.home), *args], capture_output=True,
                              text=True, timeout=timeout_s, env=self.env)
        if check and done.returncode != 0:
            raise AssertionError(f"dimona {' '.join(args)} -> {done.returncode}\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.state["database_url"]) as conn:
            return conn.execute(query, params).fetchall()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[StackProcess]:
    """One running stack shared by the end-to-end tests that only add data."""
    running = StackProcess(tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()


@pytest.fixture
def new_stack(tmp_path) -> Iterator[Callable[..., StackProcess]]:
    """A factory of private stacks (for tests that crash or restart them)."""
    started: list[StackProcess] = []

    def make(env: dict[str, str] | None = None) -> StackProcess:
        s = StackProcess(tmp_path / f"stack{len(started)}", env).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


class Infra:
    """Embedded PostgreSQL and broker, without the services: for integration tests."""

    def __init__(self, root: Path):
        self.postgres = EmbeddedPostgres(root / "pg", free_port(), root / "postgres.log")
        self.broker = EmbeddedBroker(free_port(), root / "broker.log")

    def start(self) -> Infra:
        self.postgres.start()
        self.broker.start()
        create_topics(self.broker.bootstrap, topics.ALL, 4)
        return self

    def new_database(self) -> str:
        """A fresh database with every service's tables."""
        from dimona.stack import migrate
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.postgres.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = self.postgres.url.rsplit("/", 1)[0] + f"/{name}"
        migrate(url)
        return url

    def stop(self) -> None:
        self.broker.stop()
        self.postgres.stop()


@pytest.fixture(scope="session")
def infra(tmp_path_factory) -> Iterator[Infra]:
    running = Infra(tmp_path_factory.mktemp("infra")).start()
    yield running
    running.stop()


@pytest.fixture
def database_url(infra) -> str:
    return infra.new_database()


async def declaration_ids_on(bootstrap: str, topic: str, done: Callable[[list[int]], bool],
                             timeout_s: float = 30) -> list[int]:
    """The declaration ids of every message on a topic (repetitions kept), read from the
    start until `done` says enough."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap,
                                auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    ids: list[int] = []
    try:
        async with asyncio.timeout(timeout_s):
            while not done(ids):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    ids += [json.loads(r.value)["declaration_id"] for r in records]
    finally:
        await consumer.stop()
    return ids
