"""Reading the e-Box (docs/interface.md §4; docs/adr/0006-notifications.md): an employer's
or a declarant's messages, one message shown in any of the four languages, marking a message
read. The notifier's published read use case, apart from what it sends, so that the HTTP
edge and the CLI show the e-Box through one module."""

from __future__ import annotations

from collections.abc import Callable

from services.notifier import render
from services.notifier.queries import Ebox


class ReadEbox:
    """The e-Box (docs/interface.md §4): an employer's or a declarant's messages, one message
    shown in any of the four languages as text and HTML, marking a message read. Who may
    read what is the caller's to check."""

    def __init__(self, ebox: Ebox, employer_keys: Callable[[str], list[str]]):
        """`employer_keys(number)`: the keys an employer's messages are stored under (its
        NSSO number and its enterprise number)."""
        self.ebox, self.employer_keys = ebox, employer_keys

    def of_employer(self, number: str, unread: bool = False, limit: int | None = None,
                    offset: int = 0, newest_first: bool = False) -> dict:
        """`{total, offset, limit, items}`: a page of the messages about an employer."""
        return _page(self.ebox.messages(employer_keys=self.employer_keys(number),
                                        unread=unread, limit=limit, offset=offset,
                                        newest_first=newest_first), limit, offset)

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
