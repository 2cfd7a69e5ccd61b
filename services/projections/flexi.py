"""Flexi at work in the register (docs/interface.md §9; docs/adr/0010-flexi-at-work.md): the
search's filters, a transfer as its lists show it, and the flexi-jobber's income counter
against the yearly ceiling. Pure functions over rows the queries read
(services.projections.queries) and the decoded submissions still waiting; no SQL here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from schemas.ceilings import Ceiling

WAGE, PREMIUM = "0001001000", "0002001000"  # the financial elements' codes (DmfA 22, 23)
PENDING = "pending"  # a transfer recorded by intake, not decided yet ("in behandeling")
ACCEPTED = ("A", "W")


class BadFlexiQuery(ValueError):
    """A search that cannot be run (HTTP 400, CLI usage error)."""


@dataclass(frozen=True)
class FlexiFilters:
    """The search of an employer's transfers: one flexi-jobber, one income year, and the
    calculation periods that have a day between `start_from` and `start_to` (both or
    neither)."""

    ssin: str | None = None
    year: int | None = None
    start_from: date | None = None
    start_to: date | None = None

    def __post_init__(self) -> None:
        if (self.start_from is None) != (self.start_to is None):
            raise BadFlexiQuery("give both the first and the last day (from and to)")
        if self.start_from and self.start_to and self.start_from > self.start_to:
            raise BadFlexiQuery("the first day is after the last day")

    def matches(self, item: dict) -> bool:
        """The same selection as the register's SQL, for a transfer still pending."""
        if self.ssin is not None and item["ssin"] != self.ssin:
            return False
        if self.year is not None and item["year"] != self.year:
            return False
        if self.start_from is None:
            return True
        return (item["startDate"] is not None and item["endDate"] is not None
                and item["startDate"] <= self.start_to.isoformat()
                and item["endDate"] >= self.start_from.isoformat())

    def criteria(self) -> dict:
        chosen = {"ssin": self.ssin, "year": self.year,
                  "from": self.start_from and self.start_from.isoformat(),
                  "to": self.start_to and self.start_to.isoformat()}
        return {k: v for k, v in chosen.items() if v is not None}


def declared_totals(calculation: dict | None) -> tuple[int, int]:
    """(wages, premiums) in cents that a declared calculation gives: its financial elements
    of each code summed over its capacities (FLXWAGE instructions §5.3.6); an element
    without amount counts 0 (the validator refuses it)."""
    wages = premiums = 0
    for feature in (calculation or {}).get("features", []):
        for element in feature.get("financialElements", []):
            amount = element.get("amountCents") or 0
            if element["code"] == WAGE:
                wages += amount
            elif element["code"] == PREMIUM:
                premiums += amount
    return wages, premiums


def transfer(ticket: int, declared: dict, received_at: str, result: str | None,
             anomalies: Iterable[dict] = (), situation: dict | None = None,
             names: dict | None = None) -> dict:
    """A transfer as the lists show it. `declared`: the flexiWage object as received;
    `situation`: what it left (after, or before when refused; None while pending). An
    accepted transfer shows the situation it set; a refused or pending one what it
    declared (a cancel declares nothing: the situation it names)."""
    accepted = result in ACCEPTED and situation is not None
    calculation = declared.get("calculation")
    shown = (situation or {}).get("calculation") if accepted or calculation is None \
        else calculation
    wages, premiums = (situation["wagesCents"], situation["premiumsCents"]) if accepted \
        else declared_totals(shown)
    start = shown and shown["startDate"]
    year = situation["year"] if accepted or (start is None and situation) else (
        start and int(start[:4]))
    relation = declared["relation"]
    return {"ticket": ticket, "status": result or PENDING, "result": result,
            "action": declared["action"], "receivedAt": received_at,
            "anomalies": [a["code"] for a in anomalies],
            "situationKey": situation_key(declared), "debtor": declared["debtor"],
            "ssin": declared["beneficiary"]["ssin"],
            "familyName": (names or {}).get("familyName"),
            "givenName": (names or {}).get("givenName"),
            "relation": {"uuid": relation["uuid"].lower(),
                         "reference": relation.get("reference")},
            "payslipReference": declared.get("payslipReference"), "year": year,
            "startDate": start, "endDate": shown and shown["endDate"],
            "calculationDate": shown and shown["calculationDate"],
            "capacities": (shown or {}).get("features", []),
            "wagesCents": wages, "premiumsCents": premiums, "totalCents": wages + premiums,
            "cancelled": situation["cancelled"] if accepted else None,
            "version": situation["version"] if accepted else None}


