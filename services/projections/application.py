"""The register's use cases. Writing (`UpdateRegister`): each batch of decisions or of
notifications sent is applied exactly once (services.common.tracking): what was applied
before is left out, the rest is turned into rows (services.projections.projection) and
written (services.projections.writer), with the watermark, in one transaction.

Reading (`RegisterViews`, issue 5): the three presentations of a search, the period and
declaration details, the quotas; an employer's daily registrations and the quarter's presence
of its fixed workers (issue 22). Who may read what is the caller's to check (the HTTP
routes scope by token; the CLI on the stack's machine reads everything). The reading half is
published: with it come the search's terms (Filters, Page, Presentation, BadQuery) and
csv_rows, so that a reader of the register needs nothing else of the package but
services.projections.queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

import psycopg
from psycopg_pool import ConnectionPool
from pydantic.alias_generators import to_camel

from schemas.ceilings import flexi_ceiling
from schemas.events import Anomaly, DeclarationDecided, NotificationSent
from services.common.tracking import catch_up
from services.directory import adapter as directory
from services.notifier.queries import SentLog
from services.projections import domain, flexi
from services.projections.domain import (
    EVERY_ROW,
    BadQuery,
    Filters,
    Page,
    Presentation,
    RegistrationFilters,
    csv_rows,
    moment,
)
from services.projections.flexi import BadFlexiQuery, FlexiFilters
from services.projections.projection import Rows, notification_rows
from services.projections.queries import RegisterQueries
from services.projections.writer import EVENT_STORE, SCHEMA, SENT_LOG, RegisterWriter

__all__ = ["EVERY_ROW", "BadFlexiQuery", "BadQuery", "FlexiFilters", "FlexiViews", "Filters",
           "Page", "Pending", "Presentation", "RegisterViews", "RegistrationFilters",
           "UpdateRegister", "catch_up_notifications", "criteria", "csv_rows", "euros", "moment"]
euros = flexi.euros
Pending = Callable[[list[str]], list[tuple[int, dict, str]]]
"""The Flexi at work declarations recorded for some employer keys and not decided as far as
their recorder knows: (ticket, the flexiWage object as received, reception time in ISO)."""


class UpdateRegister:
    """Applies decisions and records notifications into the register, exactly once; into
    another schema when the register is rebuilt beside the live one."""

    def __init__(self, pool: ConnectionPool, schema: str = SCHEMA):
        self.pool = pool
        self.writer = RegisterWriter(pool, schema)

    def watermark(self, source: str = EVENT_STORE) -> int:
        """How far the register caught up from `source` (the event store, or SENT_LOG)."""
        return self.writer.watermark(source)

    def apply(self, decisions: Sequence[DeclarationDecided], position: int | None) -> None:
        with self.writer.transaction() as conn:
            self.apply_in(conn, decisions, position)

    def apply_in(self, conn: psycopg.Connection, decisions: Sequence[DeclarationDecided],
                 position: int | None) -> None:
        """Apply within the caller's transaction."""
        new = self.writer.first_seen(conn, [d.event_id for d in decisions])
        fresh = [d for d in decisions if d.event_id in new]
        if fresh:
            self.writer.write_decisions(conn, Rows.of(fresh))
        if position is not None:
            self.writer.set_watermark(conn, position)

    def apply_rows(self, conn: psycopg.Connection, rows: Rows, position: int) -> None:
        """Apply rows built elsewhere (a rebuild builds them in other processes) from
        decisions that were never applied here."""
        if len(self.writer.first_seen(conn, rows.event_ids)) != len(rows.event_ids):
            raise RuntimeError("a decision was applied twice to a fresh register")
        self.writer.write_decisions(conn, rows)
        self.writer.set_watermark(conn, position)

    def record(self, sent: Sequence[NotificationSent], position: int | None = None) -> None:
        with self.writer.transaction() as conn:
            self.record_in(conn, sent, position)

    def record_in(self, conn: psycopg.Connection, sent: Sequence[NotificationSent],
                  position: int | None) -> None:
        """Notifications into the register (seed 002's list of notifications); one seen
        before changes nothing. `position`: how far the notifier's log was read."""
        self.writer.write_notifications(conn, notification_rows(sent))
        if position is not None:
            self.writer.set_watermark(conn, position, SENT_LOG)


