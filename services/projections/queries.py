"""The register's published reads (schema `register`): a declaration's result, a batch's
results, the personnel register's searches and details, the quotas used. The SQL of the
register's readers lives here, apart from its writer (services.projections.writer), so
that the HTTP edge, the CLI and the return files read the register through one module and
get the same JSON: camelCase keys, times in Brussels, dates in ISO 8601, and a
declaration's result in the shape of docs/interface.md §3."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

import psycopg
from psycopg_pool import ConnectionPool

from schemas.events import Anomaly, DeclarationDecided
from services.projections.domain import (
    BRUSSELS,
    EVERY_ROW,
    Filters,
    Page,
    RegistrationFilters,
)
from services.projections.flexi import FlexiFilters
from services.projections.writer import SCHEMA

RESULT_COLUMNS = ("declaration_id, declaration_type, result, period_id, anomalies, "
                  "declaration, line, declarant, employer_key, registration_id")


class RegisterQueries:
    """Queries of the register, for the CLI and the HTTP read endpoints."""

    def __init__(self, pool: ConnectionPool, schema: str = SCHEMA):
        self.pool, self.schema = pool, schema

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A connection of the pool; one that reads another schema than the live register
        (the register as of a moment, services.projections.as_of) when this reads one."""
        with self.pool.connection() as conn:
            yield conn if self.schema == SCHEMA else _InSchema(conn, self.schema)

    def result(self, declaration_id: int) -> dict | None:
        """The declaration and its result (docs/interface.md §3), or None while undecided."""
        return self.results([declaration_id]).get(declaration_id)

    def results(self, declaration_ids: Sequence[int]) -> dict[int, dict]:
        """`result` of each of these declarations that is decided, in one query."""
        with self._connection() as conn:
            rows = conn.execute(f"SELECT {RESULT_COLUMNS} FROM register.declarations "
                                "WHERE declaration_id = ANY(%s)",
                                (list(declaration_ids),)).fetchall()
        return {row[0]: _result(row) for row in rows}

    def batch_results(self, batch_ref: str, after_line: int = 0) -> Iterator[dict]:
        """Results of a batch file so far, in line order, streamed from a server-side
        cursor (a batch may have a million lines)."""
        with self._connection() as conn, conn.transaction():
            with conn.cursor(name="batch_results") as cur:
                cur.itersize = 5000
                cur.execute(f"SELECT {RESULT_COLUMNS} FROM register.declarations "
                            "WHERE batch_ref = %s AND line > %s ORDER BY line",
                            (batch_ref, after_line))
                yield from (_result(r) for r in cur)

    def decided_counts(self, batch_refs: Sequence[str]) -> dict[str, int]:
        """How many lines of each batch have a result."""
        with self._connection() as conn:
            rows = conn.execute("SELECT batch_ref, count(*) FROM register.declarations "
                                "WHERE batch_ref = ANY(%s) GROUP BY batch_ref",
                                (list(batch_refs),)).fetchall()
        return {ref: 0 for ref in batch_refs} | dict(rows)

    def decided(self, declaration_ids: Sequence[int]) -> set[int]:
        """Which of these declarations have a result in the register."""
        with self._connection() as conn:
            return {r[0] for r in conn.execute(
                "SELECT declaration_id FROM register.declarations WHERE declaration_id = "
                "ANY(%s)", (list(declaration_ids),)).fetchall()}

    # Flexi at work (docs/adr/0010-flexi-at-work.md) -----------------------------------------

    def flexi_transfers(self, keys: list[str], filters: FlexiFilters, page: Page = EVERY_ROW
                        ) -> tuple[int, list[dict]]:
        """An employer's decided Flexi at work declarations (refused ones too), by ticket;
        (total, the page)."""
        clauses = ["t.employer_key = ANY(%(keys)s)"]
        for value, clause in ((filters.ssin, "t.ssin = %(ssin)s"),
                              (filters.year, "t.year = %(year)s"),
                              (filters.start_from, "t.calc_start <= %(to)s AND "
                                                   "t.calc_end >= %(from)s")):
            if value is not None:
                clauses.append(clause)
        return self._page(f"WITH w AS ({NAMED_WORKERS}) SELECT {LISTED_TRANSFER} FROM "
                          f"({FLEXI_TRANSFERS}) t LEFT JOIN w USING (employer_key, ssin) "
                          f"WHERE {' AND '.join(clauses)}", "t.declaration_id",
                          {"keys": keys, "ssin": filters.ssin, "year": filters.year,
                           "from": filters.start_from, "to": filters.start_to}, page)

    def flexi_transfer(self, ticket: int) -> dict | None:
        """One decided Flexi at work declaration, with its declarant and employer key."""
        with self._connection() as conn:
            rows = _json_rows(conn.execute(
                f"WITH w AS ({NAMED_WORKERS}) SELECT {LISTED_TRANSFER}, t.declarant, "
                f"t.employer_key FROM ({FLEXI_TRANSFERS} AND d.declaration_id = %s) t "
                "LEFT JOIN w USING (employer_key, ssin)", (ticket,)))
        return rows[0] if rows else None

    def flexi_situations(self, keys: list[str], ssin: str) -> list[dict]:
        """A flexi-jobber's situations with an employer as they are now, cancelled ones
        too, by calculation period."""
        with self._connection() as conn:
            return _json_rows(conn.execute(
                f"SELECT {LISTED_SITUATION} FROM register.flexi_situations WHERE "
                f"debtor_key = ANY(%s) AND ssin = %s ORDER BY {SITUATION_ORDER}",
                (keys, ssin)))

    def flexi_income(self, ssin: str, year: int) -> tuple[dict, list[dict]]:
        """The income counter of a flexi-jobber's income year over every employer: the sum
        of the wages and premiums of its situations that are not cancelled (each as it is
        now); and those situations."""
        with self._connection() as conn:  # the sum and its rows from one snapshot
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            wages, premiums, count = conn.execute(
                "SELECT coalesce(sum(wages_cents), 0), coalesce(sum(premiums_cents), 0), "
                "count(*) FROM register.flexi_situations WHERE ssin = %s AND year = %s "
                "AND NOT cancelled", (ssin, year)).fetchone()
            rows = _json_rows(conn.execute(
                f"SELECT {LISTED_SITUATION} FROM register.flexi_situations WHERE ssin = %s "
                f"AND year = %s AND NOT cancelled ORDER BY {SITUATION_ORDER}", (ssin, year)))
        return {"wagesCents": int(wages), "premiumsCents": int(premiums),
                "situations": count}, rows

    # The views of the personnel register (docs/sources.md §10). `keys` are the register keys
    # of one employer (its NSSO number and its enterprise number).

    def periods(self, keys: list[str], filters: Filters, page: Page = EVERY_ROW
                ) -> tuple[int, list[dict]]:
        """The list of periods matching the search, by start; (total, the page). A page is
        read along the index of each register key (periods_employer), from the nearer end
        and no further than the page, then merged and named: never a sort of a whole
        register (100,000 periods for the web pages); a search that finds few periods
        sorts them."""
        where, params = _search(keys, filters)
        workers = f"WITH w AS NOT MATERIALIZED ({NAMED_WORKERS}) "
        with self._connection() as conn:
            if page.limit is None:
                rows = _json_rows(conn.execute(
                    f"{workers} SELECT {LISTED_PERIOD} FROM register.periods p LEFT JOIN w "
                    f"USING (employer_key, ssin) WHERE {where} ORDER BY {PERIOD_ORDER} "
                    "OFFSET %(offset)s", {**params, "offset": page.offset}))
                return page.offset + len(rows), rows
            total = conn.execute(f"SELECT count(*) FROM register.periods p WHERE {where}",
                                 params).fetchone()[0]
            if total <= page.offset:
                return total, []
            if total <= FEW_PERIODS:  # found through a narrower index: sorted whole
                return total, _json_rows(conn.execute(
                    f"{workers} SELECT {LISTED_PERIOD} FROM register.periods p LEFT JOIN w "
                    f"USING (employer_key, ssin) WHERE {where} ORDER BY {PERIOD_ORDER} "
                    "LIMIT %(limit)s OFFSET %(offset)s",
                    {**params, "limit": page.limit, "offset": page.offset}))
            backwards = page.offset > total // 2  # the last pages: read from the end
            order = PERIOD_ORDER_BACKWARDS if backwards else PERIOD_ORDER
            tail = max(total - page.offset, 0)
            end, limit, offset = ((tail, min(page.limit, tail), max(tail - page.limit, 0))
                                  if backwards else
                                  (page.offset + page.limit, page.limit, page.offset))
            branches = " UNION ALL ".join(
                f"(SELECT p.* FROM register.periods p WHERE p.employer_key = %(key{i})s "
                f"AND {where} ORDER BY {order} LIMIT %(end)s)" for i in range(len(keys)))
            rows = _json_rows(conn.execute(
                f"{workers} SELECT {LISTED_PERIOD} FROM ({branches}) p LEFT JOIN w USING "
                f"(employer_key, ssin) ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
                {**params, **{f"key{i}": k for i, k in enumerate(keys)}, "end": end,
                 "limit": limit, "offset": offset}))
        return total, rows[::-1] if backwards else rows

    def monthly(self, keys: list[str], filters: Filters, page: Page = EVERY_ROW
                ) -> tuple[int, list[str], list[dict]]:
        """The workers of a monthly overview (`filters` active in the month): how many,
        the SSINs of the page's by name, and their periods that are not cancelled. A shift
        that starts before the month counts on its start day, outside of it."""
        where, params = _search(keys, filters)
        active = (f"SELECT DISTINCT p.ssin FROM register.periods p WHERE {where} AND NOT "
                  f"p.cancelled AND p.ssin IS NOT NULL AND NOT {SHIFT_BEFORE}")
        with self._connection() as conn:
            total = conn.execute(f"SELECT count(*) FROM ({active}) a", params).fetchone()[0]
            ssins = [r[0] for r in conn.execute(
                f"WITH w AS NOT MATERIALIZED ({NAMED_WORKERS}) SELECT a.ssin FROM ({active}) "
                "a LEFT JOIN LATERAL (SELECT w.family_name, w.given_name FROM w WHERE "
                "w.employer_key = ANY(%(keys)s) AND w.ssin = a.ssin ORDER BY w.employer_key "
                "LIMIT 1) n ON true ORDER BY coalesce(n.family_name, '') COLLATE \"C\", "
                "coalesce(n.given_name, '') COLLATE \"C\", a.ssin COLLATE \"C\" "
                "LIMIT %(limit)s OFFSET %(offset)s",
                {**params, "limit": page.limit, "offset": page.offset})]
            periods = _json_rows(conn.execute(
                f"WITH w AS NOT MATERIALIZED ({NAMED_WORKERS}) SELECT {LISTED_PERIOD} FROM "
                "register.periods p LEFT JOIN w USING (employer_key, ssin) WHERE "
                f"{where} AND NOT p.cancelled AND p.ssin = ANY(%(ssins)s) "
                f"ORDER BY {PERIOD_ORDER}", {**params, "ssins": ssins}))
        return total, ssins, periods

    def workers(self, keys: list[str], filters: Filters, page: Page = EVERY_ROW
                ) -> tuple[int, list[dict]]:
        """The workers having a period that matches the search, by name."""
        where, params = _search(keys, filters)
        return self._page(f"WITH w AS ({NAMED_WORKERS}) SELECT w.* FROM w WHERE "
                          f"w.employer_key = ANY(%(keys)s) AND EXISTS (SELECT FROM "
                          f"register.periods p WHERE p.employer_key = w.employer_key AND "
                          f"p.ssin = w.ssin AND {where})",
                          "w.family_name NULLS LAST, w.given_name, w.ssin", params, page)

    def registrations(self, keys: list[str], filters: RegistrationFilters,
                      page: Page = EVERY_ROW) -> tuple[int, list[dict]]:
        """An employer's daily registrations, by start; (total, the page)."""
        clauses = ["r.employer_key = ANY(%(keys)s)"]
        if filters.period_id is not None:
            clauses.append("r.period_id = %(period)s")
        if filters.start_from is not None:
            clauses.append("r.start_date BETWEEN %(from)s AND %(to)s")
        return self._page(f"WITH w AS ({NAMED_WORKERS}) SELECT {LISTED_REGISTRATION} FROM "
                          "register.registrations r LEFT JOIN w USING (employer_key, ssin) "
                          f"WHERE {' AND '.join(clauses)}", REGISTRATION_ORDER,
                          {"keys": keys, "period": filters.period_id,
                           "from": filters.start_from, "to": filters.start_to}, page)

    def employer_declarations(self, keys: list[str], page: Page) -> tuple[int, list[dict]]:
        """An employer's decided declarations, newest first (the web's Declarations tab);
        (total, the page). One index range per key (declarations_employer), each read
        backwards no further than the page's end, then merged: never the whole list."""
        end = None if page.limit is None else page.offset + page.limit
        per_key = " UNION ALL ".join(
            f"(SELECT {EMPLOYER_DECLARATION} FROM register.declarations d "
            f"WHERE d.employer_key = %(key{i})s ORDER BY d.received_at DESC, "
            "d.declaration_id DESC LIMIT %(end)s)" for i in range(len(keys)))
        params = {f"key{i}": k for i, k in enumerate(keys)} | {
            "keys": keys, "end": end, "limit": page.limit, "offset": page.offset}
        with self._connection() as conn:
            total = conn.execute("SELECT count(*) FROM register.declarations "
                                 "WHERE employer_key = ANY(%(keys)s)", params).fetchone()[0]
            if not keys:
                return total, []
            rows = _json_rows(conn.execute(
                f"WITH d AS ({per_key}), w AS ({NAMED_WORKERS}) SELECT d.*, w.family_name, "
                "w.given_name FROM d LEFT JOIN w ON w.employer_key = d.employer_key AND "
                "w.ssin = d.ssin ORDER BY d.received_at DESC, d.declaration_id DESC "
                "LIMIT %(limit)s OFFSET %(offset)s", params))
        return total, rows

    def _registration(self, conn: psycopg.Connection, registration_id: int) -> dict | None:
        """One daily registration as it is now."""
        rows = _json_rows(conn.execute(
            f"SELECT {PERIOD_REGISTRATION} FROM register.registrations r "
            "WHERE r.registration_id = %s", (registration_id,)))
        return rows[0] if rows else None

    def _page(self, query: str, order: str, params: dict, page: Page
              ) -> tuple[int, list[dict]]:
        with self._connection() as conn:
            total = conn.execute(f"SELECT count(*) FROM ({query}) q", params).fetchone()[0]
            cur = conn.execute(f"{query} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
                               {**params, "limit": page.limit, "offset": page.offset})
            return total, _json_rows(cur)

    def period(self, period_id: int) -> dict | None:
        """A period with its worker, its declarations and its notifications."""
        with self._connection() as conn:
            period = self._period(conn, period_id)
            if period is None:
                return None
            return {"period": period,
                    "worker": self._worker(conn, period["employerKey"], period["ssin"]),
                    "declarations": _json_rows(conn.execute(
                        f"SELECT {LISTED_DECLARATION} FROM register.declarations "
                        "WHERE about_period_id = %s ORDER BY received_at, declaration_id",
                        (period_id,))),
                    "notifications": self._notifications(conn, "period_id", period_id),
                    "registrations": _json_rows(conn.execute(
                        f"SELECT {PERIOD_REGISTRATION} FROM register.registrations r "
                        f"WHERE r.period_id = %s ORDER BY {REGISTRATION_ORDER}",
                        (period_id,)))}

    def declaration(self, declaration_id: int) -> dict | None:
        """A declaration with what it is about: its worker, its period, its notifications."""
        with self._connection() as conn:
            found = _json_rows(conn.execute(
                f"SELECT {LISTED_DECLARATION}, employer_key, ssin, declarant, channel, "
                "batch_ref, line FROM register.declarations WHERE declaration_id = %s",
                (declaration_id,)))
            if not found:
                return None
            d = found[0]
            period = self._period(conn, d["aboutPeriodId"]) if d["aboutPeriodId"] else None
            ssin = d["ssin"] or (period and period["ssin"])
            return {"declaration": d, "period": period,
                    "worker": self._worker(conn, d["employerKey"], ssin) if ssin else None,
                    "notifications": self._notifications(conn, "declaration_id",
                                                         declaration_id),
                    "registration": d["registrationId"] and self._registration(
                        conn, d["registrationId"])}

    def _period(self, conn: psycopg.Connection, period_id: int) -> dict | None:
        rows = _json_rows(conn.execute(
            f"WITH w AS ({NAMED_WORKERS}) SELECT p.employer_key, {DETAILED_PERIOD} FROM "
            "register.periods p LEFT JOIN w USING (employer_key, ssin) "
            "WHERE p.period_id = %s", (period_id,)))
        return rows[0] if rows else None

    def _worker(self, conn: psycopg.Connection, employer_key: str, ssin: str | None
                ) -> dict | None:
        return _named(conn, [employer_key], [ssin]).get(ssin)

    def _notifications(self, conn: psycopg.Connection, column: str, value: int) -> list[dict]:
        """A daily registration's notification also has the registration before and after;
        a Flexi at work declaration's the situation before and after."""
        rows = _json_rows(conn.execute(
            "SELECT notification_id::text, declaration_id, sent_at, channel, recipient, "
            "period_before, period_after, anomaly_codes, registration_id, "
            "registration_before, registration_after, situation_before, situation_after "
            f"FROM register.notifications WHERE {column} = %s "
            "ORDER BY sent_at, declaration_id, channel, recipient", (value,)))
        return [_notification(r) for r in rows]

    def workers_named(self, keys: list[str], ssins: list[str]) -> dict[str, dict]:
        with self._connection() as conn:
            return _named(conn, keys, ssins)

    def quota_used(self, kind: str, subjects: list[str], year: int) -> dict[str, int]:
        """What each subject used of a quota in a year: hours, or distinct days."""
        amount = ("count(DISTINCT day)" if kind.startswith("HORECA") else
                  "coalesce(sum(hours), 0)")
        days = ", unnest(days) AS day" if kind.startswith("HORECA") else ""
        with self._connection() as conn:
            rows = conn.execute(f"SELECT subject, {amount} FROM register.quota_usage{days} "
                                "WHERE kind = %s AND subject = ANY(%s) AND year = %s "
                                "GROUP BY subject", (kind, subjects, year)).fetchall()
        return {s: 0 for s in subjects} | {s: int(n) for s, n in rows}

    def quota_workers(self, keys: list[str], year: int) -> list[str]:
        """The SSINs of an employer's students and horeca extras in a year."""
        with self._connection() as conn:
            return [r[0] for r in conn.execute(
                "SELECT DISTINCT p.ssin FROM register.quota_usage q JOIN register.periods p "
                "USING (period_id) WHERE p.employer_key = ANY(%s) AND q.year = %s AND "
                "q.kind IN ('STUDENT', 'HORECA_WORKER') ORDER BY 1", (keys, year)).fetchall()]


