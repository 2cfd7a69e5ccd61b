"""The register's read use cases (issue 5): the three presentations of a search, the period
and declaration details, the quotas. Who may read what is the caller's to check (the HTTP
routes scope by token; the CLI on the stack's machine reads everything). A published module:
with it come the search's terms (Filters, Page, Presentation, BadQuery) and csv_rows, so that
a reader of the register needs nothing else of the package but services.projections.queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from psycopg_pool import ConnectionPool
from pydantic.alias_generators import to_camel

from services.directory import adapter as directory
from services.projections import domain
from services.projections.domain import EVERY_ROW, BadQuery, Filters, Page, Presentation, csv_rows
from services.projections.queries import RegisterQueries

__all__ = ["EVERY_ROW", "BadQuery", "Filters", "Page", "Presentation", "RegisterViews",
           "criteria", "csv_rows"]


class RegisterViews:
    """The register's views as its readers see them, over its queries."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool
        self.queries = RegisterQueries(pool)

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
            items = self.monthly(keys, filters, month)
            total = len(items)
            items = items[page.offset:None if page.limit is None else page.offset + page.limit]
        return {"employer": header, "criteria": criteria(filters, month), "total": total,
                "offset": page.offset, "limit": page.limit, "items": items}

    def monthly(self, keys: list[str], filters: Filters, month: str | None) -> list[dict]:
        if month is None:
            raise domain.BadQuery("the monthly overview needs a month (YYYY-MM)")
        if filters.active_from is not None:
            raise domain.BadQuery("the monthly overview covers its month: leave out the "
                                  "dates (today, from, to)")
        first, last = domain.month_bounds(month)
        _, periods = self.queries.periods(keys, replace(filters, active_from=first,
                                                       active_to=last))
        periods = [p for p in periods if p["ssin"] is not None]
        names = self.queries.workers_named(keys, sorted({p["ssin"] for p in periods}))
        return domain.monthly_overview(periods, names, first, last)

    def period(self, period_id: int) -> dict | None:
        """The period detail (seed 002, "Détail de la période")."""
        found = self.queries.period(period_id)
        if found is None:
            return None
        period = domain.present_period(found["period"])
        return {**found, "period": period,
                "declarations": [_listed(d, period) for d in found["declarations"]]}

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
                              "anomalies": [a["code"] for a in d["anomalies"]]},
                "content": domain.declared_content(d["declaration"], period),
                "notifications": found["notifications"],
                "employerKey": d["employerKey"]}

    def quotas(self, employer: str, year: int, ssin: str | None = None) -> dict:
        """The employer's horeca days, and the students' hours and extras' days of its
        workers (or of one of them), used and left in a year, over every employer."""
        header = self.employer(employer)
        keys = header["keys"]
        workers = self.queries.quota_workers(keys, year)
        if ssin is not None:
            workers = [s for s in workers if s == ssin]
        hours = self.queries.quota_used("STUDENT", workers, year)
        days = self.queries.quota_used("HORECA_WORKER", workers, year)
        names = self.queries.workers_named(keys, workers)
        employer_days = sum(self.queries.quota_used("HORECA_EMPLOYER", keys, year).values())
        return {"employer": header, **domain.employer_quota(year, employer_days),
                "workers": [{**domain.quotas(year, hours[s], days[s]),
                             **domain.names(names.get(s), s)} for s in workers]}


def _listed(d: dict, period: dict) -> dict:
    """A row of the period's list of declarations (seed 002, "Liste des DIMONA")."""
    content = domain.declared_content(d["declaration"], period)
    return {"declarationId": d["declarationId"], "declarationType": d["declarationType"],
            "receivedAt": d["receivedAt"], "result": d["result"],
            "anomalies": [a["code"] for a in d["anomalies"]],
            **{k: content[k] for k in ("startDate", "startHour", "endDate", "endHour",
                                       "plannedHoursNumber")}}


def criteria(filters: Filters, month: str | None) -> dict:
    """The selection criteria recalled above every result (seed 000)."""
    chosen = {to_camel(k): (v.isoformat() if isinstance(v, date) else v)
              for k, v in vars(filters).items() if v not in (None, False)}
    if filters.active_from is None:
        chosen["register"] = "full"
    if month:
        chosen["month"] = month
    return chosen


Register = RegisterViews  # re-export, removed after the move (intake, dimona.client)