def catch_up_notifications(register: UpdateRegister, page: int = 5000) -> int:
    """Record what the notifier's log holds beyond the register's watermark (the embedded
    broker forgets everything when it stops); returns how many were read."""
    with register.pool.connection() as conn:
        return catch_up(SentLog(conn).after, register.watermark(SENT_LOG), register.record,
                        page)


class RegisterViews:
    """The register's views as its readers see them, over its queries."""

    def __init__(self, pool: ConnectionPool, schema: str = SCHEMA):
        self.pool = pool
        self.queries = RegisterQueries(pool, schema)

    def employer(self, number: str) -> dict:
        """The header of the result screens (seed 000: name, enterprise number, NSSO
        number) and the register keys of the employer."""
        found = directory.employer_by_number(self.pool, number.strip())
        employer_id = found.employer_id if found else None
        enterprise = found.enterprise_number if found else None
        return {"name": found.name if found else None, "employerId": employer_id,
                "enterpriseNumber": enterprise and enterprise.zfill(10),
                "keys": domain.register_keys(number.strip(), employer_id, enterprise)}

    def search(self, presentation: Presentation, employer: str, filters: Filters,
               page: Page = EVERY_ROW, month: str | None = None) -> dict:
        """A search of the register presented as a list of workers, a list of periods or
        a monthly overview; `total` counts every match, `items` holds the page."""
        header = self.employer(employer)
        keys = header["keys"]
        if presentation == "periods":
            total, rows = self.queries.periods(keys, filters, page)
            items = [domain.present_period(r) for r in rows]
        elif presentation == "workers":
            total, items = self.queries.workers(keys, filters, page)
        else:
            total, items = self.monthly(keys, filters, month, page)
        return {"employer": header, "criteria": criteria(filters, month), "total": total,
                "offset": page.offset, "limit": page.limit, "items": items}

    def monthly(self, keys: list[str], filters: Filters, month: str | None,
                page: Page = EVERY_ROW) -> tuple[int, list[dict]]:
        """The monthly overview: (how many workers, the page of them by name, each with
        its days). Only the page's workers and their periods are read."""
        if month is None:
            raise domain.BadQuery("the monthly overview needs a month (YYYY-MM)")
        if filters.active_from is not None:
            raise domain.BadQuery("the monthly overview covers its month: leave out the "
                                  "dates (today, from, to)")
        first, last = domain.month_bounds(month)
        total, ssins, periods = self.queries.monthly(
            keys, replace(filters, active_from=first, active_to=last), page)
        names = self.queries.workers_named(keys, ssins)
        return total, domain.monthly_overview(periods, names, first, last)

    def period(self, period_id: int) -> dict | None:
        """The period detail (seed 002, "Détail de la période")."""
        found = self.queries.period(period_id)
        if found is None:
            return None
        period = domain.present_period(found["period"])
        return {**found, "period": period,
                "declarations": [_listed(d, period) for d in found["declarations"]],
                "registrations": [domain.present_registration(r)
                                  for r in found["registrations"]]}

    def registrations(self, employer: str, filters: RegistrationFilters,
                      page: Page = EVERY_ROW) -> dict:
        """An employer's daily registrations, by start: `{employer, criteria, total,
        offset, limit, items}` as a search."""
        header = self.employer(employer)
        total, rows = self.queries.registrations(header["keys"], filters, page)
        chosen = {"periodId": filters.period_id, "startFrom": filters.start_from,
                  "startTo": filters.start_to}
        return {"employer": header, "criteria": {k: v.isoformat() if isinstance(v, date)
                                                 else v for k, v in chosen.items()
                                                 if v is not None},
                "total": total, "offset": page.offset, "limit": page.limit,
                "items": [domain.present_registration(r) for r in rows]}

    def presence(self, employer: str, quarter: str) -> dict:
        """The quarter's presence of the employer's fixed workers: per worker, the days with
        a daily registration and the hours registered (docs/adr/0009)."""
        first, last = domain.quarter_bounds(quarter)
        header = self.employer(employer)
        _, rows = self.queries.registrations(header["keys"], RegistrationFilters(
            start_from=first, start_to=last))
        names = self.queries.workers_named(header["keys"],
                                           sorted({r["ssin"] for r in rows if r["ssin"]}))
        workers = domain.presence(rows, names, first, last)
        return {"employer": header, "quarter": quarter.strip(), "from": first.isoformat(),
                "to": last.isoformat(), "workers": workers,
                "totals": domain.presence_totals(workers)}

    def declaration(self, declaration_id: int) -> dict | None:
        """The six parts of the declaration detail (seed 002, "Détails de la
        déclaration")."""
        found = self.queries.declaration(declaration_id)
        if found is None:
            return None
        d, period = found["declaration"], found["period"]
        return {"criteria": {"register": "full", "ssin": d["ssin"] or (
                    period and period["ssin"]), "periodId": d["aboutPeriodId"],
                    "declarationId": declaration_id},
                "worker": found["worker"],
                "period": period and domain.present_period(period),
                "technical": {"declarationId": declaration_id,
                              "declarationType": d["declarationType"],
                              "result": d["result"], "channel": d["channel"],
                              "receivedAt": d["receivedAt"], "declarant": d["declarant"],
                              "batchRef": d["batchRef"], "line": d["line"],
                              "anomalies": [a["code"] for a in d["anomalies"]],
                              **_registration_number(d)},
                "content": domain.declared_content(d["declaration"], period),
                "notifications": found["notifications"],
                "employerKey": d["employerKey"], **_registration_part(found),
                **_situation_part(d)}

    def declarations(self, employer: str, page: Page) -> dict:
        """An employer's decided declarations, newest first: `{employer, total, offset,
        limit, items}`, each item with its result, anomaly codes, worker and period."""
        header = self.employer(employer)
        total, rows = self.queries.employer_declarations(header["keys"], page)
        return {"employer": header, "total": total, "offset": page.offset,
                "limit": page.limit,
                "items": [{**r, "anomalies": [a["code"] for a in r["anomalies"]]}
                          for r in rows]}

    def quotas(self, employer: str, year: int, ssin: str | None = None,
               page: Page = EVERY_ROW) -> dict:
        """The employer's horeca days, and the students' hours and extras' days of its
        workers (or of one of them), used and left in a year, over every employer; `total`
        workers, the page's counted (by SSIN)."""
        header = self.employer(employer)
        keys = header["keys"]
        workers = self.queries.quota_workers(keys, year)
        if ssin is not None:
            workers = [s for s in workers if s == ssin]
        total = len(workers)
        workers = workers[page.offset:None if page.limit is None else page.offset + page.limit]
        hours = self.queries.quota_used("STUDENT", workers, year)
        days = self.queries.quota_used("HORECA_WORKER", workers, year)
        names = self.queries.workers_named(keys, workers)
        employer_days = sum(self.queries.quota_used("HORECA_EMPLOYER", keys, year).values())
        return {"employer": header, **domain.employer_quota(year, employer_days),
                "total": total, "workers": [{**domain.quotas(year, hours[s], days[s]),
                             **domain.names(names.get(s), s)} for s in workers]}


