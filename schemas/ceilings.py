"""The yearly tax-free ceiling of a flexi-jobber's income, as data (schemas/flexi_ceilings.json;
docs/interface.md §9): the ceiling of an income year, whether its amount is confirmed, and
where it comes from."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


class Ceiling(BaseModel):
    """A ceiling in euro cents, in force from `from_year` until the next one's year."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)
    from_year: int = Field(alias="fromYear")
    amount_cents: int = Field(alias="amountCents", ge=0)
    confirmed: bool
    source: str


@cache
def ceilings() -> tuple[Ceiling, ...]:
    """Every ceiling of the data file, by year."""
    text = resources.files("schemas").joinpath("flexi_ceilings.json").read_text("utf-8")
    rows = [Ceiling.model_validate(c) for c in json.loads(text)["ceilings"]]
    return tuple(sorted(rows, key=lambda c: c.from_year))


def flexi_ceiling(year: int) -> Ceiling | None:
    """The ceiling of an income year: the last one in force from that year or before; None
    before the first (no ceiling is known for it)."""
    found = [c for c in ceilings() if c.from_year <= year]
    return found[-1] if found else None
