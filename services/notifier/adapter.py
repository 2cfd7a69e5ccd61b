"""SQL of the notifier (schema `notifier`)."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from services.common import tracking
from services.common.db import ensure_schema

SCHEMA = "notifier"
DDL = """
CREATE SCHEMA IF NOT EXISTS notifier;
CREATE TABLE IF NOT EXISTS notifier.ebox_messages (
  message_id uuid PRIMARY KEY, declaration_id bigint NOT NULL, recipient text NOT NULL,
  employer_key text NOT NULL, language text NOT NULL, subject text NOT NULL,
  content jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz);
CREATE INDEX IF NOT EXISTS ebox_recipient ON notifier.ebox_messages (recipient, created_at);
CREATE INDEX IF NOT EXISTS ebox_employer ON notifier.ebox_messages (employer_key, created_at);
""" + tracking.TRACKING_DDL.format(schema=SCHEMA)

INSERT = """INSERT INTO notifier.ebox_messages
 (message_id, declaration_id, recipient, employer_key, language, subject, content)
 VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"""


def migrate(database_url: str) -> None:
    ensure_schema(database_url, DDL)


class Ebox:
    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def watermark(self) -> int:
        with self.pool.connection() as conn:
            return tracking.watermark(conn, SCHEMA)

    def deliver(self, event_ids: Sequence, messages_of, position: int | None) -> None:
        """Store the messages of the events not seen before, in one transaction."""
        with self.pool.connection() as conn, conn.transaction():
            new = tracking.first_seen(conn, SCHEMA, event_ids)
            rows = [(m.message_id, m.declaration_id, m.recipient, m.employer_key, m.language,
                     m.subject, Jsonb(m.content)) for m in messages_of(new)]
            with conn.cursor() as cur:
                cur.executemany(INSERT, rows)
            if position is not None:
                tracking.set_watermark(conn, SCHEMA, position)

    def messages(self, *, employer_key: str | None = None,
                 recipient: str | None = None) -> list[dict]:
        column, value = ("employer_key", employer_key) if employer_key else (
            "recipient", recipient)
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT message_id, declaration_id, recipient, employer_key, language, "
                f"subject, content, created_at, read_at FROM notifier.ebox_messages "
                f"WHERE {column} = %s ORDER BY created_at, declaration_id", (value,)).fetchall()
        return [_message(r) for r in rows]

    def message(self, message_id: str) -> dict | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT message_id, declaration_id, recipient, employer_key, language, "
                "subject, content, created_at, read_at FROM notifier.ebox_messages "
                "WHERE message_id = %s", (message_id,)).fetchone()
        return _message(row) if row else None


def _message(row: tuple) -> dict:
    keys = ("messageId", "declarationId", "recipient", "employerKey", "language", "subject",
            "content", "createdAt", "readAt")
    values = [str(row[0]), *row[1:7], row[7].isoformat(),
              row[8].isoformat() if row[8] else None]
    return dict(zip(keys, values, strict=True))
