"""SQL of the audit log (schema `audit`): the links that chain the recorded logs, their
checkpoints and the append-only guards (docs/adr/0007-audit.md); the reads of `dimona audit`
are in services.audit.queries.

The logs themselves are the validator's event store (`validator_events`, position =
its notification id) and the notifier's log of notifications sent (`notifier.notifications`).
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg.rows import tuple_row

from services.audit.domain import (
    Link,
    chain,
    checkpoint_due,
)

# re-export, removed after the move (intake and dimona.client still read it from here)
from services.audit.queries import AuditStore  # noqa: F401
from services.common.db import ensure_schema
from services.validator.eventlog import EVENTS_TABLE

# Runs after the event store's and the notifier's tables exist (dimona.stack.migrate).
DDL = """
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
""" + "".join(f"""
CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION audit.append_only();
CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION audit.append_only();
""" for table in (EVENTS_TABLE, "audit.links", "audit.checkpoints", "notifier.notifications"))

LAST_LINK = "SELECT position, previous, hash FROM audit.links WHERE log = %s " \
            "ORDER BY position DESC LIMIT 1"
INSERT_LINKS = """INSERT INTO audit.links (log, position, previous, hash)
 SELECT %s, * FROM unnest(%b::bigint[], %b::bigint[], %b::bytea[])"""


def migrate(database_url: str) -> None:
    ensure_schema(database_url, DDL)


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
