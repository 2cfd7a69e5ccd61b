"""What the CLI does against a running stack (found through var/stack.json). Every call
rides through an outage of the database (dimona.retry): a step is done again only where
that is safe, and what was already printed is not printed again."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cached_property, partial
from itertools import islice
from pathlib import Path
from typing import TypeVar

import psycopg

from dimona import retry as retrying
from dimona.retry import Retry
from services.directory import adapter as directory
from services.directory.domain import DirectoryDocument

T = TypeVar("T")
POOL_WAIT_S = 3.0
"""A connection within this, else the database counts as away (and the command says so)."""


class StackError(Exception):
    """The stack cannot be reached or the input cannot be used (exit code 2)."""


class StackClient:
    def __init__(self, home: Path, retry: Retry | None = None):
        self.home = home
        self.retry = retry or retrying.current()

    @cached_property
    def state(self) -> dict:
        path = self.home / "var" / "stack.json"
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise StackError(f"no running stack ({path} not found); start it with "
                             "`make run`") from None

    @cached_property
    def pool(self):
        """Opened when first used; dropped at a failure that an outage explains
        (`reconnect`), so that the next try opens a new one rather than wait on connections
        that are gone."""
        from psycopg_pool import ConnectionPool, PoolTimeout
        pool = ConnectionPool(self.state["database_url"], min_size=1, max_size=2,
                              timeout=POOL_WAIT_S, open=False)
        try:
            pool.open(wait=True, timeout=POOL_WAIT_S)
        except PoolTimeout:  # the database is away: say why, not only "no connection"
            pool.close()
            psycopg.connect(self.state["database_url"], connect_timeout=3).close()
            raise
        except BaseException:
            pool.close()
            raise
        self.retry.on_outage(self.reconnect)
        return pool

    def reconnect(self) -> None:
        """Forget the pool and the readers over it: the next use opens new ones."""
        readers, pool = self.__dict__.pop("readers", None), self.__dict__.pop("pool", None)
        if readers is not None:
            readers.close()
        if pool is not None:
            pool.close(timeout=1)

    def resumed(self, items: Callable[[], Iterable[T]]) -> Iterator[T]:
        """The items of `items()`, riding through outages: after one, `items()` again
        without the items already yielded (their order must not change meanwhile)."""
        count = 0  # read when the stream starts again: the items yielded until then
        for item in self.retry.stream(lambda last: islice(items(), count, None)):  # noqa: B023
            count += 1
            yield item

    def load_directory(self, file: Path) -> dict:
        try:
            doc = DirectoryDocument.model_validate_json(file.read_bytes())
        except ValueError as exc:
            raise StackError(f"{file}: not a directory document: {exc}") from None
        return directory.load(self.state["database_url"], doc)

    def choose_daily_registration_system(self, employer: str, system: str) -> dict:
        """Record, as the operator, the system an employer (NSSO or enterprise number) chose
        for its daily registrations: the answer of PUT /employers/{id}/daily-registration-system."""
        from datetime import UTC, datetime

        from services.directory.domain import DAILY_REGISTRATION_SYSTEMS, choice_json
        if system not in DAILY_REGISTRATION_SYSTEMS:
            raise StackError(f"system must be one of {', '.join(DAILY_REGISTRATION_SYSTEMS)}")
        found = directory.employer_by_number(self.pool, employer) if employer.isdigit() else None
        if found is None:
            raise StackError(f"employer {employer} is not in the directory")
        return choice_json(found, directory.record_system_choice(
            self.pool, found.key, system, "dimona CLI", datetime.now(UTC)))

    def submit(self, file: Path, declarant: str | None) -> dict:
        """Record a batch file (streamed); returns its summary. Tried again after an
        outage: a file is recorded once by its name and content, so a try whose answer the
        outage hid is found again (answered as ours, not as a duplicate)."""
        started, outages = datetime.now(UTC), self.retry.outages
        summary = self.retry.call(partial(self._submit, file, declarant))
        if (summary["duplicate"] and self.retry.outages > outages
                and datetime.fromisoformat(summary["receivedAt"]) >= started):
            summary = {**summary, "duplicate": False}
        return summary

    def _submit(self, file: Path, declarant: str | None) -> dict:
        from services.intake.adapter import IntakeStore
        from services.intake.application import Intake
        from services.intake.domain import BadFile, sha256_of
        declarants = directory.declarants(self.state["database_url"])
        if declarant is None:
            if not declarants:
                raise StackError("the directory has no declarant; load one first")
            declarant = declarants[0]["enterpriseNumber"]
        elif declarant not in {d["enterpriseNumber"] for d in declarants}:
            raise StackError(f"declarant {declarant} is not in the directory")
        try:
            with file.open("rb") as stream:
                return Intake(IntakeStore(self.pool)).accept_batch(
                    file.name, stream, sha256_of(stream), declarant, "dimona submit")
        except BadFile as exc:
            raise StackError(f"{file}: {exc}") from None
        except OSError as exc:
            raise StackError(f"{file}: {exc.strerror}") from None

    def submit_official(self, file: Path, name: str):
        """Take an official batch file (docs/interface.md §10) under its FI `name`, as if
        its sender had sent its GO: returns its Answer (the ACRF written, the ticket).
        Tried again after an outage: the same name and content is answered as the first
        time."""
        return self.retry.call(partial(self._submit_official, file, name))

    def _submit_official(self, file: Path, name: str):
        from services.intake.adapter import IntakeStore
        from services.intake.application import Intake
        from services.intake.official_files import OfficialFiles
        from services.intake.settings import IntakeSettings
        from services.intake.xmlforms.errors import SenderUnknown
        sender_id = (name.split(".") + [""] * 3)[2]
        found = directory.sender(self.pool, sender_id)
        if found is None:
            raise StackError(f"{name}: sender {sender_id!r} is not a senderId of the directory")
        settings = IntakeSettings()
        files = OfficialFiles(Intake(IntakeStore(self.pool)), partial(directory.sender, self.pool),
                              Path(self.state.get("sftp_dir") or self.home / "var" / "sftp"),
                              settings.xml_max_file_bytes)
        try:
            return files.accept_upload(found.enterprise_number, name, file, "dimona submit")
        except SenderUnknown as exc:
            raise StackError(str(exc)) from None
        except OSError as exc:
            raise StackError(f"{file}: {exc.strerror}") from None

    @cached_property
    def readers(self):
        """The read side (services.api.readers), each reader opened when first used; a
        register as of a moment is dropped once read (a command reads it once)."""
        from services.api.readers import open_readers
        return open_readers(self.pool, self.state["database_url"], lazy=True, as_of_kept=0)

    @property
    def batch_views(self):
        return self.readers.batches

    def acknowledgement(self, summary: dict) -> Iterator[str]:
        return self.resumed(lambda: self.batch_views.acknowledgement(summary))

    def rejected_lines(self, batch_ref: str):
        return self.resumed(lambda: self.batch_views.store.rejected_lines(batch_ref))

    def wait_for_batch(self, summary: dict, timeout_s: float,
                       progress: Progress | None = None) -> bool:
        """Waits until every accepted line has a result; False on timeout. Tells `progress`
        the results received so far of the lines acknowledged."""
        from services.notifier.queries import ReturnEntries
        ref, total = summary["batchRef"], summary["accepted"]
        what = f"{summary['lines']} lines acknowledged"
        started = time.monotonic()

        def counted() -> int:
            # a test file's declarations are answered, never entered in the register
            counts = (self.batch_views.register.decided_counts
                      if summary.get("environment", "R") == "R"
                      else ReturnEntries(self.pool).counts)
            return counts([ref])[ref]
        while True:
            done = self.retry.call(counted)
            if progress:
                progress(what, done, total, "results")
            if done >= total:
                return True
            if time.monotonic() - started > timeout_s:
                return False
            time.sleep(0.2)

    def batch_results(self, batch_ref: str) -> Iterator[dict]:
        """Every line's result in file order (rejected lines with their reason); after an
        outage, from the line after the last one yielded."""
        return self.retry.stream(lambda last: self.batch_views.results(
            batch_ref, last["line"] if last else 0))

    def rebuild(self, verify: bool, progress: Progress | None = None) -> tuple[int, list]:
        """Replays the event store into a fresh register: swapped in, or compared. Tells
        `progress` the decisions replayed of those recorded when it started."""
        from services.projections.rebuild import Rebuild, RebuildRunning
        from services.validator.eventlog import DECIDED_TOPICS, EVENTS_TABLE
        try:
            if progress is None:
                return Rebuild(self.state["database_url"]).run(verify)
            total = count_rows(self.state["database_url"], f"SELECT count(*) FROM "
                               f"{EVENTS_TABLE} WHERE topic = ANY(%s)", (DECIDED_TOPICS,))
            count, found = Rebuild(self.state["database_url"], lambda n, s: progress(
                "replaying the event store", n, max(n, total), "decisions")).run(verify)
            progress("replaying the event store", count, count, "decisions")
            return count, found
        except RebuildRunning as exc:
            raise StackError(str(exc)) from None

    def snapshot(self, keep: int, progress: Progress | None = None) -> tuple[str, int]:
        """A snapshot of the register replayed from the event store, for the register as of
        later moments (services.projections.rebuild); the `keep` newest are kept."""
        from services.projections.rebuild import Rebuild, RebuildRunning
        try:
            return Rebuild(self.state["database_url"], _replaying(progress)).snapshot(keep)
        except RebuildRunning as exc:
            raise StackError(str(exc)) from None

    def replay(self, ref: str, start: date | None, end: date | None, employer: str | None,
               progress: Progress | None = None):
        """Decide the recorded submissions again under the rules of `ref`
        (services.validator.replay); the report of what would change."""
        from services.validator.replay import Replay, ReplayError, Scope, rules_tree
        keys = frozenset(self.readers.employer_keys(employer)) if employer else None
        told = (lambda n, total: progress("deciding again", n, total, "submissions")
                ) if progress else (lambda n, total: None)
        try:
            with rules_tree(ref) as tree:
                return Replay(self.state["database_url"], tree, told).run(
                    Scope(start, end, keys))
        except ReplayError as exc:
            raise StackError(str(exc)) from None

    def dead_letters(self, limit: int) -> dict:
        """The Kafka records the consumers could not decode: how many per topic and
        consumer group, and the latest `limit` with their reason."""
        from services.common.deadletters import DeadLetters
        letters = DeadLetters(self.state["database_url"])
        counts, latest = letters.counts(), letters.latest(limit)
        return {"total": sum(c["count"] for c in counts), "byTopic": counts,
                "latest": latest}

    def result(self, declaration_id: int) -> dict | None:
        return self.readers.result(declaration_id)

    @property
    def register(self):
        return self.readers.register

    @contextmanager
    def register_at(self, moment: datetime | None, progress: Progress | None = None,
                    **whose) -> Iterator:
        """The register's views as they stood at `moment` (services.api.readers
        `register_at`; the live ones: None), telling `progress` the decisions replayed."""
        with self.readers.register_at(moment, progress=_replaying(progress),
                                      **whose) as views:
            yield views

    @property
    def flexi(self):
        """Flexi at work: transfers (pending ones from intake), decisions, a flexi-jobber's
        details and income (services.api.readers)."""
        return self.readers.flexi

    @contextmanager
    def flexi_at(self, moment: datetime | None, progress: Progress | None = None,
                 **whose) -> Iterator:
        """Flexi at work as it stood at `moment` (the live views: None), as `register_at`."""
        with self.readers.flexi_at(moment, progress=_replaying(progress), **whose) as views:
            yield views

    @property
    def ebox(self):
        return self.readers.ebox

    @property
    def audit(self):
        return self.readers.audit

    def audit_entries(self, selection) -> Iterator:
        """The audit log's entries of `selection`, oldest first, streamed; after an outage,
        from the entry after the last one yielded."""
        return self.resumed(lambda: self.readers.audit.entries(selection))

    def audit_verifier(self, progress: Progress | None = None):
        """Verifies the recorded logs; tells `progress` the records checked of each log (of
        those counted first), every 10 000."""
        if progress is None:
            return self.readers.verifier()
        from services.validator.eventlog import EVENTS_TABLE
        sizes = {"validator": f"SELECT count(*) FROM {EVENTS_TABLE}",
                 "notifier": "SELECT count(*) FROM notifier.notifications"}
        totals = {log: count_rows(self.state["database_url"], query)
                  for log, query in sizes.items()}

        def show(log: str, count: int) -> None:
            total = totals.get(log)
            progress(f"{log} log", count, total and max(count, total), "records checked")
        return self.readers.verifier(show)

    def verify_audit(self, exported: list[dict], progress: Progress | None = None) -> dict:
        """The audit_verifier's report; `progress` is told each log's final count too."""
        report = self.audit_verifier(progress)(exported)
        for r in report["logs"] if progress else ():
            progress(f"{r['log']} log", r["records"], r["records"], "records checked")
        return report


Progress = Callable[[str, int, int | None, str], None]
"""How far a long task is, for the CLI to show (dimona.cli.output.ProgressBars): what is
being done, how many done so far, of how many (None: not known), of what; e.g.
("20 lines acknowledged", 12, 20, "results")."""


def _replaying(progress: Progress | None) -> Callable[[int, float], None]:
    """A replay's callback (decisions applied, seconds so far) telling `progress` the
    decisions replayed of a total not known beforehand (a snapshot, the register as of a
    moment)."""
    if progress is None:
        return lambda n, seconds: None
    return lambda n, seconds: progress("replaying the event store", n, None, "decisions")


def count_rows(database_url: str, query: str, params: tuple = ()) -> int:
    """A total for a progress bar."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(query, params).fetchone()[0]
