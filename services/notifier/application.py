"""Use case of the notifier: notify every decision, exactly once (services.notifier.domain
says what and to whom)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from schemas.events import DeclarationDecided
from services.common.relay import Row
from services.directory.cache import Snapshot
from services.notifier import render
from services.notifier.adapter import Ebox, Outbox
from services.notifier.domain import Names, Notices, notices


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


class ReadEbox:
    """The e-Box (docs/interface.md §4): an employer's or a declarant's messages, one message
    shown in any of the four languages as text and HTML, marking a message read. Who may
    read what is the caller's to check."""

    def __init__(self, ebox: Ebox, employer_keys: Callable[[str], list[str]]):
        """`employer_keys(number)`: the keys an employer's messages are stored under (its
        NSSO number and its enterprise number)."""
        self.ebox, self.employer_keys = ebox, employer_keys

    def of_employer(self, number: str, unread: bool = False, limit: int | None = None,
                    offset: int = 0) -> dict:
        """`{total, offset, limit, items}`: a page of the messages about an employer."""
        return _page(self.ebox.messages(employer_keys=self.employer_keys(number),
                                        unread=unread, limit=limit, offset=offset),
                     limit, offset)

    def of_declarant(self, number: str, unread: bool = False, limit: int | None = None,
                     offset: int = 0) -> dict:
        """`{total, offset, limit, items}`: a page of the messages a declarant received."""
        return _page(self.ebox.messages(recipient=number.zfill(10), unread=unread,
                                        limit=limit, offset=offset), limit, offset)

    def find(self, message_id: str) -> dict | None:
        """The message as stored (its content, not yet shown)."""
        return self.ebox.message(message_id)

    def message(self, message_id: str, language: str | None = None) -> dict | None:
        """The message with its text and HTML, in `language` (default: the employer's)."""
        found = self.find(message_id)
        return shown(found, language) if found else None

    def mark_read(self, message_id: str) -> dict | None:
        found = self.ebox.mark_read(message_id)
        return shown(found) if found else None


def _page(found: tuple[int, list[dict]], limit: int | None, offset: int) -> dict:
    total, items = found
    return {"total": total, "offset": offset, "limit": limit, "items": items}


def shown(message: dict, language: str | None = None) -> dict:
    """A stored message with its subject, text and HTML in `language`."""
    language = language or message["language"]
    content = message["content"]
    return {**message, "shownIn": language, "subject": render.subject(content, language),
            "text": render.text(content, language), "html": render.html(content, language)}
