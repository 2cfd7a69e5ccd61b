"""Use case of the notifier: notify every decision, exactly once. For each batch, in one
transaction: the decisions applied before are left out (services.common.tracking), the
names of their workers are looked up, services.notifier.domain says what is sent and to
whom, and the outbox writes it (services.notifier.outbox); the notifications just recorded
are then handed to the relay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from schemas.events import DeclarationDecided
from services.common.relay import Row
from services.directory.cache import Snapshot
from services.notifier.domain import Notices, notices
from services.notifier.outbox import Outbox


class NotifyDecisions:
    def __init__(self, outbox: Outbox, directory: Callable[[], Snapshot],
                 sent: Callable[[list[Row]], None] = lambda rows: None):
        """`sent` is called with the notifications just recorded, (id, key, event JSON)
        rows: app.py hands them to the relay."""
        self.outbox, self.directory, self.sent = outbox, directory, sent

    def __call__(self, decisions: Sequence[DeclarationDecided], position: int | None) -> None:
        snapshot = self.directory()
        with self.outbox.transaction() as conn:
            new = self.outbox.first_seen(conn, [d.event_id for d in decisions])
            fresh = [d for d in decisions if d.event_id in new]
            found = notices(fresh, snapshot.employers.by_key, snapshot.is_batch_sender,
                            self.outbox.known_names(conn, fresh),
                            datetime.now(UTC)) if fresh else Notices()
            sent = self.outbox.write(conn, found)
            if position is not None:
                self.outbox.set_watermark(conn, position)
        if sent:
            self.sent(sent)
