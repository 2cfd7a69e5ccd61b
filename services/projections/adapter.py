"""SQL of the register (schema `register`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from schemas.events import Anomaly, DeclarationDecided, PeriodState
from services.common import tracking
from services.common.db import ensure_schema

SCHEMA = "register"
DDL_TEMPLATE = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.declarations (
  declaration_id bigint PRIMARY KEY, declaration_type text NOT NULL, result text NOT NULL,
  period_id bigint, anomalies jsonb NOT NULL, employer_key text NOT NULL, ssin text,
  declarant text, channel text NOT NULL, received_at timestamptz NOT NULL, batch_ref text,
  line integer, declaration jsonb NOT NULL);
CREATE INDEX IF NOT EXISTS declarations_batch ON {schema}.declarations (batch_ref, line);
CREATE TABLE IF NOT EXISTS {schema}.periods (
  period_id bigint PRIMARY KEY, employer_key text NOT NULL, ssin text,
  joint_commission_number text NOT NULL, worker_type text NOT NULL,
  start_date date NOT NULL, start_hour text, end_date date, end_hour text,
  planned_hours_number integer, cancelled boolean NOT NULL, version integer NOT NULL,
  last_declaration_at timestamptz NOT NULL, late boolean NOT NULL DEFAULT false,
  using_joint_commission_number text);
ALTER TABLE {schema}.periods ADD COLUMN IF NOT EXISTS late boolean NOT NULL DEFAULT false;
ALTER TABLE {schema}.periods ADD COLUMN IF NOT EXISTS using_joint_commission_number text;
CREATE INDEX IF NOT EXISTS periods_employer ON {schema}.periods (employer_key, start_date);
""" + tracking.TRACKING_DDL
# The tables of the register and their keys: what `dimona rebuild --verify` compares.
TABLES = {"declarations": "declaration_id", "periods": "period_id"}


def ddl(schema: str) -> str:
    return DDL_TEMPLATE.format(schema=schema)


def migrate(database_url: str, schema: str = SCHEMA) -> None:
    ensure_schema(database_url, ddl(schema))


class RegisterWriter:
    """Writes decisions into the register, exactly once (see services.common.tracking);
    into another schema when the register is rebuilt beside the live one."""

    def __init__(self, pool: ConnectionPool, schema: str = SCHEMA):
        self.pool = pool
        self.schema = schema

    def watermark(self) -> int:
        with self.pool.connection() as conn:
            return tracking.watermark(conn, self.schema)

    def apply(self, decisions: Sequence[DeclarationDecided], position: int | None) -> None:
        with self.pool.connection() as conn, conn.transaction():
            self.apply_in(conn, decisions, position)

    def apply_in(self, conn: psycopg.Connection, decisions: Sequence[DeclarationDecided],
                 position: int | None) -> None:
        """Apply within the caller's transaction."""
        new = tracking.first_seen(conn, self.schema, [d.event_id for d in decisions])
        fresh = [d for d in decisions if d.event_id in new]
        with conn.cursor() as cur:
            cur.executemany(INSERT_DECLARATION.format(schema=self.schema),
                            [_declaration_row(d) for d in fresh])
            periods = [(d.period_after, d.received_at) for d in fresh if d.period_after]
            cur.executemany(UPSERT_PERIOD.format(schema=self.schema),
                            [_period_row(p, at) for p, at in periods])
        if position is not None:
            tracking.set_watermark(conn, self.schema, position)


INSERT_DECLARATION = """
INSERT INTO {schema}.declarations AS d VALUES
 (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (declaration_id) DO UPDATE SET result = EXCLUDED.result,
  period_id = EXCLUDED.period_id, anomalies = EXCLUDED.anomalies, ssin = EXCLUDED.ssin,
  declaration = EXCLUDED.declaration
WHERE d.result = 'S' AND EXCLUDED.result <> 'S'"""
# A declaration that waited for identification (S) takes its final result; nothing else
# replaces a recorded result.

