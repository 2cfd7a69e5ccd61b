"""Declaring from a web page: the page's fields become REST v2 declarations
(docs/interface.md §2), checked by the same model and recorded by intake's same use case
as every other channel, with the "secured web" channel (or "web-unsecured" for the
non-secured form). Errors come back by field, in plain words, for the page to show next
to its field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from schemas.declaration import Declaration
from services.intake.application import Declare
from services.intake.domain import Forbidden, Principal


@dataclass
class Refused(Exception):
    """What the page shows next to its fields: {JSON path of the field: message}, and a
    message for the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    message: str | None = None


def declarations_of(bodies: list[dict]) -> list[Declaration]:
    """The declarations, or Refused naming each wrong field by its JSON path (e.g.
    `dimonaIn.startDate`, or `0.dimonaIn.startDate` for the first of several)."""
    found, errors = [], {}
    for i, body in enumerate(bodies):
        try:
            found.append(Declaration.model_validate(body))
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                path = ".".join(str(p) for p in e["loc"]) or "form"
                key = path if len(bodies) == 1 else f"{i}.{path}"
                errors.setdefault(key, e["msg"].removeprefix("Value error, "))
    if errors:
        raise Refused(errors)
    return found


def declare(declare: Declare, who: Principal, bodies: list[dict], via: str) -> list[int]:
    """Records the declarations (one transaction); their numbers. Refused when a field is
    wrong or the declarant has no mandate for the employer."""
    declarations = declarations_of(bodies)
    body = json.dumps(bodies if len(bodies) > 1 else bodies[0])
    # the same form posted twice by one session (a double click, a reload of the POST)
    # records once: the second gets the first one's numbers (the Idempotency-Key of REST)
    key = hashlib.sha256(f"{who.token}\n{body}".encode()).hexdigest()[:40] if who.token else None
    try:
        numbers, _ = declare(who, declarations, key, via, body)
    except Forbidden as exc:
        raise Refused(message=str(exc)) from None
    return numbers
