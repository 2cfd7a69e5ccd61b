"""Use case of the notifier: confirm every decision to its declarant, exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from schemas.events import DeclarationDecided
from services.directory.cache import Snapshot
from services.notifier.adapter import Ebox
from services.notifier.domain import EboxMessage, confirmation


class ConfirmDecisions:
    def __init__(self, ebox: Ebox, directory: Callable[[], Snapshot]):
        self.ebox = ebox
        self.directory = directory

    def __call__(self, decisions: Sequence[DeclarationDecided], position: int | None) -> None:
        snapshot = self.directory()

        def messages_of(new_ids) -> list[EboxMessage]:
            found = (self._confirmation(d, snapshot) for d in decisions if d.event_id in new_ids)
            return [m for m in found if m is not None]

        self.ebox.deliver([d.event_id for d in decisions], messages_of, position)

    @staticmethod
    def _confirmation(d: DeclarationDecided, snapshot: Snapshot) -> EboxMessage | None:
        employer = snapshot.employers.by_key(d.employer_key)
        declarant = snapshot.declarants.get(d.declarant or "", {})
        return confirmation(d, employer, bool(declarant.get("batchSender")))