# The workers of an employer, named by their declarations or else by the directory's
# identities (the stand-in for the national register, docs/interface.md §6).
# The directory is read only for the names a declaration did not give (a subquery in
# coalesce runs only when needed: a lateral join ran for every worker, 60 ms for 10,000).
IDENTITY = ("(SELECT d.{0} FROM directory.identities d WHERE d.ssin = w.ssin "
            "ORDER BY d.family_name, d.given_name, d.birth_date LIMIT 1)")
NAMED_WORKERS = f"""
SELECT w.employer_key, w.ssin,
  coalesce(w.family_name, {IDENTITY.format("family_name")}) AS family_name,
  coalesce(w.given_name, {IDENTITY.format("given_name")}) AS given_name,
  coalesce(w.birth_date, {IDENTITY.format("birth_date")}) AS birth_date, w.gender,
  w.nationality, w.relation_start, w.relation_end, w.joint_commissions, w.worker_types
FROM register.workers w"""
LISTED_PERIOD = (
    "p.period_id, p.ssin, w.family_name, w.given_name, p.joint_commission_number, "
    "p.using_joint_commission_number, p.using_enterprise_number, p.worker_type, "
    "p.start_date, p.start_hour, p.end_date, p.end_hour, p.planned_hours_number, "
    "p.cancelled, p.late, p.last_declaration_at")
