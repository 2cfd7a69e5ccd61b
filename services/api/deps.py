"""What the routes are given (FastAPI's `Depends`): the collaborators the lifespan (or a
test) put in `app.state.services`, and the caller of a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from services.api.access import Access, Unauthorized
from services.api.metrics import Metrics
from services.api.readers import Readers
from services.intake.application import Declare, Intake
from services.intake.domain import Forbidden, Principal
from services.intake.official_files import OfficialFiles


@dataclass(frozen=True)
class Services:
    """The collaborators of the routes: intake's use cases, who may do what, the read side."""

    intake: Intake
    access: Access
    readers: Readers
    files: OfficialFiles | None = None
    """The official batch files (XML), where the API runs intake's jobs."""


def services(request: Request) -> Services:
    return request.app.state.services


def intake(request: Request) -> Intake:
    return services(request).intake


def official_files(request: Request) -> OfficialFiles:
    found = services(request).files
    if found is None:
        raise RuntimeError("this API was started without the official batch files")
    return found


def access(request: Request) -> Access:
    return services(request).access


def readers(request: Request) -> Readers:
    return services(request).readers


def declare(request: Request) -> Declare:
    """A principal declares (idempotency keys, mandates), recorded by intake."""
    found = services(request)
    return Declare(found.intake, found.access.check_may_declare)


def metrics(request: Request) -> Metrics:
    return request.app.state.metrics


IntakeDep = Annotated[Intake, Depends(intake)]
OfficialFilesDep = Annotated[OfficialFiles, Depends(official_files)]
AccessDep = Annotated[Access, Depends(access)]
ReadersDep = Annotated[Readers, Depends(readers)]
DeclareDep = Annotated[Declare, Depends(declare)]
MetricsDep = Annotated[Metrics, Depends(metrics)]


def caller(access: AccessDep, authorization: Annotated[str | None, Header()] = None
           ) -> Principal:
    """Who calls, from the Authorization header (none: the non-secured channel)."""
    return access.principal(authorization)


def reader(who: Annotated[Principal, Depends(caller)]) -> Principal:
    """A caller with a bearer token: reading needs one."""
    if who.kind == "anonymous":
        raise Unauthorized("reading needs a bearer token")
    return who


def auditor(who: Annotated[Principal, Depends(reader)]) -> Principal:
    if who.kind != "auditor":
        raise Forbidden("the audit log is read with an auditor token")
    return who


async def body_text(request: Request) -> str:
    """The request body as received (FastAPI has read it already), for the audit log."""
    return (await request.body()).decode("utf-8", "replace")


Caller = Annotated[Principal, Depends(caller)]
Reader = Annotated[Principal, Depends(reader)]
Auditor = Annotated[Principal, Depends(auditor)]
Body = Annotated[str, Depends(body_text)]
