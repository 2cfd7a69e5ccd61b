"""Reference tables as data (schemas/worker_types.json): joint committees and worker types."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


class WorkerType(BaseModel):
    """What a worker type requires in a Dimona IN (docs/sources.md §6)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)
    label: str
    valid_from: date | None = Field(None, alias="from")
    valid_until: date | None = Field(None, alias="until")
    end_date: bool = Field(False, alias="endDate")
    hours: bool = False
    planned_hours: bool = Field(False, alias="plannedHours")
    same_quarter: bool = Field(False, alias="sameQuarter")
    end_is_start: bool = Field(False, alias="endIsStart")
    ssin_required: bool = Field(False, alias="ssinRequired")

    def declarable_on(self, day: date) -> bool:
        return ((self.valid_from is None or day >= self.valid_from)
                and (self.valid_until is None or day <= self.valid_until))


class Reference(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)
    joint_committees: dict[str, str] = Field(alias="jointCommittees")
    worker_types: dict[str, WorkerType] = Field(alias="workerTypes")
    allowed: dict[str, frozenset[str]]
    ext_user_joint_committees: frozenset[str] = Field(alias="extUserJointCommittees")

    def worker_type(self, code: str) -> WorkerType | None:
        return self.worker_types.get(code)


@cache
def reference() -> Reference:
    text = resources.files("schemas").joinpath("worker_types.json").read_text("utf-8")
    return Reference.model_validate(json.loads(text))
