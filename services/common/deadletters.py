"""SQL of the dead letters (table `common.deadletters`): every Kafka record a consumer could
not decode, with the reason, kept in PostgreSQL because the embedded broker forgets its
topics (docs/architecture.md §2, decision 9: nothing is lost, nothing is silent).

A record is kept once per consumer group: a redelivered batch records nothing twice. The key
holds the SHA-256 of the value besides topic, partition and offset, because a new embedded
broker numbers offsets from 0 again: another record at a known offset is kept too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import psycopg

from schemas.events import DeadLetter
from services.common.db import ensure_schema

DDL = """
CREATE SCHEMA IF NOT EXISTS common;
CREATE TABLE IF NOT EXISTS common.deadletters (
  consumer_group text NOT NULL, topic text NOT NULL, partition integer NOT NULL,
  "offset" bigint NOT NULL, value_sha256 text NOT NULL, reason text NOT NULL,
  value text NOT NULL, value_bytes integer NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition, "offset", value_sha256));
CREATE INDEX IF NOT EXISTS deadletters_recent ON common.deadletters (recorded_at);
"""
VALUE_CHARS = 2000  # what is kept of a value: enough to recognise it, never megabytes
INSERT = """INSERT INTO common.deadletters (consumer_group, topic, partition, "offset",
 value_sha256, reason, value, value_bytes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
 ON CONFLICT DO NOTHING"""
COUNTS = """SELECT topic, consumer_group, count(*), max(recorded_at) FROM common.deadletters
 GROUP BY topic, consumer_group ORDER BY topic, consumer_group"""
LATEST = """SELECT consumer_group, topic, partition, "offset", reason, value, value_bytes,
 recorded_at FROM common.deadletters ORDER BY recorded_at DESC, topic, partition, "offset"
 LIMIT %s"""


def migrate(database_url: str) -> None:
    ensure_schema(database_url, DDL)


def row(group: str, letter: DeadLetter) -> tuple:
    """The row of a dead letter: its value cut short, without NUL (PostgreSQL text has
    none)."""
    value = letter.value.encode()
    return (group, letter.topic, letter.partition, letter.offset,
            hashlib.sha256(value).hexdigest(), without_nul(letter.reason),
            without_nul(letter.value[:VALUE_CHARS]), len(value))


def without_nul(text: str) -> str:
    return text.replace("\x00", "\\u0000")


class DeadLetters:
    """Records and reads the dead letters; a connection per call (they are rare)."""

    def __init__(self, database_url: str):
        self.database_url = database_url

    def record(self, group: str, letters: Sequence[DeadLetter]) -> None:
        """Keeps each letter once for `group` (a redelivery changes nothing)."""
        with psycopg.connect(self.database_url) as conn, conn.cursor() as cur:
            cur.executemany(INSERT, [row(group, letter) for letter in letters])

    def counts(self) -> list[dict]:
        """How many records each consumer group dead-lettered, per topic, and when last."""
        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(COUNTS).fetchall()
        return [{"topic": t, "consumerGroup": g, "count": n, "lastRecordedAt": at.isoformat()}
                for t, g, n, at in rows]

    def latest(self, limit: int) -> list[dict]:
        """The last `limit` dead letters, newest first, with their reason."""
        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(LATEST, (limit,)).fetchall()
        return [{"consumerGroup": g, "topic": t, "partition": p, "offset": o, "reason": r,
                 "value": v, "valueBytes": n, "recordedAt": at.isoformat()}
                for g, t, p, o, r, v, n, at in rows]