def _listed(d: dict, period: dict) -> dict:
    """A row of the period's list of declarations (seed 002, "Liste des DIMONA"); a daily
    registration's with its registration number and the dates and hours it gave."""
    content = domain.declared_content(d["declaration"], period)
    return {"declarationId": d["declarationId"], "declarationType": d["declarationType"],
            "receivedAt": d["receivedAt"], "result": d["result"],
            "anomalies": [a["code"] for a in d["anomalies"]],
            **{k: content[k] for k in ("startDate", "startHour", "endDate", "endHour",
                                       "plannedHoursNumber")}, **_registration_number(d)}


def _registration_number(d: dict) -> dict:
    """`registrationId` for a daily registration's declaration; nothing for a Dimona."""
    return {} if d["registrationId"] is None else {"registrationId": d["registrationId"]}


def _registration_part(found: dict) -> dict:
    """The registration a daily registration's declaration is about, as it is now."""
    registration = found.get("registration")
    return {} if registration is None else {
        "registration": domain.present_registration(registration)}


def _situation_part(d: dict) -> dict:
    """A Flexi at work declaration's situation key and the situation it left (after, or
    before when refused); nothing for the other declarations."""
    if d["situationKey"] is None:
        return {}
    return {"situationKey": d["situationKey"], "situation": d["situation"]}


def criteria(filters: Filters, month: str | None) -> dict:
    """The selection criteria recalled above every result (seed 000)."""
    chosen = {to_camel(k): (v.isoformat() if isinstance(v, date) else v)
              for k, v in vars(filters).items() if v not in (None, False)}
    if filters.active_from is None:
        chosen["register"] = "full"
    if month:
        chosen["month"] = month
    return chosen