# A period's detail: the listed columns, and what only some INs give (a public employer's
# sub-entity, a construction worker's C3.2A control cards, an intern's small statutes), by
# the names of the declaration's blocks.
DETAILED_PERIOD = (
    f"{LISTED_PERIOD}, p.sub_entity_number, p.control_cards AS construction_control_cards, "
    "p.small_statutes AS small_statutes_information")
PERIOD_ORDER = "p.start_date, p.start_hour NULLS FIRST, p.period_id"
FEW_PERIODS = 1_000  # a search's periods sorted whole; more are read along the index
# A shift of a day or less (domain.shift_hours) that starts before the first day searched.
SHIFT_BEFORE = ("(p.start_hour IS NOT NULL AND p.end_hour IS NOT NULL AND p.end_date IS NOT "
                "NULL AND p.start_date < %(from)s AND p.end_date <= p.start_date + 1)")
PERIOD_ORDER_BACKWARDS = "p.start_date DESC, p.start_hour DESC NULLS LAST, p.period_id DESC"
LISTED_DECLARATION = ("declaration_id, declaration_type, result, received_at, anomalies, "
                      "declaration, about_period_id, registration_id, situation_key, "
                      "situation")
# A row of an employer's list of declarations: what it is, about whom, its result.
EMPLOYER_DECLARATION = (
    "d.declaration_id, d.declaration_type, d.result, d.received_at, d.anomalies, "
    "d.employer_key, d.ssin, d.about_period_id, d.registration_id, d.channel, d.declarant")
