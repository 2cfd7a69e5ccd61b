"""An employer's choices over HTTP (docs/interface.md §6-§7): the system of its daily
registrations, chosen by the employer itself or by a declarant holding its mandate today.
The choice is recorded in the directory, dated, and read by the validator as of each
registration's reception."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, ConfigDict

from services.api.access import Unauthorized
from services.api.deps import AccessDep, Caller, IntakeDep
from services.directory import adapter as directory
from services.directory.domain import (
    DAILY_REGISTRATION_SYSTEMS,
    DirectoryEmployer,
    SystemChoice,
    choice_json,
)
from services.intake.domain import Principal

router = APIRouter(prefix="/employers", tags=["employers"])


class SystemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: str
    """`dimona` or `dimona+cashRegister`; anything else answers 422."""


class DailyRegistrationSystems:
    """The route's collaborator: the directory's employers and their recorded choices, the
    time of a choice from intake's clock (the one that stamps receptions)."""

    def __init__(self, pool: ConnectionPool, clock: Callable[[], datetime]):
        self.pool, self.clock = pool, clock

    def employer(self, number: str) -> DirectoryEmployer | None:
        return directory.employer_by_number(self.pool, number)

    def choose(self, employer: DirectoryEmployer, system: str, chosen_by: str
               ) -> SystemChoice:
        return directory.record_system_choice(self.pool, employer.key, system, chosen_by,
                                              self.clock())


def systems(access: AccessDep, intake: IntakeDep) -> DailyRegistrationSystems:
    return DailyRegistrationSystems(access.pool, intake.clock)


def chooser(who: Caller) -> Principal:
    """A caller with a bearer token: a choice is made by someone."""
    if who.kind == "anonymous":
        raise Unauthorized("choosing a system needs a bearer token")
    return who


Systems = Annotated[DailyRegistrationSystems, Depends(systems)]
Chooser = Annotated[Principal, Depends(chooser)]


@router.put("/{employer_id}/daily-registration-system")
def choose_daily_registration_system(employer_id: str, body: SystemBody, who: Chooser,
                                     access: AccessDep, systems: Systems) -> dict:
    """Record the employer's system for its daily registrations (NSSO or enterprise
    number): `{employerId, system, chosenAt}`. A later choice replaces it from then on."""
    employer = systems.employer(employer_id) if employer_id.isdigit() else None
    if employer is None:
        raise HTTPException(404, f"no employer {employer_id} in the directory")
    access.check_acts_for(who, employer)
    if body.system not in DAILY_REGISTRATION_SYSTEMS:
        raise HTTPException(422, f"system must be one of {', '.join(DAILY_REGISTRATION_SYSTEMS)}")
    return choice_json(employer, systems.choose(employer, body.system, who.name))
