"""SQL of the directory (schema `directory`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, date, datetime
from functools import partial

import psycopg
from psycopg_pool import ConnectionPool
from pydantic.alias_generators import to_snake

from services.common.db import ensure_schema
from services.directory.domain import (
    Declarant,
    Directory,
    DirectoryDocument,
    DirectoryEmployer,
    FlexiEligibility,
    FlexiRetirement,
    Identity,
    Mandate,
    SystemChoice,
    token_digest,
)

DDL = """
CREATE SCHEMA IF NOT EXISTS directory;
CREATE TABLE IF NOT EXISTS directory.employers (
  employer_key text PRIMARY KEY, employer_id bigint UNIQUE, enterprise_number text,
  doc jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS directory.declarants (
  enterprise_number text PRIMARY KEY, token_sha256 text NOT NULL UNIQUE, doc jsonb NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS declarants_sender
  ON directory.declarants ((doc->>'senderId'));
CREATE TABLE IF NOT EXISTS directory.mandates (
  declarant text NOT NULL, employer_id bigint NOT NULL, valid_from date NOT NULL,
  valid_to date, PRIMARY KEY (declarant, employer_id, valid_from));
CREATE TABLE IF NOT EXISTS directory.flexi_eligibility (
  ssin text NOT NULL, quarter text NOT NULL, eligible boolean NOT NULL,
  PRIMARY KEY (ssin, quarter));
CREATE TABLE IF NOT EXISTS directory.flexi_retirements (
  ssin text PRIMARY KEY, retired_from date NOT NULL);
CREATE TABLE IF NOT EXISTS directory.identities (
  family_name text NOT NULL, given_name text NOT NULL, birth_date date NOT NULL,
  ssin text NOT NULL, PRIMARY KEY (family_name, given_name, birth_date));
CREATE TABLE IF NOT EXISTS directory.auditors (
  name text PRIMARY KEY, token_sha256 text NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS directory.daily_registration_systems (
  employer_key text NOT NULL,
  system text NOT NULL CHECK (system IN ('dimona', 'dimona+cashRegister')),
  chosen_at timestamptz NOT NULL, chosen_by text NOT NULL,
  PRIMARY KEY (employer_key, chosen_at));
-- Bumped by every change of the directory, in the change's transaction: a reader asks it
-- (one row) before each use of its copy and reads the directory again only when it moved.
CREATE TABLE IF NOT EXISTS directory.version (
  one boolean PRIMARY KEY DEFAULT true CHECK (one), version bigint NOT NULL);
INSERT INTO directory.version VALUES (true, 0) ON CONFLICT DO NOTHING;
CREATE OR REPLACE FUNCTION directory.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE
  ON directory.daily_registration_systems FOR EACH ROW EXECUTE FUNCTION directory.append_only();
CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE
  ON directory.daily_registration_systems
  FOR EACH STATEMENT EXECUTE FUNCTION directory.append_only();
"""
HISTORY_DDL = """
-- Every entry the rules read (employers, mandates, flexi eligibility, identities, flexi
-- retirements) as each load gave it, with the time of the load; append-only: the directory
-- as it stood at any moment (directory_as_of), for replays and audits. A database made
-- before the history existed starts it with its entries of that moment, dated -infinity.
CREATE TABLE IF NOT EXISTS directory.history (
  position bigserial PRIMARY KEY, changed_at timestamptz NOT NULL DEFAULT now(),
  list text NOT NULL, key text NOT NULL, doc jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS history_entries ON directory.history (list, key, changed_at);
CREATE OR REPLACE TRIGGER append_only BEFORE UPDATE OR DELETE
  ON directory.history FOR EACH ROW EXECUTE FUNCTION directory.append_only();
CREATE OR REPLACE TRIGGER append_only_truncate BEFORE TRUNCATE
  ON directory.history FOR EACH STATEMENT EXECUTE FUNCTION directory.append_only();
INSERT INTO directory.history (changed_at, list, key, doc)
SELECT '-infinity', list, key, doc FROM (
  SELECT 'employers' AS list, employer_key AS key, doc FROM directory.employers
  UNION ALL SELECT 'mandates', concat_ws(':', declarant, employer_id, valid_from),
    jsonb_build_object('declarant', declarant, 'employerId', employer_id,
                       'from', valid_from, 'to', valid_to) FROM directory.mandates
  UNION ALL SELECT 'flexiEligibility', concat_ws(':', ssin, quarter),
    jsonb_build_object('ssin', ssin, 'quarter', quarter, 'eligible', eligible)
    FROM directory.flexi_eligibility
  UNION ALL SELECT 'identities', concat_ws(':', family_name, given_name, birth_date),
    jsonb_build_object('familyName', family_name, 'givenName', given_name,
                       'birthDate', birth_date, 'ssin', ssin) FROM directory.identities
  UNION ALL SELECT 'flexiRetirements', ssin,
    jsonb_build_object('ssin', ssin, 'retiredFrom', retired_from)
    FROM directory.flexi_retirements) AS present
WHERE NOT EXISTS (SELECT FROM directory.history);
"""
HISTORY_KEYS: dict[str, Callable] = {
    "employers": lambda e: e.key,
    "mandates": lambda m: f"{m.declarant}:{m.employer_id}:{m.from_.isoformat()}",
    "flexiEligibility": lambda f: f"{f.ssin}:{f.quarter}",
    "identities": lambda i: f"{i.family_name}:{i.given_name}:{i.birth_date.isoformat()}",
    "flexiRetirements": lambda r: r.ssin}
"""The lists the history keeps, each with the key of an entry (that of its table)."""
CHOICES = ("SELECT employer_key, system, chosen_at, chosen_by "
           "FROM directory.daily_registration_systems")


def bump_version(conn: psycopg.Connection) -> None:
    """The directory changed (in the caller's transaction)."""
    conn.execute("UPDATE directory.version SET version = version + 1")


class VersionReader:
    """The directory's version, asked on one kept connection (reopened when lost)."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.conn: psycopg.Connection | None = None

    def __call__(self) -> int:
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(self.database_url, autocommit=True)
            return self.conn.execute("SELECT version FROM directory.version").fetchone()[0]
        except psycopg.OperationalError:
            self.conn = None
            raise


def migrate(database_url: str) -> None:
    ensure_schema(database_url, DDL + HISTORY_DDL)


def load(database_url: str, doc: DirectoryDocument) -> dict[str, int]:
    """Insert or update every entry of the document (idempotent). Returns counts."""
    with psycopg.connect(database_url) as conn, conn.transaction():
        bump_version(conn)
        for e in doc.employers:
            conn.execute(
                "INSERT INTO directory.employers VALUES (%s, %s, %s, %s) ON CONFLICT "
                "(employer_key) DO UPDATE SET employer_id = EXCLUDED.employer_id, "
                "enterprise_number = EXCLUDED.enterprise_number, doc = EXCLUDED.doc",
                (e.key, e.employer_id, e.enterprise_number, _doc(e)))
        for d in doc.declarants:
            conn.execute(
                "INSERT INTO directory.declarants VALUES (%s, %s, %s) ON CONFLICT "
                "(enterprise_number) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, "
                "doc = EXCLUDED.doc",
                (d.enterprise_number, token_digest(d.token), _doc(d, exclude={"token"})))
        for m in doc.mandates:
            conn.execute(
                "INSERT INTO directory.mandates VALUES (%s, %s, %s, %s) ON CONFLICT "
                "(declarant, employer_id, valid_from) DO UPDATE SET valid_to = EXCLUDED.valid_to",
                (m.declarant, m.employer_id, m.from_, m.to))
        for f in doc.flexi_eligibility:
            conn.execute(
                "INSERT INTO directory.flexi_eligibility VALUES (%s, %s, %s) ON CONFLICT "
                "(ssin, quarter) DO UPDATE SET eligible = EXCLUDED.eligible",
                (f.ssin, f.quarter, f.eligible))
        for r in doc.flexi_retirements:
            conn.execute(
                "INSERT INTO directory.flexi_retirements VALUES (%s, %s) ON CONFLICT (ssin) "
                "DO UPDATE SET retired_from = EXCLUDED.retired_from", (r.ssin, r.retired_from))
        for i in doc.identities:
            conn.execute(
                "INSERT INTO directory.identities VALUES (%s, %s, %s, %s) ON CONFLICT "
                "(family_name, given_name, birth_date) DO UPDATE SET ssin = EXCLUDED.ssin",
                (i.family_name, i.given_name, i.birth_date, i.ssin))
        for a in doc.auditors:
            conn.execute(
                "INSERT INTO directory.auditors VALUES (%s, %s) ON CONFLICT (name) "
                "DO UPDATE SET token_sha256 = EXCLUDED.token_sha256",
                (a.name, token_digest(a.token)))
        record_history(conn, doc)
    return {"employers": len(doc.employers), "declarants": len(doc.declarants),
            "mandates": len(doc.mandates), "flexiEligibility": len(doc.flexi_eligibility),
            "identities": len(doc.identities), "auditors": len(doc.auditors),
            **({"flexiRetirements": len(doc.flexi_retirements)} if doc.flexi_retirements
               else {})}


def record_history(conn: psycopg.Connection, doc: DirectoryDocument) -> None:
    """Each entry the rules read, as this load gives it, dated by the load's transaction."""
    rows = [(name, key(entry), _doc(entry)) for name, key in HISTORY_KEYS.items()
            for entry in getattr(doc, to_snake(name))]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO directory.history (list, key, doc) VALUES (%s, %s, %s)",
                        rows)


def directory_as_of(database_url: str, moment: datetime) -> Directory:
    """The directory the rules read, as it stood at `moment`: each entry as the last load
    made at or before it gave it; the daily registration's choices are dated facts of
    their own."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT ON (list, key) list, doc FROM directory.history "
            "WHERE changed_at <= %s ORDER BY list, key, changed_at DESC, position DESC",
            (moment,)).fetchall()
        read_at, choices = _choices(conn)
    entries: dict[str, list[dict]] = {name: [] for name in HISTORY_KEYS}
    for name, doc in rows:
        entries[name].append(doc)
    document = DirectoryDocument.model_validate(entries)
    return Directory(document.employers, document.mandates, document.flexi_eligibility,
                     document.identities, [c for c in choices if c.chosen_at <= moment],
                     read_at)


EMPLOYERS_AS_OF = """
WITH asked AS (
  SELECT * FROM unnest(%s::text[], %s::timestamptz[]) WITH ORDINALITY AS a(key, moment, i)),
found AS (
  SELECT a.i, a.moment, (a.moment AT TIME ZONE 'Europe/Brussels')::date AS day, e.doc
  FROM asked a CROSS JOIN LATERAL (
    SELECT h.doc FROM directory.history h
    WHERE h.list = 'employers' AND h.changed_at <= a.moment AND h.key IN (
      SELECT a.key UNION SELECT d.employer_key FROM directory.employers d
      WHERE length(a.key) = 10 AND lpad(d.enterprise_number, 10, '0') = a.key)
    ORDER BY h.changed_at DESC, h.position DESC LIMIT 1) e),
mandates AS (
  SELECT h.key, h.changed_at, h.position, h.doc FROM directory.history h
  WHERE h.list = 'mandates' AND h.doc->>'employerId' IN (SELECT doc->>'employerId' FROM found))
SELECT f.i, f.doc || jsonb_build_object('mandates', (
  SELECT coalesce(jsonb_agg(m.doc ORDER BY m.key), '[]') FROM (
    SELECT DISTINCT ON (key) key, doc FROM mandates
    WHERE doc->>'employerId' = f.doc->>'employerId' AND changed_at <= f.moment
    ORDER BY key, changed_at DESC, position DESC) m
  WHERE (m.doc->>'from')::date <= f.day
    AND (m.doc->>'to' IS NULL OR (m.doc->>'to')::date >= f.day)))
FROM found f
"""


def employers_as_of(pool: ConnectionPool, asked: Sequence[tuple[str, datetime]]
                    ) -> list[dict | None]:
    """For each (employer key, moment): the employer's entry as the last load made at or
    before that moment gave it (as loaded, JSON), with `mandates`, those for it valid on
    that day in Brussels as the directory then stood; None when the directory did not know
    it. Found as the rules find it: by NSSO number, or by enterprise number (its key when it
    has no NSSO number). One query for all: an auditor's page of declarations."""
    if not asked:
        return []
    keys, moments = zip(*asked, strict=True)
    with pool.connection() as conn:
        found: dict[int, dict] = dict(conn.execute(
            EMPLOYERS_AS_OF, (list(keys), list(moments))).fetchall())
    return [found.get(i) for i in range(1, len(asked) + 1)]


def history(database_url: str) -> tuple[list[tuple[datetime | None, str, str, dict]],
                                         list[dict]]:
    """Every entry of the directory's history, oldest first, as (changed_at: None for the
    entries a database had when its history began, list, key, the entry as loaded); and
    the daily registration's system choices as JSON (dated facts of their own)."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT CASE WHEN isfinite(changed_at) THEN changed_at END, list, key, doc "
            "FROM directory.history ORDER BY changed_at, position").fetchall()
        _, choices = _choices(conn)
    return rows, [c.model_dump(mode="json", by_alias=True) for c in choices]


def _doc(entry, exclude: set[str] | None = None) -> str:
    return json.dumps(entry.model_dump(mode="json", by_alias=True, exclude=exclude))


def is_empty(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM directory.employers").fetchone()[0] == 0


def _employers(conn: psycopg.Connection) -> list[DirectoryEmployer]:
    rows = conn.execute("SELECT doc FROM directory.employers").fetchall()
    return [DirectoryEmployer.model_validate(r[0]) for r in rows]


def _declarants(conn: psycopg.Connection) -> list[dict]:
    return [r[0] for r in conn.execute(
        "SELECT doc FROM directory.declarants ORDER BY enterprise_number").fetchall()]


def _choices(conn: psycopg.Connection, employer_keys: Collection[str] | None = None
             ) -> tuple[datetime, list[SystemChoice]]:
    """The daily registration's system choices (of some employers), and the time the read
    began: every choice committed before that time is in what is returned."""
    read_at = datetime.now(UTC)
    rows = conn.execute(CHOICES, ()) if employer_keys is None else conn.execute(
        CHOICES + " WHERE employer_key = ANY(%s)", (list(employer_keys),))
    return read_at, [SystemChoice(employer_key=r[0], system=r[1], chosen_at=r[2],
                                  chosen_by=r[3]) for r in rows.fetchall()]


def daily_registration_systems(database_url: str, employer_keys: Collection[str]
                               ) -> tuple[datetime, list[SystemChoice]]:
    """The choices of these employers only, read now (Directory.freshen_choices)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        return _choices(conn, employer_keys)


def current_system_choice(pool: ConnectionPool, employer_key: str) -> SystemChoice | None:
    """The daily-registration system an employer chose last (None: never chosen)."""
    with pool.connection() as conn:
        row = conn.execute(CHOICES + " WHERE employer_key = %s ORDER BY chosen_at DESC LIMIT 1",
                           (employer_key,)).fetchone()
    return SystemChoice(employer_key=row[0], system=row[1], chosen_at=row[2],
                        chosen_by=row[3]) if row else None


def record_system_choice(pool: ConnectionPool, employer_key: str, system: str,
                         chosen_by: str, chosen_at: datetime) -> SystemChoice:
    """Record an employer's choice (append-only: a later choice replaces it from its
    time on). Committed before it returns: a declaration received after the answer sees
    it. Two choices of one employer at the same instant: the second is refused
    (UniqueViolation)."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("INSERT INTO directory.daily_registration_systems VALUES (%s, %s, %s, %s)",
                     (employer_key, system, chosen_at, chosen_by))
        bump_version(conn)
    return SystemChoice(employer_key=employer_key, system=system, chosen_at=chosen_at,
                        chosen_by=chosen_by)


def directory(database_url: str) -> Directory:
    """Everything the validator asks of the directory, read in one connection; the
    daily registration's system choices read first, in their own statement, after the
    time of the read is taken (Directory.may_miss_choice)."""
    with psycopg.connect(database_url) as conn:
        read_at, choices = _choices(conn)
        employers = _employers(conn)
        mandates = [Mandate(declarant=r[0], employer_id=r[1], **{"from": r[2]}, to=r[3])
                    for r in conn.execute("SELECT * FROM directory.mandates").fetchall()]
        flexi = [FlexiEligibility(ssin=r[0], quarter=r[1], eligible=r[2]) for r in
                 conn.execute("SELECT * FROM directory.flexi_eligibility").fetchall()]
        identities = [Identity(family_name=r[0], given_name=r[1], birth_date=r[2], ssin=r[3])
                      for r in conn.execute("SELECT * FROM directory.identities").fetchall()]
    return Directory(employers, mandates, flexi, identities, choices, read_at,
                     partial(daily_registration_systems, database_url))


def declarants(database_url: str) -> list[dict]:
    """Declarants without their token digests, in enterprise-number order."""
    with psycopg.connect(database_url) as conn:
        return _declarants(conn)


def parties(database_url: str) -> tuple[list[DirectoryEmployer], list[dict]]:
    """Employers and declarants (what the notifier needs), read in one connection."""
    with psycopg.connect(database_url) as conn:
        return _employers(conn), _declarants(conn)


def principal_by_token(pool: ConnectionPool, token: str) -> tuple[str, str] | None:
    """("declarant", enterprise number) or ("auditor", name) of a directory token. Asked on
    every authenticated request: uses the caller's pool, not a new connection."""
    digest = token_digest(token)
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT 'declarant', enterprise_number FROM directory.declarants "
            "WHERE token_sha256 = %s UNION ALL SELECT 'auditor', name FROM directory.auditors "
            "WHERE token_sha256 = %s LIMIT 1", (digest, digest)).fetchone()
    return (row[0], row[1]) if row else None


def employer_and_mandates(pool: ConnectionPool, employer_key: str, declarant: str
                          ) -> tuple[DirectoryEmployer | None, list[Mandate]]:
    """An employer by its register key (NSSO number, or enterprise number), and the
    declarant's mandates for it: what `Directory.may_declare` needs, in one round trip."""
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT e.doc, m.valid_from, m.valid_to FROM directory.employers e "
            "LEFT JOIN directory.mandates m ON m.employer_id = e.employer_id "
            "AND lpad(m.declarant, 10, '0') = %s WHERE e.employer_key = %s "
            "OR lpad(e.enterprise_number, 10, '0') = %s LIMIT 100",
            (declarant.zfill(10), employer_key, employer_key.zfill(10))).fetchall()
    if not rows:
        return None, []
    employer = DirectoryEmployer.model_validate(rows[0][0])
    mandates = [Mandate(declarant=declarant, employer_id=employer.employer_id,
                        **{"from": r[1]}, to=r[2]) for r in rows if r[1] is not None]
    return employer, mandates


def employer_enterprise_numbers(pool: ConnectionPool, employer_keys: Iterable[str]
                                ) -> dict[str, str]:
    """The enterprise number of each employer key the directory knows."""
    keys = list(set(employer_keys))
    with pool.connection() as conn:
        rows = conn.execute("SELECT employer_key, enterprise_number FROM directory.employers "
                            "WHERE employer_key = ANY(%s) AND enterprise_number IS NOT NULL",
                            (keys,)).fetchall()
    found = {k: str(n).zfill(10) for k, n in rows}
    return {**{k: k for k in keys if len(k) == 10 and k not in found}, **found}


def sender(pool: ConnectionPool, sender_id: str) -> Declarant | None:
    """The declarant that sends official batch files under this sender number (without
    its token), or None (docs/interface.md §10)."""
    with pool.connection() as conn:
        row = conn.execute("SELECT doc FROM directory.declarants WHERE doc->>'senderId' = %s",
                           (sender_id,)).fetchone()
    return Declarant.model_validate({**row[0], "token": ""}) if row else None


def employers_of(pool: ConnectionPool, declarant: str, day: date) -> list[DirectoryEmployer]:
    """The employers a declarant may declare for on `day`: itself, and those whose mandate
    it holds then; by name."""
    number = declarant.zfill(10)
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT doc FROM directory.employers e WHERE lpad(e.enterprise_number, 10, '0') "
            "= %s OR e.employer_id IN (SELECT employer_id FROM directory.mandates WHERE "
            "lpad(declarant, 10, '0') = %s AND valid_from <= %s AND (valid_to IS NULL OR "
            "valid_to >= %s)) ORDER BY doc->>'name'", (number, number, day, day)).fetchall()
    return [DirectoryEmployer.model_validate(r[0]) for r in rows]


def declarant_numbers(database_url: str) -> set[str]:
    with psycopg.connect(database_url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT enterprise_number FROM directory.declarants").fetchall()}


def employer_by_number(pool: ConnectionPool, number: str) -> DirectoryEmployer | None:
    """An employer by its NSSO number or its enterprise number."""
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT doc FROM directory.employers WHERE employer_key = %s OR "
            "employer_id::text = %s OR lpad(enterprise_number, 10, '0') = %s LIMIT 1",
            (number, number, number.zfill(10))).fetchone()
    return DirectoryEmployer.model_validate(row[0]) if row else None


def identity_names(conn: psycopg.Connection, ssins: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The family and given name of each SSIN the identities know."""
    rows = conn.execute("SELECT ssin, family_name, given_name FROM directory.identities "
                        "WHERE ssin = ANY(%s)", (list(set(ssins)),)).fetchall()
    return {ssin: (family, given) for ssin, family, given in rows}


def flexi_retirement(pool: ConnectionPool, ssin: str, at: datetime | None = None
                     ) -> FlexiRetirement | None:
    """Since when a flexi-jobber receives a legal pension (None: not retired, as far as the
    directory knows; `at` a past moment: as the directory knew then)."""
    with pool.connection() as conn:
        if at is None:
            row = conn.execute("SELECT ssin, retired_from FROM directory.flexi_retirements "
                               "WHERE ssin = %s", (ssin,)).fetchone()
        else:
            row = conn.execute(
                "SELECT doc->>'ssin', (doc->>'retiredFrom')::date FROM directory.history "
                "WHERE list = 'flexiRetirements' AND key = %s AND changed_at <= %s "
                "ORDER BY changed_at DESC, position DESC LIMIT 1", (ssin, at)).fetchone()
    return FlexiRetirement(ssin=row[0], retired_from=row[1]) if row else None
