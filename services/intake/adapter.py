"""SQL of intake (schema `intake`): the recorded submissions (an outbox) and batch files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from services.common.db import ensure_schema
from services.intake.domain import FIRST_SEQUENCE

DDL = f"""
CREATE SCHEMA IF NOT EXISTS intake;
CREATE SEQUENCE IF NOT EXISTS intake.declaration_seq START {FIRST_SEQUENCE};
CREATE TABLE IF NOT EXISTS intake.submissions (
  declaration_id bigint PRIMARY KEY, employer_key text NOT NULL,
  received_at timestamptz NOT NULL, channel text NOT NULL, declarant text,
  batch_ref text, line integer, event text NOT NULL,
  published_at timestamptz, publish_count integer NOT NULL DEFAULT 0,
  settled boolean NOT NULL DEFAULT false);
CREATE INDEX IF NOT EXISTS submissions_unpublished ON intake.submissions (declaration_id)
  WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS submissions_unsettled ON intake.submissions (published_at)
  WHERE NOT settled;
CREATE INDEX IF NOT EXISTS submissions_batch ON intake.submissions (batch_ref, line);
CREATE TABLE IF NOT EXISTS intake.batches (
  batch_ref text PRIMARY KEY, declarant text NOT NULL, file_name text NOT NULL,
  sha256 text NOT NULL, received_at timestamptz NOT NULL, acknowledgement jsonb NOT NULL,
  UNIQUE (declarant, file_name, sha256));
"""

COPY_SUBMISSIONS = """COPY intake.submissions
 (declaration_id, employer_key, received_at, channel, declarant, batch_ref, line, event)
 FROM STDIN"""


def migrate(database_url: str) -> None:
    ensure_schema(database_url, DDL)


@dataclass(frozen=True)
class SubmissionRow:
    declaration_id: int
    employer_key: str
    received_at: datetime
    channel: str
    declarant: str | None
    batch_ref: str | None
    line: int | None
    event: str


class IntakeStore:
    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def next_sequences(self, count: int) -> list[int]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT nextval('intake.declaration_seq') "
                                "FROM generate_series(1, %s)", (count,)).fetchall()
        return [r[0] for r in rows]

    def period_employers(self, period_ids: Iterable[int]) -> dict[int, str]:
        ids = list(set(period_ids))
        if not ids:
            return {}
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT declaration_id, employer_key FROM intake.submissions "
                                "WHERE declaration_id = ANY(%s)", (ids,)).fetchall()
        return dict(rows)

    def record(self, rows: Sequence[SubmissionRow], batch: tuple | None = None) -> None:
        """Record submissions (and their batch file) in one transaction."""
        with self.pool.connection() as conn, conn.transaction():
            if batch is not None:
                ref, declarant, file_name, sha256, received_at, ack = batch
                conn.execute("INSERT INTO intake.batches VALUES (%s, %s, %s, %s, %s, %s)",
                             (ref, declarant, file_name, sha256, received_at, Jsonb(ack)))
            with conn.cursor() as cur, cur.copy(COPY_SUBMISSIONS) as copy:
                for r in rows:
                    copy.write_row((r.declaration_id, r.employer_key, r.received_at,
                                    r.channel, r.declarant, r.batch_ref, r.line, r.event))

    def find_batch(self, declarant: str, file_name: str, sha256: str) -> dict | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT acknowledgement FROM intake.batches WHERE declarant = %s "
                               "AND file_name = %s AND sha256 = %s",
                               (declarant, file_name, sha256)).fetchone()
        return row[0] if row else None

    def batch(self, batch_ref: str) -> dict | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT acknowledgement FROM intake.batches "
                               "WHERE batch_ref = %s", (batch_ref,)).fetchone()
        return row[0] if row else None

    def unpublished(self, limit: int) -> list[tuple[int, str, str]]:
        """(declaration id, employer key, event JSON) of submissions still to publish."""
        with self.pool.connection() as conn:
            return conn.execute(
                "SELECT declaration_id, employer_key, event FROM intake.submissions "
                "WHERE published_at IS NULL ORDER BY declaration_id LIMIT %s",
                (limit,)).fetchall()

    def mark_published(self, declaration_ids: Sequence[int]) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE intake.submissions SET published_at = now(), "
                         "publish_count = publish_count + 1 WHERE declaration_id = ANY(%s)",
                         (list(declaration_ids),))

    def unsettled(self, republish_after_s: float, limit: int) -> list[int]:
        """Published submissions not yet known to be decided, whose wait is over (it doubles
        with every publication: a slow validator is not flooded with copies)."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT declaration_id FROM intake.submissions WHERE NOT settled "
                "AND published_at IS NOT NULL AND published_at < now() - make_interval("
                "secs => %s * power(2, least(publish_count - 1, 5))) LIMIT %s",
                (republish_after_s, limit)).fetchall()
        return [r[0] for r in rows]

    def settle(self, declaration_ids: Sequence[int]) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE intake.submissions SET settled = true "
                         "WHERE declaration_id = ANY(%s)", (list(declaration_ids),))

    def unpublish(self, declaration_ids: Sequence[int]) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE intake.submissions SET published_at = NULL "
                         "WHERE declaration_id = ANY(%s)", (list(declaration_ids),))

    def submission(self, declaration_id: int) -> dict | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT declarant, channel FROM intake.submissions "
                               "WHERE declaration_id = %s", (declaration_id,)).fetchone()
        return {"declarant": row[0], "channel": row[1]} if row else None
