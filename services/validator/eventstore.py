"""The validator's event store, as its only writer opens it: eventsourcing on PostgreSQL,
its events in table `validator_events`. Here are the library's settings for our database
(`eventsourcing_env`), the application (`ValidatorApplication`, which also loads many
aggregates in one query) and its recorder (`ChainedRecorder`), which chains every event it
inserts into the audit log in the same transaction (docs/adr/0007-audit.md) and inserts
without psycopg's pipeline mode (docs/performance.md: a batch of 2,000 declarations hung
there for good, client and server each waiting for the other, as in psycopg#685). Other
services read the store through services.validator.eventlog.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor, InterfaceError, OperationalError
from psycopg.sql import SQL, Identifier

from services.common.auditchain import append_links, event_content

EVENTS_TABLE = "validator_events"


def eventsourcing_env(database_url: str, create_table: bool) -> dict[str, str]:
    """The eventsourcing library's settings for our PostgreSQL URL."""
    url = urlparse(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": "4",
        "CREATE_TABLE": "y" if create_table else "n",
        # every event inserted is chained into the audit log (docs/adr/0007-audit.md)
        "APPLICATION_RECORDER_TOPIC": "services.validator.eventstore:ChainedRecorder",
        "TRANSCODER_TOPIC": "services.common.transcoder:OrjsonTranscoder",
    }


def open_event_store(database_url: str, create_table: bool) -> ValidatorApplication:
    return ValidatorApplication(env=eventsourcing_env(database_url, create_table))


class ValidatorApplication(Application):
    """The event store: its events live in table `validator_events`."""

    name = "Validator"

    def load_many(self, ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """Aggregates by id: in one round trip on PostgreSQL (our recorder), one by one on
        any other store (the in-memory store of the unit tests)."""
        ids = list(ids)
        if not isinstance(self.recorder, ChainedRecorder) or not ids:
            return {i: a for i in ids if (a := self._get(i)) is not None}
        events: dict[UUID, list] = {}
        for stored in self.recorder.select_events_of(ids):
            events.setdefault(stored.originator_id, []).append(
                self.mapper.to_domain_event(stored))
        return {i: project_aggregate(None, evs) for i, evs in events.items()}

    def _get(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None


class ChainedRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, which also chains what it inserts (at the hook
    where the inserted events' positions are known) and reads many aggregates at once."""

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any
                      ) -> Sequence[int] | None:
        """The library's statements (table lock, NOTIFY, one INSERT ... unnest), one after
        the other in one transaction; its own version pipelines them."""
        if not stored_events:
            return []
        with (self.datastore.get_connection() as conn, conn.transaction(),
              conn.cursor() as curs):
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _insert_stored_events(self, curs: Cursor, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        """The library's insert, with the events as four arrays of plain types, which
        psycopg sends as they are, rather than one array of a composite type, which it
        formats as text in Python (a fifth of the validator's time, profiled)."""
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(SQL(
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id").format(
                Identifier(self.datastore.schema), Identifier(self.events_table_name)),
            ([e.originator_id for e in stored_events],
             [e.originator_version for e in stored_events],
             [e.topic for e in stored_events], [e.state for e in stored_events]))

    def _fetch_ids_after_insert_events(self, curs: Cursor, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        """The inserted events' positions; under the table lock the library took, so the
        chain follows the positions' commit order."""
        ids = list(super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or ())
        append_links(curs.connection, "validator", [
            (i, event_content(e.originator_id, e.originator_version, e.topic, e.state))
            for i, e in zip(ids, stored_events, strict=True)])
        return ids

    def select_events_of(self, ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every event of these aggregates, by aggregate and version, in one query."""
        with self.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(f"SELECT originator_id, originator_version, topic, state "
                        f"FROM {EVENTS_TABLE} WHERE originator_id = ANY(%b) "
                        "ORDER BY originator_id, originator_version", (list(ids),))
            rows = cur.fetchall()
        return [StoredEvent(r["originator_id"], r["originator_version"], r["topic"],
                            bytes(r["state"])) for r in rows]
