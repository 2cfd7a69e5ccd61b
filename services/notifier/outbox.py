"""The notifier's writes (schema `notifier`): e-Box messages, return-file entries, the names
of the workers it has seen, and the log of NotificationSent, its transactional outbox, each
chained into the audit log as it is written (services.common.auditchain); and the relay's
reads of that outbox (services.common.relay). What is written, and when, is
services.notifier.application's to decide: this only executes. The notifier's reads are
services.notifier.queries."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from schemas.events import DeclarationDecided
from services.common import tracking
from services.common.auditchain import append_links, notification_content
from services.common.db import ensure_schema
from services.directory.adapter import identity_names
from services.notifier.domain import Names, Notices, ssin_of

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
CREATE INDEX IF NOT EXISTS ebox_employer_unread ON notifier.ebox_messages
  (employer_key, created_at) WHERE read_at IS NULL;
CREATE TABLE IF NOT EXISTS notifier.return_entries (
  notification_id uuid PRIMARY KEY, batch_ref text NOT NULL, line integer NOT NULL,
  declaration_id bigint NOT NULL, result jsonb NOT NULL,
  position bigint GENERATED ALWAYS AS IDENTITY);
CREATE INDEX IF NOT EXISTS return_entries_batch
  ON notifier.return_entries (batch_ref, line, position);
CREATE TABLE IF NOT EXISTS notifier.workers (
  employer_key text NOT NULL, ssin text NOT NULL, family_name text, given_name text,
  PRIMARY KEY (employer_key, ssin));
CREATE TABLE IF NOT EXISTS notifier.notifications (
  position bigint GENERATED ALWAYS AS IDENTITY UNIQUE, notification_id uuid PRIMARY KEY,
  employer_key text NOT NULL, event text NOT NULL);
ALTER TABLE notifier.notifications ADD COLUMN IF NOT EXISTS declaration_id bigint;
CREATE INDEX IF NOT EXISTS notifications_declaration
  ON notifier.notifications (declaration_id);
-- what the relay has still to publish: a narrow row, deleted once published (marking the
-- wide notification row published rewrote it and its four indexes)
CREATE TABLE IF NOT EXISTS notifier.unpublished (
  notification_id uuid PRIMARY KEY, position bigint NOT NULL);
DO $$ BEGIN  -- a database from before notifier.unpublished: the relay's state was a column
  IF EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'notifier'
             AND table_name = 'notifications' AND column_name = 'published_at') THEN
    INSERT INTO notifier.unpublished SELECT notification_id, position
      FROM notifier.notifications WHERE published_at IS NULL ON CONFLICT DO NOTHING;
    DROP INDEX IF EXISTS notifier.notifications_unpublished;
    ALTER TABLE notifier.notifications DROP COLUMN published_at;
  END IF;
END $$;
""" + tracking.TRACKING_DDL.format(schema=SCHEMA)

INSERT_NOTIFICATIONS = """INSERT INTO notifier.notifications
 (notification_id, employer_key, declaration_id, event)
 SELECT * FROM unnest(%b::uuid[], %b::text[], %b::bigint[], %b::text[]) ON CONFLICT DO NOTHING
 RETURNING position, notification_id, employer_key, event"""
INSERT_MESSAGES = """INSERT INTO notifier.ebox_messages
 (message_id, declaration_id, recipient, employer_key, language, subject, content)
 SELECT m, d, r, e, l, s, c::jsonb FROM unnest(%b::uuid[], %b::bigint[], %b::text[],
   %b::text[], %b::text[], %b::text[], %b::text[]) AS t(m, d, r, e, l, s, c)
 ON CONFLICT DO NOTHING"""
INSERT_RETURN_ENTRIES = """INSERT INTO notifier.return_entries
 (notification_id, batch_ref, line, declaration_id, result)
 SELECT n, b, l, d, r::jsonb FROM unnest(%b::uuid[], %b::text[], %b::int[], %b::bigint[],
   %b::text[]) AS t(n, b, l, d, r)
 ON CONFLICT DO NOTHING"""
INSERT_UNPUBLISHED = """INSERT INTO notifier.unpublished
 SELECT * FROM unnest(%b::uuid[], %b::bigint[])"""
