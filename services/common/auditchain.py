"""The hash chain that seals the recorded logs (docs/adr/0007-audit.md), as their writers
extend it: the validator's event store (services.validator.eventstore) and the notifier's
log of notifications sent (services.notifier.outbox) each chain their new records in the
transaction that writes them. Here because both writers need it and neither may import the
other, nor the auditors' read side (services.audit), which verifies the chain.

hash = SHA-256(previous hash, position as 8 bytes, every column of the record), 32 zero
bytes before a log's first record; the links live in `audit.links`, a checkpoint in
`audit.checkpoints` each time a log's positions pass a multiple of CHECKPOINT_EVERY.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

GENESIS = bytes(32)
CHECKPOINT_EVERY = 10_000
"""A checkpoint is recorded each time a log's positions pass a multiple of this."""

LINKS_DDL = """
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.links (
  log text NOT NULL, position bigint NOT NULL, previous bigint NOT NULL, hash bytea NOT NULL,
  PRIMARY KEY (log, position));
CREATE TABLE IF NOT EXISTS audit.checkpoints (
  log text NOT NULL, position bigint NOT NULL, hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (log, position));
CREATE OR REPLACE FUNCTION audit.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""
LAST_LINK = "SELECT position, previous, hash FROM audit.links WHERE log = %s " \
            "ORDER BY position DESC LIMIT 1"
INSERT_LINKS = """INSERT INTO audit.links (log, position, previous, hash)
 SELECT %s, * FROM unnest(%b::bigint[], %b::bigint[], %b::bytea[])"""


def append_only(tables: Iterable[str]) -> str:
    """The DDL of the guards that refuse any UPDATE, DELETE or TRUNCATE of these tables
    (SQLSTATE 42501); after LINKS_DDL, which creates the function they call."""
    return "".join(f"""
CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION audit.append_only();
CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION audit.append_only();
""" for table in tables)


def link_hash(previous: bytes, position: int, content: bytes) -> bytes:
    return hashlib.sha256(previous + position.to_bytes(8, "big") + content).digest()


def event_content(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """Every column of an event of the event store (its position aside)."""
    return originator_id.bytes + version.to_bytes(8, "big") + topic.encode() + b"\0" + state


def notification_content(notification_id: UUID, employer_key: str, event: str) -> bytes:
    """Every column of a notification of the notifier's log that is never updated."""
    return notification_id.bytes + employer_key.encode() + b"\0" + event.encode()


@dataclass(frozen=True)
class Link:
    """A record's place in its log's chain: its position, the previous record's, its hash."""

    position: int
    previous: int
    hash: bytes


def chain(last: Link | None, records: Iterable[tuple[int, bytes]]) -> list[Link]:
    """The links of new records (position, content), after the last link of their log."""
    previous, digest = (last.position, last.hash) if last else (0, GENESIS)
    links = []
    for position, content in sorted(records):
        digest = link_hash(digest, position, content)
        links.append(Link(position, previous, digest))
        previous = position
    return links


def checkpoint_due(last: Link | None, links: Sequence[Link],
                   every: int = CHECKPOINT_EVERY) -> Link | None:
    """The link to checkpoint, when these links pass a multiple of `every`."""
    before = last.position if last else 0
    if links and links[-1].position // every > before // every:
        return links[-1]
    return None


def append_links(conn: psycopg.Connection, log: str, records: Sequence[tuple[int, bytes]]
                 ) -> None:
    """Chain new records (position, content) of a log, in the transaction that writes them.
    The caller holds the log's table lock, so that links follow commit order."""
    if not records:
        return
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(LAST_LINK, (log,)).fetchone()
        last = Link(row[0], row[1], bytes(row[2])) if row else None
        links = chain(last, records)
        cur.execute(INSERT_LINKS, (log, [k.position for k in links],
                                   [k.previous for k in links], [k.hash for k in links]))
        if (due := checkpoint_due(last, links)) is not None:
            cur.execute("INSERT INTO audit.checkpoints (log, position, hash) VALUES "
                        "(%s, %s, %s)", (log, due.position, due.hash))
