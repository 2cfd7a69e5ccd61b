"""The register's writer (schema `register`): its tables, and the SQL that copies a batch of
rows (services.projections.projection) into them, one merge per table; into another schema
when the register is rebuilt beside the live one (services.projections.rebuild). What is
applied, and when, is services.projections.application's to decide: this only executes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from services.common import tracking
from services.common.db import ensure_schema
from services.projections.projection import Rows

EVENT_STORE = "eventstore"  # the catch-up source of the decisions: the validator's event store
SCHEMA = "register"
DDL_TEMPLATE = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.declarations (
  declaration_id bigint PRIMARY KEY, declaration_type text NOT NULL, result text NOT NULL,
  period_id bigint, anomalies jsonb NOT NULL, employer_key text NOT NULL, ssin text,
  declarant text, channel text NOT NULL, received_at timestamptz NOT NULL, batch_ref text,
  line integer, declaration jsonb NOT NULL, about_period_id bigint);
ALTER TABLE {schema}.declarations ADD COLUMN IF NOT EXISTS about_period_id bigint;
ALTER TABLE {schema}.declarations ADD COLUMN IF NOT EXISTS registration_id bigint;
CREATE INDEX IF NOT EXISTS declarations_batch ON {schema}.declarations (batch_ref, line);
CREATE INDEX IF NOT EXISTS declarations_period ON {schema}.declarations (about_period_id);
CREATE INDEX IF NOT EXISTS declarations_employer
  ON {schema}.declarations (employer_key, received_at);
CREATE INDEX IF NOT EXISTS declarations_ssin ON {schema}.declarations (ssin);
CREATE TABLE IF NOT EXISTS {schema}.periods (
  period_id bigint PRIMARY KEY, employer_key text NOT NULL, ssin text,
  joint_commission_number text NOT NULL, worker_type text NOT NULL,
  start_date date NOT NULL, start_hour text, end_date date, end_hour text,
  planned_hours_number integer, cancelled boolean NOT NULL, version integer NOT NULL,
  last_declaration_at timestamptz NOT NULL, late boolean NOT NULL DEFAULT false,
  using_joint_commission_number text, using_enterprise_number text, sub_entity_number text,
  control_cards jsonb, small_statutes jsonb);
ALTER TABLE {schema}.periods ADD COLUMN IF NOT EXISTS using_enterprise_number text;
ALTER TABLE {schema}.periods ADD COLUMN IF NOT EXISTS sub_entity_number text,
  ADD COLUMN IF NOT EXISTS control_cards jsonb, ADD COLUMN IF NOT EXISTS small_statutes jsonb;
CREATE INDEX IF NOT EXISTS periods_employer ON {schema}.periods (employer_key, start_date);
CREATE INDEX IF NOT EXISTS periods_relation ON {schema}.periods (employer_key, ssin);
CREATE TABLE IF NOT EXISTS {schema}.workers (
  employer_key text NOT NULL, ssin text NOT NULL, family_name text, given_name text,
  birth_date date, gender text, nationality text, relation_start date, relation_end date,
  joint_commissions text[] NOT NULL DEFAULT '{{}}', worker_types text[] NOT NULL DEFAULT '{{}}',
  PRIMARY KEY (employer_key, ssin));
CREATE TABLE IF NOT EXISTS {schema}.quota_usage (
  period_id bigint NOT NULL, kind text NOT NULL, subject text NOT NULL, year integer NOT NULL,
  hours integer, days date[], PRIMARY KEY (period_id, kind));
CREATE INDEX IF NOT EXISTS quota_subject ON {schema}.quota_usage (kind, subject, year);
CREATE TABLE IF NOT EXISTS {schema}.notifications (
  notification_id uuid PRIMARY KEY, declaration_id bigint NOT NULL, period_id bigint,
  sent_at timestamptz NOT NULL, channel text NOT NULL, recipient text NOT NULL,
  period_before jsonb, period_after jsonb, anomaly_codes text[] NOT NULL);
CREATE INDEX IF NOT EXISTS notifications_declaration ON {schema}.notifications (declaration_id);
CREATE INDEX IF NOT EXISTS notifications_period ON {schema}.notifications (period_id);
ALTER TABLE {schema}.notifications ADD COLUMN IF NOT EXISTS registration_id bigint,
  ADD COLUMN IF NOT EXISTS registration_before jsonb,
  ADD COLUMN IF NOT EXISTS registration_after jsonb;
CREATE TABLE IF NOT EXISTS {schema}.registrations (
  registration_id bigint PRIMARY KEY, period_id bigint NOT NULL, employer_key text NOT NULL,
  ssin text, status text NOT NULL, received_at timestamptz, start_date date NOT NULL,
  start_hour text NOT NULL, end_date date NOT NULL, end_hour text, cancelled boolean NOT NULL,
  version integer NOT NULL, last_declaration_id bigint NOT NULL,
  last_declaration_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS registrations_employer
  ON {schema}.registrations (employer_key, start_date);
CREATE INDEX IF NOT EXISTS registrations_period
  ON {schema}.registrations (period_id, start_date);
ALTER TABLE {schema}.declarations ADD COLUMN IF NOT EXISTS situation_key text,
  ADD COLUMN IF NOT EXISTS situation jsonb;
CREATE INDEX IF NOT EXISTS declarations_flexi ON {schema}.declarations
  (employer_key, declaration_id) WHERE declaration_type = 'FLEXI_WAGE';
ALTER TABLE {schema}.notifications ADD COLUMN IF NOT EXISTS situation_before jsonb,
  ADD COLUMN IF NOT EXISTS situation_after jsonb;
CREATE TABLE IF NOT EXISTS {schema}.flexi_situations (
  situation_key text PRIMARY KEY, ticket bigint NOT NULL, debtor_key text NOT NULL,
  ssin text NOT NULL, relation_uuid text NOT NULL, relation_reference text,
  payslip_reference text, year integer NOT NULL, start_date date, end_date date,
  calculation_date date, wages_cents bigint NOT NULL, premiums_cents bigint NOT NULL,
  capacities jsonb NOT NULL, cancelled boolean NOT NULL, version integer NOT NULL,
  received_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS flexi_situations_income
  ON {schema}.flexi_situations (ssin, year);
CREATE INDEX IF NOT EXISTS flexi_situations_debtor
  ON {schema}.flexi_situations (debtor_key, ssin);
""" + tracking.TRACKING_DDL
# The tables of the register and their keys: what `dimona rebuild --verify` compares.
TABLES = {"declarations": ("declaration_id",), "periods": ("period_id",),
          "workers": ("employer_key", "ssin"), "quota_usage": ("period_id", "kind"),
          "notifications": ("notification_id",), "registrations": ("registration_id",),
          "flexi_situations": ("situation_key",)}
