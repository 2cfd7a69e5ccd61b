"""Use case of the notifier: notify every decision, exactly once (services.notifier.domain
says what and to whom)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from schemas.events import DeclarationDecided
from services.common.relay import Row
from services.directory.cache import Snapshot
from services.notifier.adapter import Outbox
from services.notifier.domain import Names, Notices, notices

# re-export, removed after the move (intake and dimona.client still read them from here)
from services.notifier.ebox import ReadEbox, shown  # noqa: F401


class NotifyDecisions:
    def __init__(self, outbox: Outbox, directory: Callable[[], Snapshot],
                 sent: Callable[[list[Row]], None] = lambda rows: None):
        """`sent` is called with the notifications just recorded, (id, key, event JSON)
        rows: app.py hands them to the relay."""
        self.outbox, self.directory, self.sent = outbox, directory, sent

    def __call__(self, decisions: Sequence[DeclarationDecided], position: int | None) -> None:
        snapshot = self.directory()

        def notices_of(fresh: list[DeclarationDecided], names: Names) -> Notices:
            return notices(fresh, snapshot.employers.by_key, snapshot.is_batch_sender, names,
                           datetime.now(UTC))

        if sent := self.outbox.deliver(decisions, notices_of, position):
            self.sent(sent)
