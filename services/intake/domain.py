"""Intake's pure decisions: declaration numbers, batch lines, the employer of a declaration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from schemas.declaration import Declaration

# The sequence part of a declaration number has 10 digits; numbers start here so that they
# look like the NSSO's (680725377630 in seed 000).
FIRST_SEQUENCE = 6_807_253_770
UNKNOWN_EMPLOYER = "unknown"


def check_number(sequence: int) -> int:
    """Check number of a declaration number (zone 00913: 12 positions, the last two a check
    number). The NSSO's algorithm is not published (dimona-facts §8.4): we use
    97 - (sequence mod 97), the scheme of the SSIN and the enterprise number (docs/adr/0002)."""
    return 97 - sequence % 97


def declaration_number(sequence: int) -> int:
    return sequence * 100 + check_number(sequence)


def is_declaration_number(number: int) -> bool:
    return 10**11 <= number < 10**12 and number % 100 == check_number(number // 100)


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


def parse_line(text: str) -> Declaration:
    """One batch line -> a declaration; ValueError with a readable reason otherwise."""
    if not text.strip():
        raise ValueError("empty line")
    try:
        return Declaration.model_validate_json(text)
    except ValidationError as exc:
        raise ValueError(describe(exc)) from None


def parse_lines(lines: Iterable[str]) -> tuple[list[tuple[int, Declaration]], list[Rejected]]:
    good: list[tuple[int, Declaration]] = []
    bad: list[Rejected] = []
    for number, text in enumerate(lines, start=1):
        try:
            good.append((number, parse_line(text)))
        except ValueError as exc:
            bad.append(Rejected(number, str(exc)))
    return good, bad


def describe(exc: ValidationError) -> str:
    """A one-line reason naming each wrong field."""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "body"
        if err["type"] == "json_invalid":
            parts.append("not valid JSON")
        else:
            parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)[:1000]


def problems(exc: ValidationError) -> list[dict]:
    """The wrong fields, for a problem+json body."""
    return [{"in": "body", "name": ".".join(str(p) for p in err["loc"]) or "body",
             "detail": err["msg"]}
            for err in exc.errors(include_url=False)]


def employer_key(declaration: Declaration, period_employers: Mapping[int, str]) -> str:
    """The employer of a declaration: its own, else the one of the period it is about
    (intake assigned the period number to the IN, so it knows that period's employer)."""
    if declaration.employer is not None:
        return declaration.employer.key
    return period_employers.get(declaration.period_id or 0, UNKNOWN_EMPLOYER)


def file_lines(data: bytes) -> list[str]:
    """The lines of a JSON Lines file; raises ValueError when the file is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 (byte {exc.start})") from None
    return text.splitlines()