DECLARATION_COLUMNS = (
    "declaration_id, declaration_type, result, period_id, anomalies, employer_key, ssin, "
    "declarant, channel, received_at, batch_ref, line, declaration, about_period_id, "
    "registration_id, situation_key, situation")
PERIOD_COLUMNS = (
    "period_id, employer_key, ssin, joint_commission_number, worker_type, start_date, "
    "start_hour, end_date, end_hour, planned_hours_number, cancelled, version, "
    "last_declaration_at, late, using_joint_commission_number, using_enterprise_number, "
    "sub_entity_number, control_cards, small_statutes")
NAME_COLUMNS = "employer_key, ssin, family_name, given_name, birth_date, gender, nationality"
QUOTA_COLUMNS = "period_id, kind, subject, year, hours, days"
NOTIFICATION_COLUMNS = ("notification_id, declaration_id, period_id, sent_at, channel, "
                        "recipient, period_before, period_after, anomaly_codes, "
                        "registration_id, registration_before, registration_after, "
                        "situation_before, situation_after")
REGISTRATION_COLUMNS = (
    "registration_id, period_id, employer_key, ssin, status, received_at, start_date, "
    "start_hour, end_date, end_hour, cancelled, version, last_declaration_id, "
    "last_declaration_at")
SITUATION_COLUMNS = (
    "situation_key, ticket, debtor_key, ssin, relation_uuid, relation_reference, "
    "payslip_reference, year, start_date, end_date, calculation_date, wages_cents, "
    "premiums_cents, capacities, cancelled, version, received_at")
SENT_LOG = "notifications"  # the catch-up source of the notifications: the notifier's log


def ddl(schema: str) -> str:
    return DDL_TEMPLATE.format(schema=schema)


def migrate(database_url: str, schema: str = SCHEMA) -> None:
    ensure_schema(database_url, ddl(schema))


