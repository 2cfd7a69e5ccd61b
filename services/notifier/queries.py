"""The notifier's published reads (schema `notifier`): its log of notifications sent (what
the register catches up from and rebuilds from), the e-Box (a reader may also mark a message
read), and the return-file entries of the batches. Apart from the notifier's writes
(its outbox), so that the register, intake and the HTTP edge read the notifier here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from schemas.events import NotificationSent
from services.notifier.domain import BRUSSELS

MESSAGE_COLUMNS = ("message_id, declaration_id, recipient, employer_key, language, subject, "
                   "content, created_at, read_at")
OLDEST_FIRST = "created_at, declaration_id, message_id"
NEWEST_FIRST = "created_at DESC, declaration_id DESC, message_id DESC"
# A list shows each message's result, not its content.
LISTED_COLUMNS = MESSAGE_COLUMNS.replace("content", "content->'declarations'->>'result'")


class SentLog:
    """The notifications sent, in the order they were recorded: what the register catches
    up from (the embedded broker forgets) and rebuilds from."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def after(self, position: int, limit: int) -> list[tuple[int, NotificationSent]]:
        rows = self.conn.execute(
            "SELECT position, event FROM notifier.notifications WHERE position > %s "
            "ORDER BY position LIMIT %s", (position, limit)).fetchall()
        return [(p, NotificationSent.model_validate_json(e)) for p, e in rows]

    def sent_until(self, moment: datetime, employer_keys: Sequence[str] | None,
                   after: int = 0) -> list[NotificationSent]:
        """The notifications sent at or before `moment` (about these employers only; about
        any: None), recorded after position `after`, in the order they were recorded."""
        about = "" if employer_keys is None else " AND employer_key = ANY(%(keys)s)"
        rows = self.conn.execute(
            "SELECT event FROM notifier.notifications WHERE position > %(after)s AND "
            "(event::json ->> 'occurred_at')::timestamptz <= %(moment)s"
            f"{about} ORDER BY position",
            {"moment": moment, "keys": list(employer_keys or ()), "after": after}).fetchall()
        return [NotificationSent.model_validate_json(r[0]) for r in rows]


class Ebox:
    """The e-Box: messages by recipient or by employer, one message, mark read."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def messages(self, *, employer_keys: Sequence[str] = (), recipient: str | None = None,
                 unread: bool = False, limit: int | None = None, offset: int = 0,
                 newest_first: bool = False) -> tuple[int, list[dict]]:
        """(how many, a page of them): the messages about an employer (any of its keys)
        or to a recipient, oldest first (or newest first), without their content."""
        column = "employer_key" if employer_keys else "recipient"
        unread_only = " AND read_at IS NULL" if unread else ""
        keys = list(employer_keys) if employer_keys else [recipient]
        order = NEWEST_FIRST if newest_first else OLDEST_FIRST
        with self.pool.connection() as conn:
            total = conn.execute(f"SELECT count(*) FROM notifier.ebox_messages WHERE {column} "
                                 f"= ANY(%s){unread_only}", (keys,)).fetchone()[0]
            # each key's messages in its index's order, as far as the page goes, then merged:
            # an employer with 100,000 messages is never sorted whole
            rows = conn.execute(
                f"SELECT {LISTED_COLUMNS} FROM unnest(%s::text[]) k(key), LATERAL "
                f"(SELECT * FROM notifier.ebox_messages WHERE {column} = k.key{unread_only} "
                f"ORDER BY {order} LIMIT %s) m ORDER BY {order} LIMIT %s OFFSET %s",
                (keys, None if limit is None else offset + limit, limit, offset)).fetchall()
        return total, [_message(r, body="result") for r in rows]

    def message(self, message_id: str) -> dict | None:
        with self.pool.connection() as conn:
            row = conn.execute(f"SELECT {MESSAGE_COLUMNS} FROM notifier.ebox_messages "
                               "WHERE message_id = %s", (_uuid(message_id),)).fetchone()
        return _message(row) if row else None

    def mark_read(self, message_id: str) -> dict | None:
        """Marks a message read (the first reading is kept); None if there is none."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "UPDATE notifier.ebox_messages SET read_at = coalesce(read_at, now()) "
                f"WHERE message_id = %s RETURNING {MESSAGE_COLUMNS}",
                (_uuid(message_id),)).fetchone()
        return _message(row) if row else None


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _message(row: tuple, body: str = "content") -> dict:
    keys = ("messageId", "declarationId", "recipient", "employerKey", "language", "subject",
            body, "createdAt", "readAt")
    values = [str(row[0]), *row[1:7], row[7].astimezone(BRUSSELS).isoformat(),
              row[8].astimezone(BRUSSELS).isoformat() if row[8] else None]
    return dict(zip(keys, values, strict=True))


class ReturnEntries:
    """The entries of the batches' return files, as intake writes them out."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def of(self, batch_ref: str, after: int = 0, upto: int | None = None
           ) -> Iterator[dict]:
        """The latest entry of each line of a batch among those recorded at positions in
        (after, upto], with `line`, in line order, streamed. A line that waited for
        identification has two entries: its `S`, then its final result."""
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(name="return_entries") as cur:
                cur.itersize = 5000
                cur.execute("SELECT DISTINCT ON (line) line, result FROM "
                            "notifier.return_entries WHERE batch_ref = %s AND position > %s "
                            "AND position <= coalesce(%s, position) "
                            "ORDER BY line, position DESC", (batch_ref, after, upto))
                for line, result in cur:
                    yield {**result, "line": line}

    def progress(self, batch_ref: str) -> tuple[int, int, int]:
        """(the position of the batch's last entry, how many of its lines still wait for
        identification, how many lines have an entry), read together: every line counted
        has its entry at or before that position."""
        with self.pool.connection() as conn:
            return conn.execute(
                "SELECT coalesce(max(last), 0), count(*) FILTER (WHERE result = 'S'), "
                "count(*) FROM "
                "(SELECT DISTINCT ON (line) position AS last, result->>'result' AS result "
                " FROM notifier.return_entries WHERE batch_ref = %s "
                " ORDER BY line, position DESC) latest", (batch_ref,)).fetchone()

    def counts(self, batch_refs: Sequence[str]) -> dict[str, int]:
        """How many lines of each batch have an entry."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT batch_ref, count(DISTINCT line) FROM notifier.return_entries "
                "WHERE batch_ref = ANY(%s) GROUP BY batch_ref", (list(batch_refs),)).fetchall()
        return {**dict.fromkeys(batch_refs, 0), **dict(rows)}
