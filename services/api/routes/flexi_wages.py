"""Flexi at work (docs/interface.md §9): an employer, or its mandatary, transfers the wage
data of one payslip of a flexi-jobber; its decision, the employer's transfers, a
flexi-jobber's details, and (auditors only) a flexi-jobber's income over every employer.
Thin routes over intake's use case and the register's Flexi at work views."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import JSONResponse

from schemas.declaration import Declaration, FlexiWage
from services.api.access import Unauthorized
from services.api.deps import AccessDep, Body, Caller, DeclareDep, Reader, ReadersDep
from services.api.routes.declarations import IdempotencyKey, replayed_header
from services.api.routes.register import AsOf, Format, Limit, Offset, as_csv, at, check_employer
from services.intake.domain import Forbidden, Principal
from services.projections.application import FlexiFilters, Page

router = APIRouter(tags=["flexi at work"])
Ticket = Annotated[int, Path(ge=0, le=2**63 - 1)]
Ssin = Annotated[str, Path(pattern=r"^\d{1,20}$")]


def sender(who: Caller) -> Principal:
    """Flexi at work has no non-secured channel: the employer's token or its mandatary's."""
    if who.kind == "anonymous":
        raise Unauthorized("a Flexi at work transfer needs the bearer token of the employer "
                           "or of a declarant holding its mandate")
    return who


def auditor(who: Reader) -> Principal:
    if who.kind != "auditor":
        raise Forbidden("a flexi-jobber's income over every employer is read with an "
                        "auditor token")
    return who


@router.post("/flexi-wages", status_code=201)
def post_flexi_wage(situation: FlexiWage, who: Annotated[Principal, Depends(sender)],
                    body: Body, declare: DeclareDep, idempotency_key: IdempotencyKey = None):
    """Record one Flexi at work situation (create, modify or cancel): its ticket is the
    declaration number, assigned at once, in the Location header."""
    [ticket], replayed = declare(who, [Declaration(flexi_wage=situation)], idempotency_key,
                                 "POST /flexi-wages", body)
    return JSONResponse({"ticket": ticket}, status_code=201, headers={
        "Location": f"/flexi-wages/{ticket}", **replayed_header(replayed)})


@router.get("/flexi-wages")
def flexi_transfers(employer: str, who: Reader, access: AccessDep, readers: ReadersDep,
              ssin: Annotated[str | None, Query(pattern=r"^\d{1,20}$")] = None,
              year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
              from_: Annotated[date | None, Query(alias="from")] = None,
              to: date | None = None, limit: Limit = 100, offset: Offset = 0,
              format: Format = "json", as_of: AsOf = None):
    """An employer's transfers, decided ones by ticket then the pending ones:
    `{employer, criteria, total, offset, limit, items}`, or CSV with `format=csv`."""
    check_employer(access, who, employer)
    with readers.flexi_at(at(as_of), employer=employer) as views:
        found = views.transfers(employer, FlexiFilters(ssin, year, from_, to),
                                Page(limit, offset))
    return found if format == "json" else as_csv("flexi-wages", found["items"],
                                                 found["total"])


# Before /flexi-wages/{ticket}, which would take this path for a ticket.
@router.get("/flexi-wages/workers/{ssin}")
def flexi_worker(ssin: Ssin, employer: str, who: Reader, access: AccessDep, readers: ReadersDep,
                 as_of: AsOf = None):
    """A flexi-jobber's details at an employer: its transfers ("Flexi at work"), its
    situations as they are now (or were at `asOf`) and its Dimona periods there."""
    check_employer(access, who, employer)
    with readers.flexi_at(at(as_of), employer=employer) as views:
        return views.worker(employer, ssin)


@router.get("/flexi-wages/{ticket}")
def flexi_decision(ticket: Ticket, who: Reader, access: AccessDep, readers: ReadersDep,
                   as_of: AsOf = None):
    """404 until decided (or not the caller's to read), then `{ticket, action, result,
    anomalies, situationKey, situation, receivedAt}`."""
    with readers.flexi_at(at(as_of), declaration=ticket) as views:
        found = views.decision(ticket)
    if found is None or not (access.may_read(who, found["declarant"], found["employerKey"])
                             or access.may_read_employer(who, found["employerKey"])):
        raise HTTPException(404, "no decision for this ticket (yet)")
    return found["answer"]


@router.get("/flexi-income")
def flexi_income(ssin: Annotated[str, Query(pattern=r"^\d{1,20}$")],
           year: Annotated[int, Query(ge=1900, le=2999)],
           who: Annotated[Principal, Depends(auditor)], readers: ReadersDep,
           as_of: AsOf = None):
    """A flexi-jobber's wages and premiums of an income year over every employer, the
    year's ceiling and what is left of it (auditor tokens only)."""
    with readers.flexi_at(at(as_of), everyone=True) as views:
        return views.income(ssin, year)