# A period row only moves forward: an older version arriving late changes nothing.
UPSERT_PERIOD = """
INSERT INTO {schema}.periods AS p VALUES
 (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (period_id) DO UPDATE SET ssin = EXCLUDED.ssin, late = EXCLUDED.late,
  start_date = EXCLUDED.start_date, start_hour = EXCLUDED.start_hour,
  end_date = EXCLUDED.end_date, end_hour = EXCLUDED.end_hour,
  planned_hours_number = EXCLUDED.planned_hours_number, cancelled = EXCLUDED.cancelled,
  version = EXCLUDED.version, last_declaration_at = EXCLUDED.last_declaration_at
WHERE p.version < EXCLUDED.version"""


def _declaration_row(d: DeclarationDecided) -> tuple:
    worker = d.declaration.worker
    return (d.declaration_id, d.declaration_type, d.result, d.period_id,
            Jsonb([a.model_dump(mode="json") for a in d.anomalies]), d.employer_key,
            worker.ssin if worker else None, d.declarant, d.channel, d.received_at,
            d.batch_ref, d.line, Jsonb(json.loads(d.declaration.model_dump_json(
                by_alias=True, exclude_none=True))))


def _period_row(p: PeriodState, at) -> tuple:
    return (p.period_id, p.employer_key, p.ssin, p.joint_commission_number, p.worker_type,
            p.start_date, p.start_hour, p.end_date, p.end_hour, p.planned_hours_number,
            p.cancelled, p.version, at, p.late, p.using_joint_commission_number)


class RegisterReader:
    """Queries of the register, for the CLI and the HTTP read endpoints."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool

    def result(self, declaration_id: int) -> dict | None:
        """The declaration and its result (INTERFACE.md §3), or None while undecided."""
        with self.pool.connection() as conn:
            row = conn.execute(f"SELECT {RESULT_COLUMNS} FROM register.declarations "
                               "WHERE declaration_id = %s", (declaration_id,)).fetchone()
        return _result(row) if row else None

    def batch_results(self, batch_ref: str, after_line: int = 0) -> Iterator[dict]:
        """Results of a batch file so far, in line order, streamed from a server-side
        cursor (a batch may have a million lines)."""
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(name="batch_results") as cur:
                cur.itersize = 5000
                cur.execute(f"SELECT {RESULT_COLUMNS} FROM register.declarations "
                            "WHERE batch_ref = %s AND line > %s ORDER BY line",
                            (batch_ref, after_line))
                yield from (_result(r) for r in cur)

    def decided_counts(self, batch_refs: Sequence[str]) -> dict[str, int]:
        """How many lines of each batch have a result."""
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT batch_ref, count(*) FROM register.declarations "
                                "WHERE batch_ref = ANY(%s) GROUP BY batch_ref",
                                (list(batch_refs),)).fetchall()
        return {ref: 0 for ref in batch_refs} | dict(rows)

    def periods(self, employer_key: str) -> list[dict]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT period_id, ssin, joint_commission_number, worker_type, start_date, "
                "start_hour, end_date, end_hour, planned_hours_number, cancelled, "
                "last_declaration_at, late FROM register.periods WHERE employer_key = %s "
                "ORDER BY start_date, period_id", (employer_key,)).fetchall()
        return [_period(r) for r in rows]


RESULT_COLUMNS = ("declaration_id, declaration_type, result, period_id, anomalies, "
                  "declaration, line, declarant, employer_key")


def _result(row: tuple) -> dict:
    (declaration_id, declaration_type, result, period_id, anomalies, declaration, line,
     declarant, employer_key) = row
    body: dict = {"declarationId": declaration_id, "declarationType": declaration_type,
                  "result": result}
    if period_id is not None:
        body["periodId"] = period_id
    body["anomalies"] = [Anomaly.model_validate(a).to_result_json() for a in anomalies]
    return {"result": body, "declaration": declaration, "line": line, "declarant": declarant,
            "employerKey": employer_key}


def _period(row: tuple) -> dict:
    keys = ("periodId", "ssin", "jointCommissionNumber", "workerType", "startDate",
            "startHour", "endDate", "endHour", "plannedHoursNumber", "cancelled",
            "lastDeclarationAt", "late")
    values = [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
    return dict(zip(keys, values, strict=True))