# Seed 002's list of daily registrations of a period: status, registration number, date/time
# of reception, start and end (dates and hours), cancelled.
PERIOD_REGISTRATION = (
    "r.status, r.registration_id, r.received_at, r.start_date, r.start_hour, r.end_date, "
    "r.end_hour, r.cancelled, r.period_id, r.ssin, r.version, r.last_declaration_id, "
    "r.last_declaration_at")
LISTED_REGISTRATION = f"{PERIOD_REGISTRATION}, w.family_name, w.given_name"
REGISTRATION_ORDER = "r.start_date, r.start_hour, r.registration_id"
# A Flexi at work declaration with what its lists filter on: the calculation period and
# income year it shows (docs/adr/0010-flexi-at-work.md, as services.projections.flexi's
# `transfer`): an accepted one the situation it set, a refused one what it declared, or,
# declaring none (a cancel), the situation it named.
FLEXI_TRANSFERS = """
SELECT d.*, c.calculation, (c.calculation->>'startDate')::date AS calc_start,
  (c.calculation->>'endDate')::date AS calc_end,
  CASE WHEN c.accepted OR c.calculation IS NULL THEN (d.situation->>'year')::int
       ELSE left(c.calculation->>'startDate', 4)::int END AS year
FROM register.declarations d, LATERAL (SELECT d.result IN ('A', 'W') AND d.situation IS NOT
  NULL AND d.situation <> 'null' AS accepted) a, LATERAL (SELECT a.accepted, CASE WHEN
  a.accepted OR d.declaration #> '{flexiWage,calculation}' IS NULL
  THEN nullif(d.situation -> 'calculation', 'null') ELSE d.declaration #> '{flexiWage,calculation}'
  END AS calculation) c
WHERE d.declaration_type = 'FLEXI_WAGE'"""
LISTED_TRANSFER = ("t.declaration_id AS ticket, t.result, t.anomalies, t.received_at, "
                   "t.declaration -> 'flexiWage' AS declared, t.situation, w.family_name, "
                   "w.given_name")
