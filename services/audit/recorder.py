"""The event store's recorder: eventsourcing's PostgreSQL recorder, which also chains every
event it inserts into the audit log, in the same transaction (docs/adr/0007-audit.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor

from services.audit.adapter import append_links
from services.audit.domain import event_content


class ChainedRecorder(PostgresApplicationRecorder):
    def _fetch_ids_after_insert_events(self, curs: Cursor, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        """The inserted events' positions; under the table lock the library took, so the
        chain follows the positions' commit order."""
        ids = list(super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or ())
        append_links(curs.connection, "validator", [
            (i, event_content(e.originator_id, e.originator_version, e.topic, e.state))
            for i, e in zip(ids, stored_events, strict=True)])
        return ids
