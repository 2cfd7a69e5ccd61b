"""SQL of intake (schema `intake`): the recorded submissions (an outbox), batch files,
OAuth access tokens and idempotency keys."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from schemas.events import DeclarationSubmitted, Origin
from services.common.db import ensure_schema
from services.intake.domain import FIRST_SEQUENCE, Rejected

DDL = f"""
CREATE SCHEMA IF NOT EXISTS intake;
CREATE SEQUENCE IF NOT EXISTS intake.declaration_seq START {FIRST_SEQUENCE};
CREATE TABLE IF NOT EXISTS intake.submissions (
  declaration_id bigint PRIMARY KEY, employer_key text NOT NULL,
  received_at timestamptz NOT NULL, channel text NOT NULL, declarant text,
  batch_ref text, line integer, event text NOT NULL);
-- The submissions still to publish or to see decided. Narrow rows: marking one does not
-- write its submission again (docs/performance.md).
CREATE TABLE IF NOT EXISTS intake.outbox (
  declaration_id bigint PRIMARY KEY, published_at timestamptz,
  publish_count integer NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON intake.outbox (declaration_id)
  WHERE published_at IS NULL;
DO $$ BEGIN  -- a database from before the outbox: its submissions kept their own state
  IF EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'intake'
             AND table_name = 'submissions' AND column_name = 'settled') THEN
    INSERT INTO intake.outbox SELECT declaration_id, published_at, publish_count
      FROM intake.submissions WHERE NOT settled ON CONFLICT DO NOTHING;
    ALTER TABLE intake.submissions DROP COLUMN published_at, DROP COLUMN publish_count,
      DROP COLUMN settled;
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS submissions_batch ON intake.submissions (batch_ref, line);
CREATE TABLE IF NOT EXISTS intake.batches (
  batch_ref text PRIMARY KEY, declarant text NOT NULL, file_name text NOT NULL,
  sha256 text NOT NULL, received_at timestamptz NOT NULL, acknowledgement jsonb NOT NULL,
  UNIQUE (declarant, file_name, sha256));
ALTER TABLE intake.batches ADD COLUMN IF NOT EXISTS ack_written_at timestamptz;
ALTER TABLE intake.batches ADD COLUMN IF NOT EXISTS results_written_at timestamptz;
ALTER TABLE intake.batches ADD COLUMN IF NOT EXISTS results_upto bigint NOT NULL DEFAULT 0;
ALTER TABLE intake.batches ADD COLUMN IF NOT EXISTS results_waiting integer NOT NULL DEFAULT 0;
ALTER TABLE intake.batches ADD COLUMN IF NOT EXISTS results_files integer NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS intake.rejected_lines (
  batch_ref text NOT NULL, line integer NOT NULL, reason text NOT NULL,
  PRIMARY KEY (batch_ref, line));
-- The official batch files (docs/interface.md §10), accepted or refused: a set's name is
-- used once per sender (ACRF 133); `ticket` is the ACRF's reference, and the batch_ref of
-- an accepted file's forms. noti_upto: the notifier's last return entry written in a NOTI.
CREATE TABLE IF NOT EXISTS intake.xml_files (
  ticket text PRIMARY KEY, sender_id text NOT NULL, set_name text NOT NULL,
  file_name text NOT NULL, environment text NOT NULL, purpose text NOT NULL,
  declarant text, via text NOT NULL, sha256 text NOT NULL, received_at timestamptz NOT NULL,
  errors jsonb NOT NULL, forms integer NOT NULL, acrf_name text NOT NULL,
  noti_upto bigint NOT NULL DEFAULT 0, noti_files integer NOT NULL DEFAULT 0,
  answered_at timestamptz);
CREATE UNIQUE INDEX IF NOT EXISTS xml_files_set ON intake.xml_files (sender_id, set_name)
  WHERE NOT errors @> '["133"]';
CREATE INDEX IF NOT EXISTS xml_files_open ON intake.xml_files (received_at)
  WHERE answered_at IS NULL AND errors = '[]';