class RegisterWriter:
    """Writes rows into the register; each batch is copied (COPY) into temporary tables and
    merged with one statement per table."""

    def __init__(self, pool: ConnectionPool, schema: str = SCHEMA):
        self.pool = pool
        self.schema = schema

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    def watermark(self, source: str = EVENT_STORE) -> int:
        with self.pool.connection() as conn:
            return tracking.watermark(conn, self.schema, source)

    def set_watermark(self, conn: psycopg.Connection, position: int,
                      source: str = EVENT_STORE) -> None:
        tracking.set_watermark(conn, self.schema, position, source)

    def first_seen(self, conn: psycopg.Connection, event_ids: Sequence[UUID]) -> set[UUID]:
        """Records these events as applied; returns those that were not applied before."""
        return tracking.first_seen(conn, self.schema, event_ids)

    def write_notifications(self, conn: psycopg.Connection, rows: Iterable[tuple]) -> None:
        """Rows of register.notifications; one recorded before changes nothing."""
        with conn.cursor() as cur:
            _stage(cur, self.schema, "notifications", NOTIFICATION_COLUMNS, rows)
            cur.execute(f"INSERT INTO {self.schema}.notifications ({NOTIFICATION_COLUMNS}) "
                        f"SELECT {NOTIFICATION_COLUMNS} FROM staged_notifications "
                        "ON CONFLICT DO NOTHING")

    def write_decisions(self, conn: psycopg.Connection, rows: Rows) -> None:
        """Rows of the declarations, periods, quotas and workers of a batch of decisions."""
        s = self.schema
        with conn.cursor() as cur:
            _stage(cur, s, "declarations", DECLARATION_COLUMNS, rows.declarations)
            cur.execute(MERGE_DECLARATIONS.format(schema=s, columns=DECLARATION_COLUMNS))
            if rows.registrations:
                _stage(cur, s, "registrations", REGISTRATION_COLUMNS, rows.registrations)
                cur.execute(MERGE_REGISTRATIONS.format(schema=s, columns=REGISTRATION_COLUMNS))
            if rows.situations:
                _stage(cur, s, "flexi_situations", SITUATION_COLUMNS, rows.situations)
                cur.execute(MERGE_SITUATIONS.format(schema=s, columns=SITUATION_COLUMNS))
            if not rows.periods:
                return
            _stage(cur, s, "periods", PERIOD_COLUMNS, rows.periods)
            changed = [r[0] for r in cur.execute(MERGE_PERIODS.format(
                schema=s, columns=PERIOD_COLUMNS)).fetchall()]
            # a join, not `= ANY(%s)`: planned on a young table's statistics, that scanned
            # the whole table, each row against every id (12 ms a batch, docs/performance.md)
            cur.execute(f"DELETE FROM {s}.quota_usage q USING unnest(%s::bigint[]) AS c(id) "
                        "WHERE q.period_id = c.id", (changed,))
            _copy(cur, f"{s}.quota_usage", QUOTA_COLUMNS,
                  [q for i in changed for q in rows.quotas.get(i, ())])
            _stage(cur, s, "workers", NAME_COLUMNS, rows.workers)
            cur.execute(MERGE_WORKERS.format(schema=s, columns=NAME_COLUMNS))


def _stage(cur: psycopg.Cursor, schema: str, table: str, columns: str, rows: Iterable[tuple]
           ) -> None:
    """Copy rows into a temporary table shaped like `table`, emptied at commit and
    before each use (a rebuild applies several pages in one transaction)."""
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS staged_{table} (LIKE {schema}.{table} "
                f"INCLUDING DEFAULTS) ON COMMIT DELETE ROWS; DELETE FROM staged_{table}")
    _copy(cur, f"staged_{table}", columns, rows)