REMEMBER_NAMES = """INSERT INTO notifier.workers
 SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[])
 ON CONFLICT (employer_key, ssin) DO UPDATE SET family_name = EXCLUDED.family_name,
 given_name = EXCLUDED.given_name"""


def migrate(database_url: str) -> None:
    ensure_schema(database_url, DDL)


class Outbox:
    """Writes what a batch of decisions sends, and hands the relay (services.common.relay)
    the NotificationSent still to publish."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    def watermark(self) -> int:
        with self.pool.connection() as conn:
            return tracking.watermark(conn, SCHEMA)

    def set_watermark(self, conn: psycopg.Connection, position: int) -> None:
        tracking.set_watermark(conn, SCHEMA, position)

    def first_seen(self, conn: psycopg.Connection, event_ids: Sequence[UUID]) -> set[UUID]:
        """Records these events as applied; returns those that were not applied before."""
        return tracking.first_seen(conn, SCHEMA, event_ids)

    def known_names(self, conn: psycopg.Connection, fresh: Sequence[DeclarationDecided]
                    ) -> Names:
        """The names the notifier has seen for these workers, else the identities'."""
        keys = {(d.employer_key, s) for d in fresh if (s := ssin_of(d))}
        if not keys:
            return {}
        employers, ssins = zip(*keys, strict=True)
        rows = conn.execute(
            "SELECT employer_key, ssin, family_name, given_name FROM notifier.workers "
            "WHERE (employer_key, ssin) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
            (list(employers), list(ssins))).fetchall()
        seen = {(k, s): (f, g) for k, s, f, g in rows}
        identities = identity_names(conn, [s for k, s in keys if (k, s) not in seen])
        return {**{(k, s): identities[s] for k, s in keys if s in identities}, **seen}

    def write(self, conn: psycopg.Connection, found: Notices) -> list[tuple[UUID, str, str]]:
        """One statement per table, the rows as arrays (executemany sends one per row);
        returns the notifications written (id, key, event JSON)."""
        with conn.cursor() as cur:
            _insert(cur, INSERT_MESSAGES, [
                (m.message_id, m.declaration_id, m.recipient, m.employer_key, m.language,
                 m.subject, json.dumps(m.content, ensure_ascii=False)) for m in found.messages])
            _insert(cur, INSERT_RETURN_ENTRIES, [
                (e.notification_id, e.batch_ref, e.line, e.declaration_id,
                 json.dumps(e.result, ensure_ascii=False)) for e in found.entries])
            _insert(cur, REMEMBER_NAMES, [(*key, *name) for key, name in found.names.items()])
            if found.notifications:
                # Positions in commit order, as the eventsourcing library does for its
                # notification log: a reader following the positions never skips a row
                # committed late, and the audit chain follows them.
                cur.execute("LOCK TABLE notifier.notifications IN EXCLUSIVE MODE")
                rows = _insert(cur, INSERT_NOTIFICATIONS, [
                    (n.event_id, n.employer_key, n.declaration_id, n.model_dump_json())
                    for n in found.notifications]).fetchall()
                _insert(cur, INSERT_UNPUBLISHED, [(nid, position) for position, nid, *_ in rows])
                append_links(conn, "notifier", [
                    (position, notification_content(*columns)) for position, *columns in rows])
                return [tuple(columns) for _, *columns in rows]
        return []

    def unpublished(self, limit: int) -> list[tuple[UUID, str, str]]:
        """The page is chosen among the narrow rows, then joined (as intake's outbox page):
        joining first sorted the wide rows of every unpublished notification, tens of
        thousands after a restart."""
        with self.pool.connection() as conn:
            return conn.execute(
                "SELECT notification_id, employer_key, event FROM (SELECT notification_id, "
                "position FROM notifier.unpublished ORDER BY position LIMIT %s) page "
                "JOIN notifier.notifications USING (notification_id) ORDER BY page.position",
                (limit,)).fetchall()

    def mark_published(self, ids: Sequence[UUID]) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM notifier.unpublished WHERE notification_id = ANY(%s)",
                         (list(ids),))


def _insert(cur: psycopg.Cursor, statement: str, rows: list[tuple]) -> psycopg.Cursor:
    """`rows` through an INSERT ... SELECT FROM unnest(one array per column)."""
    if rows:
        cur.execute(statement, [list(column) for column in zip(*rows, strict=True)])
    return cur