class FlexiViews:
    """Flexi at work as its readers see it (docs/interface.md §9): an employer's transfers
    (those still pending from `pending`, intake's, the HTTP edge composes it), one ticket's
    decision, a flexi-jobber's details at an employer, and the income counter."""

    def __init__(self, register: RegisterViews, pending: Pending = lambda keys: [],
                 moment: datetime | None = None):
        """`moment`: the register's views are those of a past moment (Readers.flexi_at), and
        the directory is read as it stood then."""
        self.register, self.queries, self.pending = register, register.queries, pending
        self.moment = moment

    def transfers(self, employer: str, filters: FlexiFilters, page: Page = EVERY_ROW
                  ) -> dict:
        """`{employer, criteria, total, offset, limit, items}`: the decided transfers by
        ticket, then those still pending."""
        header = self.register.employer(employer)
        waiting = self._pending(header["keys"], filters)
        total, rows = self.queries.flexi_transfers(header["keys"], filters, page)
        items = [_transfer(r) for r in rows]
        if page.limit is None or len(items) < page.limit:
            skip = max(page.offset - total, 0)
            items += waiting[skip:None if page.limit is None
                             else skip + page.limit - len(items)]
        return {"employer": header, "criteria": filters.criteria(),
                "total": total + len(waiting), "offset": page.offset, "limit": page.limit,
                "items": items}

    def _pending(self, keys: list[str], filters: FlexiFilters) -> list[dict]:
        waiting = self.pending(keys)
        decided = self.queries.decided([ticket for ticket, _, _ in waiting])
        items = [flexi.transfer(ticket, declared, at, None) for ticket, declared, at
                 in sorted(waiting, key=lambda w: w[0]) if ticket not in decided]
        items = [i for i in items if filters.matches(i)]
        names = self.queries.workers_named(keys, sorted({i["ssin"] for i in items}))
        return [{**i, **{k: names.get(i["ssin"], {}).get(k) for k in ("familyName",
                                                                      "givenName")}}
                for i in items]

    def decision(self, ticket: int) -> dict | None:
        """A ticket's decision, `{ticket, action, result, anomalies, situationKey,
        situation, receivedAt}` (the situation after it, or before it when refused), with
        its `declarant` and `employerKey` beside it; None until decided."""
        row = self.queries.flexi_transfer(ticket)
        if row is None:
            return None
        declared = row["declared"]
        return {"answer": {"ticket": ticket, "action": declared["action"],
                           "result": row["result"],
                           "anomalies": [Anomaly.model_validate(a).to_result_json()
                                         for a in row["anomalies"]],
                           "situationKey": flexi.situation_key(declared),
                           "situation": row["situation"], "receivedAt": row["receivedAt"]},
                "declarant": row["declarant"], "employerKey": row["employerKey"]}

    def worker(self, employer: str, ssin: str) -> dict:
        """The details of a flexi-jobber at an employer (seed 004): its transfers ("Flexi at
        work"), its situations as they are now, and its Dimona periods there."""
        header = self.register.employer(employer)
        keys, filters = header["keys"], FlexiFilters(ssin=ssin)
        transfers = self.transfers(employer, filters)["items"]
        _, periods = self.queries.periods(keys, Filters(ssin=ssin))
        names = self.queries.workers_named(keys, [ssin]).get(ssin)
        return {"employer": header, "worker": domain.names(names, ssin),
                "flexiAtWork": transfers,
                "situations": [flexi.present_situation(s)
                               for s in self.queries.flexi_situations(keys, ssin)],
                "dimonaPeriods": [domain.present_period(p) for p in periods]}

    def income(self, ssin: str, year: int) -> dict:
        """The flexi-jobber's income of the year over every employer against the year's
        ceiling (none when retired, docs/adr/0010-flexi-at-work.md)."""
        totals, rows = self.queries.flexi_income(ssin, year)
        retirement = directory.flexi_retirement(self.register.pool, ssin, self.moment)
        found = flexi.income(rows, ssin, year, flexi_ceiling(year),
                             retirement and retirement.retired_from)
        # the counter is the register's sum (the same rows, one snapshot)
        return {**found, "wagesCents": totals["wagesCents"],
                "premiumsCents": totals["premiumsCents"],
                "totalCents": totals["wagesCents"] + totals["premiumsCents"]}


def _transfer(row: dict) -> dict:
    return flexi.transfer(row["ticket"], row["declared"], row["receivedAt"], row["result"],
                          row["anomalies"], row["situation"],
                          {"familyName": row["familyName"], "givenName": row["givenName"]})
