"""The anomaly catalogue (schemas/anomalies.json): every code the validator can emit."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["B", "NP"]


class CatalogueEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    severity: Severity
    nl: str
    fr: str
    en: str


@cache
def catalogue() -> dict[str, CatalogueEntry]:
    raw = json.loads(resources.files("schemas").joinpath("anomalies.json").read_text("utf-8"))
    return {e["code"]: CatalogueEntry(**e) for e in raw}


def entry(code: str) -> CatalogueEntry:
    """The catalogue entry of a code; KeyError when the catalogue lacks it."""
    return catalogue()[code]