LISTED_SITUATION = (
    "situation_key, ticket, debtor_key, ssin, relation_uuid, relation_reference, "
    "payslip_reference, year, start_date, end_date, calculation_date, wages_cents, "
    "premiums_cents, capacities, cancelled, version, received_at")
SITUATION_ORDER = "year, start_date NULLS FIRST, situation_key"


def _notification(row: dict) -> dict:
    """A notification as the lists show it: the registration before and after only on a
    daily registration's, the situation before and after only on a Flexi at work one's."""
    flexi = row["situationBefore"] is not None or row["situationAfter"] is not None
    return {k: v for k, v in row.items()
            if (row["registrationId"] is not None or not k.startswith("registration"))
            and (flexi or not k.startswith("situation"))}


def _named(conn: psycopg.Connection, keys: list[str], ssins: list) -> dict[str, dict]:
    """The named workers of these SSINs at an employer, by SSIN."""
    rows = _json_rows(conn.execute(f"WITH w AS ({NAMED_WORKERS}) SELECT * FROM w WHERE "
                                   "employer_key = ANY(%s) AND ssin = ANY(%s)", (keys, ssins)))
    return {r["ssin"]: r for r in rows}


def _search(keys: list[str], f: Filters) -> tuple[str, dict]:
    """The WHERE clause of a search over periods `p` joined with their named worker `w`."""
    clauses = ["p.employer_key = ANY(%(keys)s)"]
    params: dict = {"keys": keys}
    for value, clause in (
            (f.ssin, "p.ssin = %(ssin)s"),
            (f.joint_commission_number, "p.joint_commission_number = %(jc)s"),
            (f.worker_type, "p.worker_type = %(type)s"),
            (f.user_enterprise_number, "lpad(p.using_enterprise_number, 10, '0') = %(user)s"),
            (f.period_id, "p.period_id = %(period)s"),
            (f.active_from, "p.start_date <= %(to)s AND (p.end_date IS NULL OR "
                            "p.end_date >= %(from)s)"),
            (f.name, f"(p.employer_key, p.ssin) IN (SELECT n.employer_key, n.ssin FROM "
                     f"({NAMED_WORKERS}) n WHERE n.employer_key = ANY(%(keys)s) AND "
                     f"{WHOLE_NAME if f.whole_name else PART_OF_NAME})"),
            (f.exclude_cancelled or None, "NOT p.cancelled")):
        if value is not None:
            clauses.append(clause)
    params |= {"ssin": f.ssin, "jc": f.joint_commission_number, "type": f.worker_type,
               "user": (f.user_enterprise_number or "").zfill(10), "period": f.period_id,
               "from": f.active_from, "to": f.active_to, "name": f"%{_like(f.name or '')}%",
               "whole": (f.name or "").strip().lower()}
    return " AND ".join(clauses), params