def situation_key(declared: dict) -> str:
    """debtor:SSIN:relation UUID, as schemas.declaration.FlexiWage.situation_key."""
    debtor = declared["debtor"]
    key = (str(debtor["employerId"]) if debtor.get("employerId") is not None
           else str(debtor["enterpriseNumber"]).zfill(10))
    return f"{key}:{declared['beneficiary']['ssin']}:{declared['relation']['uuid'].lower()}"


def present_situation(row: dict) -> dict:
    """A row of register.flexi_situations as the worker's details and the income show it."""
    return {**row, "totalCents": row["wagesCents"] + row["premiumsCents"]}


def income(situations: Iterable[dict], ssin: str, year: int, ceiling: Ceiling | None,
           retired_from: date | None = None) -> dict:
    """A flexi-jobber's income counter of an income year over every employer: the wages
    and premiums of its situations of that year that are not cancelled (each situation's
    current amounts: a modify replaced them), against the year's ceiling.

    A retired flexi-jobber has no ceiling (FPS Finance): retirement is assessed at the time
    of the work, here the first day of a payslip's calculation period. A year that starts
    retired has no ceiling (`ceilingCents` None); in the year of retirement the payslips
    from the retirement on are counted in the income but not against the ceiling."""
    counted = [s for s in situations if s["year"] == year and not s["cancelled"]]
    wages = sum(s["wagesCents"] for s in counted)
    premiums = sum(s["premiumsCents"] for s in counted)
    retired_all_year = retired_from is not None and retired_from <= date(year, 1, 1)
    listed = [{**present_situation(s), "retired": _retired(s, year, retired_from)}
              for s in counted]
    subject = sum(s["totalCents"] for s in listed if not s["retired"])
    limit = None if retired_all_year or ceiling is None else ceiling.amount_cents
    return {"ssin": ssin, "year": year, "wagesCents": wages, "premiumsCents": premiums,
            "totalCents": wages + premiums,
            "retiredFrom": retired_from and retired_from.isoformat(),
            "subjectCents": subject, "ceilingCents": limit,
            "ceilingConfirmed": None if limit is None else ceiling.confirmed,
            "ceilingSource": None if limit is None else ceiling.source,
            "leftCents": None if limit is None else max(limit - subject, 0),
            "exceededCents": None if limit is None else max(subject - limit, 0),
            "situations": listed}


def _retired(s: dict, year: int, retired_from: date | None) -> bool:
    """Whether a payslip's work was done in retirement (its calculation period's start)."""
    if retired_from is None:
        return False
    start = s.get("startDate")
    return (date.fromisoformat(start) if start else date(year, 1, 1)) >= retired_from


def euros(cents: int | None) -> str:
    """Cents as euros for people: 9400 -> "94.00"."""
    if cents is None:
        return "-"
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


CSV_COLUMNS = ["status", "ticket", "action", "receivedAt", "ssin", "familyName", "givenName",
               "relationUuid", "relationReference", "payslipReference", "year", "startDate",
               "endDate", "calculationDate", "capacities", "wagesCents", "premiumsCents",
               "totalCents", "cancelled", "anomalies"]


def csv_row(item: dict) -> dict:
    """A transfer flattened for the CSV export: the relation in two columns, capacities as
    "-017/050-017/450-"."""
    return {**item, "relationUuid": item["relation"]["uuid"],
            "relationReference": item["relation"]["reference"],
            "capacities": [f"{c['employerCategory']}/{c['workerCode']}"
                           for c in item["capacities"]]}
