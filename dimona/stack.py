"""`dimona up`: the embedded stack and the four services (and the SFTP server of the
official batch files), each in its own process, supervised (a service that dies is
restarted) until SIGINT or SIGTERM."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from dimona.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    StackFailed,
    create_topics,
    free_port,
    port_open,
    process_alive,
    stop_process,
)
from schemas import topics

log = logging.getLogger("dimona.up")
SERVICES = ("validator", "projections", "notifier", "intake", "sftp")
# consumers; intake holds the API port, sftp the SFTP port (one process each)
SCALABLE = ("validator", "projections", "notifier")
# The module each service runs; intake's process is the HTTP edge, which starts its jobs.
MODULES = {"intake": "services.api"}
MALLOC = {"MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
"""glibc's malloc arenas per service process (default: 8 per core). The services allocate
from many threads (to_thread, the HTTP edge's pool); with two arenas their peak stays
nearly flat over a long run: intake's 286 -> 239 MB at 500,000 declarations, the same rate
(docs/performance.md)."""
EXAMPLE_DIRECTORY = Path(__file__).resolve().parents[1] / "examples" / "directory.json"


DEFAULT_SCALE = {"validator": 2}
"""Two validators: one process decides with one core at most (its rules are Python, under
one GIL), and the validator is where a declaration spends most of its time. The second
decides while the first waits for PostgreSQL and the broker: 11-24 % more declarations/s
on this 2-core machine, for about 420 MB (docs/performance.md, "Fifth round")."""


def parse_scale(specs: list[str] | tuple[str, ...]) -> dict[str, int]:
    """`validator=2` (one or several, or comma-separated) -> {"validator": 2}; a consumer
    not named keeps its default (DEFAULT_SCALE, else one process)."""
    scale = dict(DEFAULT_SCALE)
    for spec in (part for s in specs for part in s.split(",") if part.strip()):
        name, _, count = spec.strip().partition("=")
        if name not in SCALABLE or not count.isdigit() or not 1 <= int(count) <= 16:
            raise ValueError(f"--scale {spec!r}: expected SERVICE=N, N from 1 to 16, "
                             f"SERVICE one of {', '.join(SCALABLE)}")
        scale[name] = int(count)
    return scale


def replica_names(scale: dict[str, int]) -> list[str]:
    """validator, validator-2, ...: the first replica keeps the service's own name."""
    return [name if i == 1 else f"{name}-{i}" for name in SERVICES
            for i in range(1, scale.get(name, 1) + 1)]


def migrate(database_url: str) -> None:
    """Create every service's tables (idempotent)."""
    from services.audit import queries as audit
    from services.common import deadletters
    from services.directory import adapter as directory
    from services.intake import adapter as intake
    from services.notifier import outbox as notifier
    from services.projections import writer as projections
    from services.validator.eventstore import open_event_store

    for module in (directory, intake, projections, notifier, deadletters):
        module.migrate(database_url)
    open_event_store(database_url, create_table=True).close()
    audit.migrate(database_url)  # guards the event store's and the notifier's tables


def load_example_directory(database_url: str) -> None:
    from services.directory import adapter as directory
    from services.directory.domain import DirectoryDocument

    if directory.is_empty(database_url) and EXAMPLE_DIRECTORY.exists():
        doc = DirectoryDocument.model_validate_json(EXAMPLE_DIRECTORY.read_text("utf-8"))
        directory.load(database_url, doc)
        log.info("loaded %s", EXAMPLE_DIRECTORY)


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    restarts: int = 0
    restart_at: float = 0.0

    def start(self) -> None:
        log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command, env=self.env, stdout=log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def dead(self) -> bool:
        return self.process is None or self.process.poll() is not None


@dataclass
class Stack:
    home: Path
    api_port: int = 8080
    partitions: int = 4
    scale: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SCALE))
    children: dict[str, Child] = field(default_factory=dict)
    stopping: bool = False

    @property
    def var(self) -> Path:
        return self.home / "var"

    def up(self) -> int:
        for sub in ("log", "inbox", "outbox", "sftp"):
            (self.var / sub).mkdir(parents=True, exist_ok=True)
        self._refuse_a_second_stack()
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        postgres = broker = None
        try:
            database_url = os.environ.get("DIMONA_DATABASE_URL")
            if not database_url:
                postgres = EmbeddedPostgres(self.var / "pg", _port("DIMONA_PG_PORT"),
                                            self.var / "log" / "postgres.log")
                postgres.start()
                database_url = postgres.url
            bootstrap = os.environ.get("DIMONA_KAFKA_BOOTSTRAP")
            if not bootstrap:
                broker = EmbeddedBroker(_port("DIMONA_BROKER_PORT"),
                                        self.var / "log" / "broker.log")
                broker.start()
                bootstrap = broker.bootstrap
            create_topics(bootstrap, topics.ALL, self.partitions)
            migrate(database_url)
            load_example_directory(database_url)
            api_port = self.api_port or free_port()
            self.sftp_port = _port("DIMONA_SFTP_PORT")
            env = {**os.environ, "DIMONA_DATABASE_URL": database_url,
                   "DIMONA_KAFKA_BOOTSTRAP": bootstrap, "DIMONA_API_PORT": str(api_port),
                   "DIMONA_INBOX_DIR": str(self.var / "inbox"),
                   "DIMONA_OUTBOX_DIR": str(self.var / "outbox"),
                   "DIMONA_SFTP_DIR": str(self.var / "sftp"),
                   "DIMONA_SFTP_PORT": str(self.sftp_port),
                   "PYTHONUNBUFFERED": "1", **MALLOC}
            for name in replica_names(self.scale):
                service = name.split("-")[0]
                module = MODULES.get(service, f"services.{service}")
                self.children[name] = Child(name, [sys.executable, "-m", module],
                                            env, self.var / "log" / f"{name}.log")
                self.children[name].start()
            self.api_url = f"http://127.0.0.1:{api_port}"
            self._wait_for_api(api_port)
            self.database_url, self.bootstrap = database_url, bootstrap
            self._write_state(postgres, broker)
            print(f"Dimona is up: API {self.api_url}, batch folder {self.var / 'inbox'},"
                  f" SFTP 127.0.0.1:{self.sftp_port} on {self.var / 'sftp'}"
                  " (Ctrl-C stops it)", flush=True)
            self._supervise(postgres, broker)
        finally:
            for child in self.children.values():
                stop_process(child.process, signal.SIGTERM, 15)
            if broker:
                broker.stop()
            if postgres:
                postgres.stop()
            (self.var / "stack.json").unlink(missing_ok=True)
        return 0

    def _refuse_a_second_stack(self) -> None:
        state = self.var / "stack.json"
        if state.exists() and process_alive(json.loads(state.read_text()).get("supervisor_pid")):
            raise StackFailed(f"a stack is already running in {self.home} (see {state})")
        if self.api_port and port_open(self.api_port):
            raise StackFailed(f"port {self.api_port} is in use; choose another with --port")
        sftp_port = int(os.environ.get("DIMONA_SFTP_PORT") or 0)
        if sftp_port and port_open(sftp_port):
            raise StackFailed(f"port {sftp_port} is in use; choose another DIMONA_SFTP_PORT")

    def _stop(self, signum, frame) -> None:
        self.stopping = True

    def _wait_for_api(self, port: int) -> None:
        deadline = time.monotonic() + 120
        while not port_open(port):
            if self.stopping or time.monotonic() > deadline:
                raise StackFailed(f"the API did not start; see {self.var / 'log/intake.log'}")
            self._restart_dead()
            time.sleep(0.2)

    def _supervise(self, postgres, broker) -> None:
        while not self.stopping:
            time.sleep(0.2)
            if postgres is not None and postgres.process.poll() is not None:
                log.warning("PostgreSQL died; restarting it")
                postgres.start()
            if broker is not None and broker.process.poll() is not None:
                self._restart_broker(broker)
            if self._restart_dead():
                self._write_state(postgres, broker)

    def _restart_broker(self, broker: EmbeddedBroker) -> None:
        """A new broker knows nothing: recreate the topics and restart the consumers, so
        that each recovers from PostgreSQL (they catch up from the event store); intake,
        which needs no broker to answer (its outbox is in PostgreSQL), goes on serving and
        is told by SIGUSR1 to publish again whatever is undecided."""
        log.warning("the broker died; starting a new one and restarting the consumers")
        # The consumers stop first: none may write to the new broker (same port) before
        # its topics exist (the embedded broker's race on a fresh partition, README).
        for name, child in self.children.items():
            if name != "intake":
                stop_process(child.process, signal.SIGTERM, 15)
        broker.start()
        create_topics(broker.bootstrap, topics.ALL, self.partitions)
        intake = self.children.get("intake")
        if intake is not None and not intake.dead():
            intake.process.send_signal(signal.SIGUSR1)

    def _restart_dead(self) -> bool:
        restarted = False
        for child in self.children.values():
            if not child.dead():
                continue
            now = time.monotonic()
            if child.restart_at == 0.0:
                child.restart_at = now + min(0.5 * 2 ** min(child.restarts, 4), 8)
                log.warning("%s exited (%s); restarting", child.name, child.process.returncode)
            elif now >= child.restart_at:
                child.restarts += 1
                child.restart_at = 0.0
                child.start()
                restarted = True
        return restarted

    def _write_state(self, postgres, broker) -> None:
        state = {
            "api": self.api_url, "kafka_bootstrap": self.bootstrap,
            "sftp": f"127.0.0.1:{self.sftp_port}", "sftp_dir": str(self.var / "sftp"),
            "database_url": self.database_url, "supervisor_pid": os.getpid(),
            "pids": {name: c.process.pid for name, c in self.children.items() if c.process},
            "restarts": {name: c.restarts for name, c in self.children.items()},
            "postgres_pid": postgres.process.pid if postgres else None,
            "broker_pid": broker.process.pid if broker else None,
        }
        tmp = self.var / "stack.json.tmp"
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.var / "stack.json")


def _port(env_name: str) -> int:
    return int(os.environ.get(env_name) or 0) or free_port()