# A name searched whole (the search screen without "search on part of the name"): the
# family name, the given name, or both in either order.
WHOLE_NAME = ("%(whole)s IN (lower(n.family_name), lower(n.given_name), "
              "lower(concat_ws(' ', n.family_name, n.given_name)), "
              "lower(concat_ws(' ', n.given_name, n.family_name)))")
PART_OF_NAME = "concat_ws(' ', n.family_name, n.given_name, n.family_name) ILIKE %(name)s"


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _InSchema:
    """A connection whose statements read the tables of `schema` where they name the live
    register's: the same queries answer for the register as of a moment. Only what the
    queries use is offered, so that anything else fails rather than reads the live tables."""

    def __init__(self, conn: psycopg.Connection, schema: str):
        self.conn, self.prefix = conn, f"{schema}."

    def execute(self, query: str, params=None) -> psycopg.Cursor:
        return self.conn.execute(query.replace(f"{SCHEMA}.", self.prefix), params)

    def transaction(self):
        return self.conn.transaction()


def _json_rows(cur: psycopg.Cursor) -> list[dict]:
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


def recorded_result(d: DeclarationDecided) -> dict:
    """`RegisterQueries.result` of a decision the event store holds and the register may
    not have applied yet: the same answer as its row will give."""
    return _result((d.declaration_id, d.declaration_type, d.result, d.period_id,
                    [a.model_dump(mode="json") for a in d.anomalies],
                    d.declaration.model_dump(mode="json", by_alias=True, exclude_none=True),
                    d.line, d.declarant, d.employer_key, d.registration_id))


def _result(row: tuple) -> dict:
    """A declaration's result (docs/interface.md §3) with what its readers need beside it,
    from a row of RESULT_COLUMNS."""
    (declaration_id, declaration_type, result, period_id, anomalies, declaration, line,
     declarant, employer_key, registration_id) = row
    body: dict = {"declarationId": declaration_id, "declarationType": declaration_type,
                  "result": result}
    if registration_id is not None:  # as DeclarationDecided.to_result_json (§8)
        body["dailyRegistration"] = {"id": registration_id, "periodId": period_id}
    elif period_id is not None:
        body["periodId"] = period_id
    body["anomalies"] = [Anomaly.model_validate(a).to_result_json() for a in anomalies]
    return {"result": body, "declaration": declaration, "line": line, "declarant": declarant,
            "employerKey": employer_key}
