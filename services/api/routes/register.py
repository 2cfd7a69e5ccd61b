"""The register's HTTP read endpoints (docs/interface.md §7, mirroring `dimona register`),
scoped to what the token may see: its own employer, its mandators, everything for an
auditor. Anything else answers 404, as if it did not exist."""

import csv
import io
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response

from services.api.access import Access
from services.api.deps import AccessDep, Reader, ReadersDep
from services.intake.domain import Principal
from services.projections.application import (
    Filters,
    Page,
    RegistrationFilters,
    csv_rows,
    moment,
)

router = APIRouter(prefix="/register", tags=["register"])
Id = Annotated[int, Path(ge=0, le=2**63 - 1)]
Limit = Annotated[int, Query(ge=1, le=10_000)]
Offset = Annotated[int, Query(ge=0)]
Format = Literal["json", "csv"]
AsOf = Annotated[datetime | None, Query(
    alias="asOf", description="The register as it stood at this moment (ISO 8601; Brussels "
    "time without an offset), replayed from the event store.")]


def at(as_of: datetime | None) -> datetime | None:
    return None if as_of is None else moment(as_of)


def search_filters(ssin: str | None = None, name: str | None = None, today: bool = False,
                   from_: Annotated[date | None, Query(alias="from")] = None,
                   to: date | None = None, jc: str | None = None,
                   worker_type: Annotated[str | None, Query(alias="workerType")] = None,
                   user: str | None = None,
                   exclude_cancelled: Annotated[bool, Query(alias="excludeCancelled")] = False,
                   period: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None
                   ) -> Filters:
    """The search screen's filters as query parameters (`today`, or `from` and `to`;
    neither: the full register)."""
    active = Filters.today() if today else (from_, to)
    return Filters(ssin=ssin, name=name, active_from=active[0], active_to=active[1],
                   joint_commission_number=jc, worker_type=worker_type,
                   user_enterprise_number=user, exclude_cancelled=exclude_cancelled,
                   period_id=period)


def check_employer(access: Access, who: Principal, employer: str) -> None:
    if not access.may_read_employer(who, employer):
        raise HTTPException(404, f"no register of employer {employer} for this token")


def as_csv(name: str, items: list[dict], total: int) -> Response:
    """A register export: a header row, then the rows (`X-Total-Count`: every match)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(csv_rows(name, items))
    return Response(text.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"',
        "X-Total-Count": str(total)})


# Before /{presentation}, which would take these paths for searches.
@router.get("/registrations")
def registrations(employer: str, who: Reader, access: AccessDep, readers: ReadersDep,
                  period: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
                  from_: Annotated[date | None, Query(alias="from")] = None,
                  to: date | None = None, limit: Limit = 100, offset: Offset = 0,
                  format: Format = "json", as_of: AsOf = None):
    """An employer's daily registrations, by start (of one period; starting between `from`
    and `to`): `{employer, criteria, total, offset, limit, items}`, or CSV."""
    check_employer(access, who, employer)
    with readers.register_at(at(as_of), employer=employer) as views:
        found = views.registrations(employer, RegistrationFilters(period, from_, to),
                                    Page(limit, offset))
    return found if format == "json" else as_csv("registrations", found["items"],
                                                 found["total"])


@router.get("/presence")
def presence(employer: str, quarter: Annotated[str, Query(pattern=r"^\d{4}Q[1-4]$")],
             who: Reader, access: AccessDep, readers: ReadersDep, format: Format = "json",
             as_of: AsOf = None):
    """The quarter's presence of an employer's fixed workers (`quarter=2026Q3`): per worker,
    the days with a daily registration and the hours registered; CSV: one row per worker
    and day (`X-Total-Count`: the workers)."""
    check_employer(access, who, employer)
    with readers.register_at(at(as_of), employer=employer) as views:
        found = views.presence(employer, quarter)
    return found if format == "json" else as_csv("presence", found["workers"],
                                                 len(found["workers"]))


@router.get("/{presentation}")
def search(presentation: Literal["workers", "periods", "monthly"], employer: str,
           who: Reader, access: AccessDep, readers: ReadersDep,
           filters: Annotated[Filters, Depends(search_filters)],
           month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
           limit: Limit = 100, offset: Offset = 0, format: Format = "json",
           as_of: AsOf = None):
    """A search of an employer's register, as a list of workers, a list of periods or
    (with `month`) a monthly overview: `{employer, criteria, total, offset, limit,
    items}`, or CSV with `format=csv`."""
    check_employer(access, who, employer)
    with readers.register_at(at(as_of), employer=employer) as views:
        found = views.search(presentation, employer, filters, Page(limit, offset), month)
    return found if format == "json" else as_csv(presentation, found["items"],
                                                 found["total"])


@router.get("/periods/{period_id}")
def period(period_id: Id, who: Reader, access: AccessDep, readers: ReadersDep,
           as_of: AsOf = None):
    """The period detail: the period, its worker, its declarations, its notifications."""
    with readers.register_at(at(as_of), declaration=period_id) as views:
        found = views.period(period_id)
    if found is None or not access.may_read_employer(who, found["period"]["employerKey"]):
        raise HTTPException(404, "no such period")
    return found


@router.get("/declarations/{declaration_id}")
def declaration(declaration_id: Id, who: Reader, access: AccessDep, readers: ReadersDep,
                as_of: AsOf = None):
    """The declaration detail in the six parts of seed 002."""
    with readers.register_at(at(as_of), declaration=declaration_id) as views:
        found = views.declaration(declaration_id)
    if found is None or not (
            access.may_read(who, found["technical"]["declarant"], found["employerKey"])
            or access.may_read_employer(who, found["employerKey"])):
        raise HTTPException(404, "no such declaration (yet)")
    return found


@router.get("/quotas/{employer}")
def quotas(employer: str, who: Reader, access: AccessDep, readers: ReadersDep,
           ssin: str | None = None,
           year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
           as_of: AsOf = None):
    """Students' hours and horeca extras' days used and left in a year (this year by
    default), for the employer's workers or one of them (as of a moment: every employer's
    history is replayed, as the quotas count over every employer)."""
    check_employer(access, who, employer)
    with readers.register_at(at(as_of), everyone=True) as views:
        return views.quotas(employer, year or date.today().year, ssin)