-- The sequence numbers of the files returned to a sender, per day and environment.
CREATE TABLE IF NOT EXISTS intake.return_sequences (
  sender_id text NOT NULL, day date NOT NULL, environment text NOT NULL,
  last integer NOT NULL, PRIMARY KEY (sender_id, day, environment));
-- The web pages' sessions (docs/interface.md §11), by the SHA-256 of their cookie, and the
-- failed sign-ins of each client id (a lock-out after repeated failures).
CREATE TABLE IF NOT EXISTS intake.web_sessions (
  session_sha256 text PRIMARY KEY, kind text NOT NULL, name text NOT NULL,
  employer text, csrf text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS intake.sign_in_failures (
  client_id text PRIMARY KEY, failures integer NOT NULL, locked_until timestamptz);
CREATE TABLE IF NOT EXISTS intake.access_tokens (
  token_sha256 text PRIMARY KEY, declarant text NOT NULL, expires_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS intake.idempotency_keys (
  principal text NOT NULL, key text NOT NULL, request_sha256 text NOT NULL,
  declaration_ids bigint[] NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, key));
"""

COPY_SUBMISSIONS = """COPY intake.submissions
 (declaration_id, employer_key, received_at, channel, declarant, batch_ref, line, event)
 FROM STDIN"""
COPY_OUTBOX = "COPY intake.outbox (declaration_id) FROM STDIN"
COPY_REJECTED = "COPY intake.rejected_lines (batch_ref, line, reason) FROM STDIN"


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


@dataclass(frozen=True)
class XmlFile:
    """An official batch file as received: accepted (no errors) or refused."""

    ticket: str
    sender_id: str
    set_name: str
    """The GO name: what a sender may use once."""
    file_name: str
    """The FI name (of its first part), or the GO name when there is no FI."""
    environment: str
    purpose: str
    declarant: str | None
    via: str
    sha256: str
    received_at: datetime
    errors: list[str]
    """The ACRF's error codes; none when accepted."""
    forms: int
    acrf_name: str


XML_FILE_FIELDS = tuple(f.name for f in fields(XmlFile))
XML_FILE_COLUMNS = ", ".join(XML_FILE_FIELDS)


@dataclass(frozen=True)
class OpenXmlFile:
    """An accepted file whose forms do not all have their final NOTIFICATION yet."""

    ticket: str
    sender_id: str
    file_name: str
    environment: str
    purpose: str
    via: str
    forms: int
    noti_upto: int


@dataclass(frozen=True)
class XmlClaim:
    conn: psycopg.Connection
    files: list[OpenXmlFile]

    def notified(self, ticket: str, upto: int, answered: bool) -> None:
        """A NOTI file is written up to the return entry at `upto`; `answered`: every
        form has its final result in the files."""
        self.conn.execute(
            "UPDATE intake.xml_files SET noti_upto = %s, noti_files = noti_files + 1, "
            "answered_at = CASE WHEN %s THEN now() END WHERE ticket = %s",
            (upto, answered, ticket))


@dataclass(frozen=True)
class Idempotency:
    """A POST's Idempotency-Key, scoped to its principal, and the digest of its body."""
    principal: str
    key: str
    request_sha256: str


class Recording:
    """What is recorded in one transaction: submissions, their batch file, rejected lines."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def next_sequences(self, count: int) -> list[int]:
        rows = self.conn.execute("SELECT nextval('intake.declaration_seq') "
                                 "FROM generate_series(1, %s)", (count,)).fetchall()
        return [r[0] for r in rows]

    def period_employers(self, period_ids: Iterable[int]) -> dict[int, str]:
        """The employer of each period (also of INs recorded earlier in this transaction)."""
        ids = list(set(period_ids))
        if not ids:
            return {}
        rows = self.conn.execute("SELECT declaration_id, employer_key FROM intake.submissions "
                                 "WHERE declaration_id = ANY(%s)", (ids,)).fetchall()
        return dict(rows)

    def submissions(self, rows: Sequence[SubmissionRow]) -> None:
        """The submissions, each in the outbox."""
        with self.conn.cursor() as cur:
            with cur.copy(COPY_SUBMISSIONS) as copy:
                for r in rows:
                    copy.write_row((r.declaration_id, r.employer_key, r.received_at,
                                    r.channel, r.declarant, r.batch_ref, r.line, r.event))
            with cur.copy(COPY_OUTBOX) as copy:
                for r in rows:
                    copy.write_row((r.declaration_id,))

    def rejected(self, batch_ref: str, rejected: Sequence[Rejected]) -> None:
        with self.conn.cursor() as cur, cur.copy(COPY_REJECTED) as copy:
            for r in rejected:
                copy.write_row((batch_ref, r.line, r.reason))

    def batch(self, ref: str, declarant: str, file_name: str, sha256: str,
              received_at: datetime) -> None:
        """Claims the file first: a second copy sent at the same time fails here, at once."""
        self.conn.execute("INSERT INTO intake.batches (batch_ref, declarant, file_name, "
                          "sha256, received_at, acknowledgement) VALUES (%s, %s, %s, %s, %s, "
                          "'{}')", (ref, declarant, file_name, sha256, received_at))

    def batch_summary(self, ref: str, summary: dict) -> None:
        self.conn.execute("UPDATE intake.batches SET acknowledgement = %s WHERE batch_ref = %s",
                          (Jsonb(summary), ref))

    def xml_file(self, row: XmlFile) -> bool:
        """Records an official batch file; False when its set's name was used before."""
        return self.conn.execute(
            f"INSERT INTO intake.xml_files ({XML_FILE_COLUMNS}) VALUES "
            f"({', '.join(['%s'] * len(XML_FILE_FIELDS))}) ON CONFLICT DO NOTHING "
            "RETURNING ticket", [Jsonb(v) if f == "errors" else v for f, v in zip(
                XML_FILE_FIELDS, astuple(row), strict=True)]).fetchone() is not None

    def idempotency(self, idem: Idempotency, declaration_ids: Sequence[int]) -> None:
        self.conn.execute("INSERT INTO intake.idempotency_keys (principal, key, request_sha256, "
                          "declaration_ids) VALUES (%s, %s, %s, %s)",
                          (idem.principal, idem.key, idem.request_sha256, list(declaration_ids)))


@dataclass(frozen=True)
class OpenBatch:
    batch_ref: str
    declarant: str
    summary: dict
    ack_written: bool
    results_files: int  # the results file, then one more for each group of final results
    results_upto: int  # the notifier's last return-file entry written out


@dataclass(frozen=True)
class BatchClaim:
    conn: psycopg.Connection
    batches: list[OpenBatch]

    def ack_written(self, batch_ref: str) -> None:
        self.conn.execute("UPDATE intake.batches SET ack_written_at = now() "
                          "WHERE batch_ref = %s", (batch_ref,))

    def results_written(self, batch_ref: str, upto: int, waiting: int) -> None:
        """A results file is written, up to the entry at `upto`; `waiting` lines still
        wait for their final result (a follow-up file will carry it)."""
        self.conn.execute(
            "UPDATE intake.batches SET results_written_at = now(), results_upto = %s, "
            "results_waiting = %s, results_files = results_files + 1 WHERE batch_ref = %s",
            (upto, waiting, batch_ref))


class IntakeStore:
    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    @contextlib.contextmanager
    def recording(self) -> Iterator[Recording]:
        with self.pool.connection() as conn, conn.transaction():
            yield Recording(conn)

    def find_batch(self, declarant: str, file_name: str, sha256: str) -> dict | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT acknowledgement FROM intake.batches WHERE declarant = %s "
                               "AND file_name = %s AND sha256 = %s",
                               (declarant, file_name, sha256)).fetchone()
        return row[0] if row else None

    def batch_lines(self) -> dict[str, int]:
        """The lines of every batch file received, accepted and rejected (one row a file)."""
        with self.pool.connection() as conn:
            accepted, rejected = conn.execute(
                "SELECT coalesce(sum((acknowledgement->>'accepted')::bigint), 0), "
                "coalesce(sum((acknowledgement->>'rejectedLines')::bigint), 0) "
                "FROM intake.batches").fetchone()
        return {"accepted": accepted, "rejected": rejected}

    def batch(self, batch_ref: str) -> dict | None:
        """The summary of a batch file (its acknowledgement without the per-line lists)."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT acknowledgement FROM intake.batches "
                               "WHERE batch_ref = %s", (batch_ref,)).fetchone()
        return row[0] if row else None

    def period_employers(self, period_ids: Iterable[int]) -> dict[int, str]:
        with self.pool.connection() as conn:
            return Recording(conn).period_employers(period_ids)

    def declared_lines(self, batch_ref: str) -> Iterator[tuple[int, int]]:
        """(line, declaration number) of a batch, in line order, streamed."""
        return self._stream("SELECT line, declaration_id FROM intake.submissions "
                            "WHERE batch_ref = %s ORDER BY line", (batch_ref,))

    def rejected_lines(self, batch_ref: str, after_line: int = 0) -> Iterator[Rejected]:
        """The rejected lines of a batch, in line order, streamed."""
        rows = self._stream("SELECT line, reason FROM intake.rejected_lines WHERE "
                            "batch_ref = %s AND line > %s ORDER BY line", (batch_ref, after_line))
        return (Rejected(*r) for r in rows)

    def _stream(self, query: str, params: tuple) -> Iterator[tuple]:
        """Rows from a server-side cursor: a million of them never sit in memory at once."""
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(name="stream") as cur:
                cur.itersize = 5000
                cur.execute(query, params)
                yield from cur

    def waiting_batches(self) -> dict[str, int]:
        """The batches whose results file is written but some of whose lines wait for
        their final result: the position of the last return-file entry written out."""
        with self.pool.connection() as conn:
            return dict(conn.execute("SELECT batch_ref, results_upto FROM intake.batches "
                                     "WHERE results_written_at IS NOT NULL AND "
                                     "results_waiting > 0").fetchall())

    @contextlib.contextmanager
    def claim_batches(self, limit: int, fresh: Sequence[str] = ()) -> Iterator[BatchClaim]:
        """Batches whose acknowledgement or results file is still to write, and the
        `fresh` ones (waiting lines with new final results), locked for this process
        (another intake replica skips them) until the block ends."""
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT batch_ref, declarant, acknowledgement, ack_written_at IS NOT NULL, "
                "results_files, results_upto FROM intake.batches "
                "WHERE results_written_at IS NULL OR batch_ref = ANY(%s) "
                "ORDER BY received_at LIMIT %s FOR UPDATE SKIP LOCKED",
                (list(fresh), limit)).fetchall()
            yield BatchClaim(conn, [OpenBatch(*r) for r in rows])

    def xml_file(self, sender_id: str, set_name: str) -> XmlFile | None:
        """The file first received under this set name (refused duplicates aside)."""
        with self.pool.connection() as conn:
            row = conn.execute(
                f"SELECT {XML_FILE_COLUMNS} FROM intake.xml_files WHERE sender_id = %s AND "
                "set_name = %s AND NOT errors @> '[\"133\"]'", (sender_id, set_name)
            ).fetchone()
        return XmlFile(*row) if row else None

    def refused_xml_file(self, row: XmlFile) -> bool:
        """Records a refused file; False when its set's name was used before."""
        with self.recording() as rec:
            return rec.xml_file(row)

    def next_return_sequence(self, sender_id: str, day: date, environment: str) -> int:
        with self.pool.connection() as conn:
            return conn.execute(
                "INSERT INTO intake.return_sequences VALUES (%s, %s, %s, 1) ON CONFLICT "
                "(sender_id, day, environment) DO UPDATE SET last = "
                "intake.return_sequences.last + 1 RETURNING last",
                (sender_id, day, environment)).fetchone()[0]

    @contextlib.contextmanager
    def claim_xml_files(self, limit: int) -> Iterator[XmlClaim]:
        """Accepted files still waiting for NOTIFICATIONs, locked for this process (another
        intake replica skips them) until the block ends."""
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT ticket, sender_id, file_name, environment, purpose, via, forms, "
                "noti_upto FROM intake.xml_files WHERE answered_at IS NULL AND "
                "errors = '[]' ORDER BY received_at LIMIT %s FOR UPDATE SKIP LOCKED",
                (limit,)).fetchall()
            yield XmlClaim(conn, [OpenXmlFile(*r) for r in rows])

    def idempotent_answer(self, principal: str, key: str) -> tuple[str, list[int]] | None:
        """(request digest, declaration numbers) of the first POST with this key."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT request_sha256, declaration_ids FROM "
                               "intake.idempotency_keys WHERE principal = %s AND key = %s",
                               (principal, key)).fetchone()
        return (row[0], row[1]) if row else None

    def issue_token(self, token_sha256: str, declarant: str, expires_at: datetime) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM intake.access_tokens WHERE expires_at < now()")
            conn.execute("INSERT INTO intake.access_tokens VALUES (%s, %s, %s)",
                         (token_sha256, declarant, expires_at))

    def token_declarant(self, token_sha256: str) -> str | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT declarant FROM intake.access_tokens WHERE "
                               "token_sha256 = %s AND expires_at > now()",
                               (token_sha256,)).fetchone()
        return row[0] if row else None

    def open_web_session(self, session_sha256: str, kind: str, name: str, csrf: str,
                         expires_at: datetime) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM intake.web_sessions WHERE expires_at < now()")
            conn.execute("INSERT INTO intake.web_sessions (session_sha256, kind, name, csrf, "
                         "expires_at) VALUES (%s, %s, %s, %s, %s)",
                         (session_sha256, kind, name, csrf, expires_at))

    def web_session(self, session_sha256: str, expires_at: datetime
                    ) -> tuple[str, str, str | None, str] | None:
        """(kind, name, employer chosen, CSRF token) of a live session, which then lasts
        until `expires_at` (idle expiry)."""
        with self.pool.connection() as conn:
            return conn.execute(
                "UPDATE intake.web_sessions SET expires_at = %s WHERE session_sha256 = %s "
                "AND expires_at > now() RETURNING kind, name, employer, csrf",
                (expires_at, session_sha256)).fetchone()

    def choose_web_employer(self, session_sha256: str, employer: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE intake.web_sessions SET employer = %s "
                         "WHERE session_sha256 = %s", (employer, session_sha256))

    def close_web_session(self, session_sha256: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM intake.web_sessions WHERE session_sha256 = %s",
                         (session_sha256,))

    def sign_in_locked(self, client_id: str) -> bool:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT locked_until > now() FROM intake.sign_in_failures "
                               "WHERE client_id = %s", (client_id,)).fetchone()
        return bool(row and row[0])

    def sign_in_failed(self, client_id: str, limit: int, lock_s: float) -> None:
        """One more failure; the `limit`-th locks the client id for `lock_s` seconds."""
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute("SELECT failures, locked_until < now() FROM "
                               "intake.sign_in_failures WHERE client_id = %s FOR UPDATE",
                               (client_id,)).fetchone()
            failures = 1 if row is None or row[1] else row[0] + 1  # a lock over: anew
            conn.execute(
                "INSERT INTO intake.sign_in_failures VALUES (%s, %s, CASE WHEN %s THEN now() "
                "+ make_interval(secs => %s) END) ON CONFLICT (client_id) DO UPDATE SET "
                "failures = EXCLUDED.failures, locked_until = EXCLUDED.locked_until",
                (client_id, failures, failures >= limit, lock_s))

    def sign_in_succeeded(self, client_id: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM intake.sign_in_failures WHERE client_id = %s",
                         (client_id,))

    def unpublished(self, limit: int) -> list[tuple[int, str, str]]:
        """(declaration id, employer key, event JSON) of submissions still to publish. The
        page is chosen among the narrow outbox rows, then joined: sorting the wide rows of
        every unpublished submission spilled to disk (10,000 rows, 15 MB, 48 ms a page)."""
        with self.pool.connection() as conn:
            return conn.execute(
                "SELECT declaration_id, employer_key, event FROM (SELECT declaration_id "
                "FROM intake.outbox WHERE published_at IS NULL ORDER BY declaration_id "
                "LIMIT %s) page JOIN intake.submissions USING (declaration_id) "
                "ORDER BY declaration_id", (limit,)).fetchall()

    def mark_published(self, declaration_ids: Sequence[int]) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE intake.outbox SET published_at = now(), "
                         "publish_count = publish_count + 1 WHERE declaration_id = ANY(%s)",
                         (list(declaration_ids),))

    def unsettled(self, republish_after_s: float, limit: int) -> list[int]:
        """Published submissions not yet known to be decided, whose wait is over (it doubles
        with every publication: a slow validator is not flooded with copies)."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT declaration_id FROM intake.outbox "
                "WHERE published_at IS NOT NULL AND published_at < now() - make_interval("
                "secs => %s * power(2, least(publish_count - 1, 5))) LIMIT %s",
                (republish_after_s, limit)).fetchall()
        return [r[0] for r in rows]

    def settle(self, declaration_ids: Sequence[int]) -> None:
        with self.pool.connection() as conn:
            conn.execute("DELETE FROM intake.outbox WHERE declaration_id = ANY(%s)",
                         (list(declaration_ids),))

    def unpublish(self, declaration_ids: Sequence[int]) -> None:
        with self.pool.connection() as conn:
            conn.execute("UPDATE intake.outbox SET published_at = NULL "
                         "WHERE declaration_id = ANY(%s)", (list(declaration_ids),))

    def submitted_by(self, declaration_ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
        """(declarant, employer key) of each of these declarations that intake recorded."""
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT declaration_id, declarant, employer_key FROM "
                                "intake.submissions WHERE declaration_id = ANY(%s)",
                                (list(declaration_ids),)).fetchall()
        return {i: (d, k) for i, d, k in rows}

    def submission_origin(self, declaration_id: int, channel: str) -> Origin | None:
        """How a declaration of this channel came in (None: none such recorded)."""
        with self.pool.connection() as conn:
            row = conn.execute("SELECT event FROM intake.submissions WHERE declaration_id = %s "
                               "AND channel = %s", (declaration_id, channel)).fetchone()
        return DeclarationSubmitted.model_validate_json(row[0]).origin if row else None

    def pending(self, employer_keys: Sequence[str], kind: str,
                received_by: datetime | None = None) -> list[DeclarationSubmitted]:
        """The submissions of these employers, of one kind (the Declaration's member, e.g.
        `flexi_wage`), still in the outbox: recorded, not yet seen decided; by number. Only
        the outbox's narrow rows are scanned, then joined; the kind is read from the event
        (docs/interface.md §9: a Flexi at work transfer is "pending" until decided).
        `received_by` a past moment: every one received by then, decided since or not (the
        caller knows which were decided at that moment)."""
        if received_by is None:
            source, received, moment = ("intake.outbox o JOIN intake.submissions s "
                                        "USING (declaration_id)"), "", ()
        else:
            source, received, moment = ("intake.submissions s", "AND s.received_at <= %s ",
                                        (received_by,))
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"SELECT s.event FROM {source} WHERE s.employer_key = ANY(%s) AND "
                "jsonb_typeof(s.event::jsonb #> ARRAY['declaration', %s]) = 'object' "
                f"{received}ORDER BY s.declaration_id",
                (list(employer_keys), kind, *moment)).fetchall()
        return [DeclarationSubmitted.model_validate_json(r[0]) for r in rows]
