"""Builders of Flexi at work decisions (issue 23), as the validator records them: a situation
is named by debtor, SSIN and relation UUID; its ticket is the declaration number of the
declaration that last set it; a modify replaces the whole payslip, a cancel keeps it
cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from schemas.declaration import Calculation
from schemas.events import Anomaly, DeclarationDecided, SituationState, stable_id
from tests.unit.factories import submitted

KROON = 175110801
WORKER = "85073003328"
RELATION = "018e32eb-0d2e-7792-bea7-ef3dc24b404f"
TICKET = 680725500018
RECEIVED = datetime(2026, 8, 3, 8, 0, tzinfo=UTC)  # 10:00 in Brussels
WAGE, PREMIUM = "0001001000", "0002001000"


def calculation(wages: int = 9400, premiums: int | None = 5000, start: str = "2026-07-01",
                end: str = "2026-07-31", worker_code: str = "050") -> dict:
    """One payslip's calculation, as the JSON of docs/interface.md §9."""
    elements = [{"code": WAGE, "amountCents": wages}]
    if premiums is not None:
        elements.append({"code": PREMIUM, "amountCents": premiums, "frequencyMonths": 12})
    return {"startDate": start, "endDate": end,
            "calculationDate": (date.fromisoformat(end) + timedelta(days=2)).isoformat(),
            "features": [{"employerCategory": "017", "workerCode": worker_code,
                          "financialElements": elements}]}


def block(action: str = "create", calc: dict | None = None, *, debtor: int = KROON,
          ssin: str = WORKER, relation: str = RELATION, reference: str = "contract-12",
          payslip: str | None = "ABC123456789") -> dict:
    found = {"action": action, "debtor": {"employerId": debtor},
             "beneficiary": {"ssin": ssin}, "relation": {"uuid": relation,
                                                        "reference": reference}}
    if payslip is not None:
        found["payslipReference"] = payslip
    if calc is not None:
        found["calculation"] = calc
    return found


def state(calc: dict | None, *, ticket: int = TICKET, debtor: int = KROON, ssin: str = WORKER,
          relation: str = RELATION, cancelled: bool = False, version: int = 1,
          year: int | None = None) -> SituationState:
    c = Calculation.model_validate(calc) if calc is not None else None
    wages = premiums = 0
    for f in c.features if c else ():
        for e in f.financial_elements:
            wages += (e.amount_cents or 0) if e.code == WAGE else 0
            premiums += (e.amount_cents or 0) if e.code == PREMIUM else 0
    return SituationState(
        situation_key=f"{debtor}:{ssin}:{relation.lower()}", debtor_key=str(debtor),
        ssin=ssin, relation_uuid=relation.lower(), ticket=ticket,
        relation_reference="contract-12", payslip_reference="ABC123456789", calculation=c,
        year=year or (c.start_date.year if c else 2026), wages_cents=wages,
        premiums_cents=premiums, cancelled=cancelled, version=version)


def decided(ticket: int, flexi: dict, before: SituationState | None,
            after: SituationState | None, *, result: str = "A", codes: tuple[str, ...] = (),
            received: datetime = RECEIVED, declarant: str | None = "0403170701",
            batch_ref: str | None = None, line: int | None = None) -> DeclarationDecided:
    """A decision of a flexiWage `flexi`; refused (B), it leaves the situation as it was
    (no after)."""
    s = submitted({"flexiWage": flexi}, number=ticket, received=received,
                  employer_key=str(flexi["debtor"]["employerId"]), declarant=declarant)
    return DeclarationDecided(
        **s.model_dump(exclude={"event_type", "event_id", "origin", "schema_version",
                                "batch_ref", "line"}),
        event_id=stable_id("decided", ticket), declaration_type="FLEXI_WAGE", result=result,
        anomalies=tuple(Anomaly.of(c) for c in codes), situation_before=before,
        situation_after=None if result == "B" else after, batch_ref=batch_ref, line=line)


def create(calc: dict | None = None, *, ticket: int = TICKET, **options) -> DeclarationDecided:
    calc = calc or calculation()
    after = state(calc, ticket=ticket)
    return decided(ticket, block("create", calc), None, after, **options)


def modify(ticket: int, before: SituationState, calc: dict, **options) -> DeclarationDecided:
    after = state(calc, ticket=ticket, version=before.version + 1)
    return decided(ticket, block("modify", calc), before, after,
                   received=RECEIVED + timedelta(hours=ticket % 7 + 1), **options)


def cancel(ticket: int, before: SituationState, **options) -> DeclarationDecided:
    after = before.model_copy(update={"ticket": ticket, "cancelled": True,
                                      "version": before.version + 1})
    return decided(ticket, block("cancel", payslip=None), before, after,
                   received=RECEIVED + timedelta(hours=ticket % 7 + 2), **options)
