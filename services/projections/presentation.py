"""How the register's rows are shown in JSON: camelCase keys, times in Brussels, dates in
ISO 8601, and a declaration's result in the shape of docs/interface.md §3. Kept beside the
queries (services.projections.queries), whose rows it shapes, so that every reader of the
register (HTTP, CLI, return files) gets the same JSON; no SQL here."""

from __future__ import annotations

from datetime import date, datetime

import psycopg

from schemas.events import Anomaly
from services.projections.domain import BRUSSELS


def json_rows(cur: psycopg.Cursor) -> list[dict]:
    """Rows as JSON-ready dictionaries with camelCase keys (dates in ISO 8601)."""
    keys = [_camel(c.name) for c in cur.description or ()]
    return [dict(zip(keys, (_json(v) for v in row), strict=True)) for row in cur.fetchall()]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _json(value):
    if isinstance(value, datetime):
        return value.astimezone(BRUSSELS).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def declaration_result(row: tuple) -> dict:
    """A declaration's result (docs/interface.md §3) with what its readers need beside it,
    from a row of the queries' RESULT_COLUMNS."""
    (declaration_id, declaration_type, result, period_id, anomalies, declaration, line,
     declarant, employer_key) = row
    body: dict = {"declarationId": declaration_id, "declarationType": declaration_type,
                  "result": result}
    if period_id is not None:
        body["periodId"] = period_id
    body["anomalies"] = [Anomaly.model_validate(a).to_result_json() for a in anomalies]
    return {"result": body, "declaration": declaration, "line": line, "declarant": declarant,
            "employerKey": employer_key}
