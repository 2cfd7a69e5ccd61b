"""The event store's recorder: eventsourcing's PostgreSQL recorder, which also chains every
event it inserts into the audit log, in the same transaction (docs/adr/0007-audit.md), and
inserts without psycopg's pipeline mode (docs/performance.md: a batch of 2,000 declarations
hung there for good, client and server each waiting for the other, as in psycopg#685)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor, InterfaceError, OperationalError
from psycopg.sql import SQL, Identifier

from services.audit.adapter import append_links
from services.audit.domain import event_content


class ChainedRecorder(PostgresApplicationRecorder):
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