def _copy(cur: psycopg.Cursor, table: str, columns: str, rows: Iterable[tuple]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


MERGE_DECLARATIONS = """
INSERT INTO {schema}.declarations AS d ({columns}) SELECT {columns} FROM staged_declarations
ON CONFLICT (declaration_id) DO UPDATE SET result = EXCLUDED.result,
  period_id = EXCLUDED.period_id, anomalies = EXCLUDED.anomalies, ssin = EXCLUDED.ssin,
  declaration = EXCLUDED.declaration, registration_id = EXCLUDED.registration_id,
  situation_key = EXCLUDED.situation_key, situation = EXCLUDED.situation
WHERE d.result = 'S' AND EXCLUDED.result <> 'S'"""
# A declaration that waited for identification (S) takes its final result; nothing else
# replaces a recorded result.

# A daily registration only moves forward (its version), as a period does; it keeps the
# reception time of its create, which a row from an update or cancel does not carry: the
# create's declaration row (merged just before) gives it when the registration is new here.
MERGE_REGISTRATIONS = """
INSERT INTO {schema}.registrations AS r ({columns})
SELECT s.registration_id, s.period_id, s.employer_key, s.ssin, s.status,
  coalesce(s.received_at, (SELECT d.received_at FROM {schema}.declarations d
                           WHERE d.declaration_id = s.registration_id)),
  s.start_date, s.start_hour, s.end_date, s.end_hour, s.cancelled, s.version,
  s.last_declaration_id, s.last_declaration_at FROM staged_registrations s
ON CONFLICT (registration_id) DO UPDATE SET ssin = EXCLUDED.ssin, status = EXCLUDED.status,
  received_at = coalesce(r.received_at, EXCLUDED.received_at),
  start_date = EXCLUDED.start_date, start_hour = EXCLUDED.start_hour,
  end_date = EXCLUDED.end_date, end_hour = EXCLUDED.end_hour,
  cancelled = EXCLUDED.cancelled, version = EXCLUDED.version,
  last_declaration_id = EXCLUDED.last_declaration_id,
  last_declaration_at = EXCLUDED.last_declaration_at
WHERE r.version < EXCLUDED.version"""

# A Flexi at work situation only moves forward (its version): an older version arriving
# late changes nothing; a modify replaces the whole situation, a cancel keeps it cancelled
# (docs/adr/0010-flexi-at-work.md).
MERGE_SITUATIONS = """
INSERT INTO {schema}.flexi_situations AS f ({columns})
SELECT {columns} FROM staged_flexi_situations
ON CONFLICT (situation_key) DO UPDATE SET ticket = EXCLUDED.ticket,
  relation_reference = EXCLUDED.relation_reference,
  payslip_reference = EXCLUDED.payslip_reference, year = EXCLUDED.year,
  start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date,
  calculation_date = EXCLUDED.calculation_date, wages_cents = EXCLUDED.wages_cents,
  premiums_cents = EXCLUDED.premiums_cents, capacities = EXCLUDED.capacities,
  cancelled = EXCLUDED.cancelled, version = EXCLUDED.version,
  received_at = EXCLUDED.received_at
WHERE f.version < EXCLUDED.version"""

# A period row only moves forward: an older version arriving late changes nothing.
MERGE_PERIODS = """
INSERT INTO {schema}.periods AS p ({columns}) SELECT {columns} FROM staged_periods
ON CONFLICT (period_id) DO UPDATE SET ssin = EXCLUDED.ssin, late = EXCLUDED.late,
  start_date = EXCLUDED.start_date, start_hour = EXCLUDED.start_hour,
  end_date = EXCLUDED.end_date, end_hour = EXCLUDED.end_hour,
  planned_hours_number = EXCLUDED.planned_hours_number, cancelled = EXCLUDED.cancelled,
  version = EXCLUDED.version, last_declaration_at = EXCLUDED.last_declaration_at,
  sub_entity_number = EXCLUDED.sub_entity_number, control_cards = EXCLUDED.control_cards,
  small_statutes = EXCLUDED.small_statutes
WHERE p.version < EXCLUDED.version RETURNING period_id"""

# The names a declaration gave are kept until another one gives others; the relation
# (its first start, its last end or none while a period is open, the joint committees and
# worker types used) is computed again from the periods that are not cancelled (seed 002:
# the worker header leaves out the type of its cancelled period). One statement, row by row
# through the indexes: an UPDATE ... FROM a join made the planner scan every period and
# every worker, each batch (docs/performance.md).
MERGE_WORKERS = """
INSERT INTO {schema}.workers AS w ({columns}, relation_start, relation_end,
  joint_commissions, worker_types)
SELECT {columns}, r.* FROM staged_workers, LATERAL (SELECT
    min(p.start_date) FILTER (WHERE NOT p.cancelled),
    CASE WHEN bool_or(p.end_date IS NULL AND NOT p.cancelled) THEN NULL
         ELSE max(p.end_date) FILTER (WHERE NOT p.cancelled) END,
    coalesce(array_agg(DISTINCT p.joint_commission_number ORDER BY
             p.joint_commission_number) FILTER (WHERE NOT p.cancelled), '{{}}'),
    coalesce(array_agg(DISTINCT p.worker_type ORDER BY p.worker_type)
             FILTER (WHERE NOT p.cancelled), '{{}}')
  FROM {schema}.periods p
  WHERE p.employer_key = staged_workers.employer_key AND p.ssin = staged_workers.ssin) r
ON CONFLICT (employer_key, ssin) DO UPDATE SET
  family_name = coalesce(EXCLUDED.family_name, w.family_name),
  given_name = coalesce(EXCLUDED.given_name, w.given_name),
  birth_date = coalesce(EXCLUDED.birth_date, w.birth_date),
  gender = coalesce(EXCLUDED.gender, w.gender),
  nationality = coalesce(EXCLUDED.nationality, w.nationality),
  relation_start = EXCLUDED.relation_start, relation_end = EXCLUDED.relation_end,
  joint_commissions = EXCLUDED.joint_commissions, worker_types = EXCLUDED.worker_types"""
