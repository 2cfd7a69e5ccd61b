"""Intake's pure decisions: declaration numbers, batch lines, principals and what they may
do, the employer of a declaration, the names of the files of a batch."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO, Literal

from pydantic import ValidationError

from schemas.declaration import Declaration
from schemas.events import Channel

# The sequence part of a declaration number has 10 digits; numbers start here so that they
# look like the NSSO's (680725377630 in seed 000).
FIRST_SEQUENCE = 6_807_253_770
UNKNOWN_EMPLOYER = "unknown"
MAX_LINE_BYTES = 1 << 20  # one declaration is a few hundred bytes
EMPTY_LINE = "empty line"
NOT_JSON = "not valid JSON"
LINE_TOO_LONG = "line longer than"


class BadFile(ValueError):
    """A batch file that cannot be read at all (not UTF-8, empty): nothing of it is kept."""


class Forbidden(PermissionError):
    """The principal may not do this (HTTP 403)."""


def check_number(sequence: int) -> int:
    """Check number of a declaration number (zone 00913: 12 positions, the last two a check
    number). The NSSO's algorithm is not published (docs/sources.md §8.4): we use
    97 - (sequence mod 97), the scheme of the SSIN and the enterprise number (docs/adr/0002)."""
    return 97 - sequence % 97


def declaration_number(sequence: int) -> int:
    return sequence * 100 + check_number(sequence)


def is_declaration_number(number: int) -> bool:
    return 10**11 <= number < 10**12 and number % 100 == check_number(number // 100)


@dataclass(frozen=True)
class Principal:
    """Who calls: a declarant (bearer token or OAuth token), an auditor, or nobody (the
    non-secured channel)."""

    kind: Literal["declarant", "auditor", "anonymous"]
    name: str | None = None  # the declarant's enterprise number, or the auditor's name

    @property
    def declarant(self) -> str | None:
        return self.name if self.kind == "declarant" else None

    @property
    def channel(self) -> Channel:
        if self.kind != "declarant":
            return "web-unsecured"
        return "web" if self.web else "webservice"

    token: str | None = None
    """The identity of its bearer token (schemas.events.Origin.token), never the token."""
    web: bool = False
    """Signed in to the web pages (the "secured web" channel), not calling the REST API."""

    def check_may_write(self) -> None:
        if self.kind == "auditor":
            raise Forbidden("an auditor token reads; it cannot declare")

    def may_read(self, declarant: str | None, employer_enterprise_number: str | None) -> bool:
        """Auditors read everything; a declarant reads what it declared, and what anyone
        declared for itself as an employer. The non-secured channel reads nothing."""
        if self.kind == "auditor":
            return True
        if self.kind == "anonymous":
            return False
        return self.name in (declarant, (employer_enterprise_number or "").zfill(10))


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


def parse_line(text: str) -> Declaration:
    """One batch line -> a declaration; ValueError with a readable reason otherwise."""
    if not text.strip():
        raise ValueError(EMPTY_LINE)
    try:
        return Declaration.model_validate_json(text)
    except ValidationError as exc:
        raise ValueError(describe(exc)) from None


def read_lines(stream: BinaryIO, max_line_bytes: int = MAX_LINE_BYTES
               ) -> Iterator[tuple[int, Declaration | Rejected, str]]:
    """The lines of a JSON Lines file, one at a time (a file of any size is never held in
    memory): (number, a declaration or the reason it is not one, the line as received
    without its line end). Raises BadFile when the file is not UTF-8 or has nothing in it."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    blank = True
    number = 0
    while raw := stream.readline(max_line_bytes + 1):
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            _skip_rest_of_line(stream)
            blank = False
            yield number, Rejected(number, f"{LINE_TOO_LONG} {max_line_bytes} bytes"), ""
            continue
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise BadFile(f"the file is not UTF-8 (line {number}, byte {exc.start + 1})"
                          ) from None
        blank = blank and not text.strip()
        text = text.removesuffix("\n").removesuffix("\r")
        try:
            yield number, parse_line(text), text
        except ValueError as exc:
            yield number, Rejected(number, str(exc)), text
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BadFile(f"the file is not UTF-8 (line {number} ends inside a character)"
                      ) from None
    if blank:
        raise BadFile("the file is empty")


def sha256_of(stream: BinaryIO) -> str:
    """The SHA-256 of a file (with its name, what makes a batch a duplicate), read from
    the start; the stream is left at the start again."""
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while (chunk := stream.readline(1 << 16)) and not chunk.endswith(b"\n"):
        pass


def describe(exc: ValidationError) -> str:
    """A one-line reason naming each wrong field."""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "body"
        if err["type"] == "json_invalid":
            parts.append(NOT_JSON)
        else:
            parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)[:1000].replace("\x00", "\\u0000")  # PostgreSQL text has no NUL


def rejection_kind(reason: str) -> str:
    """The kind of a batch line's rejection (GET /metrics counts them by kind)."""
    if reason == EMPTY_LINE:
        return "empty_line"
    if reason == NOT_JSON:
        return "not_json"
    if reason.startswith(LINE_TOO_LONG):
        return "line_too_long"
    return "not_a_declaration"


def employer_key(declaration: Declaration, period_employers: Mapping[int, str]) -> str:
    """The employer of a declaration: its own (a Flexi at work situation's is its debtor,
    `own_employer`), else the one of the earlier declaration it is about (`refers_to`): the
    period, whose number intake gave to its IN, or the daily registration, whose number
    intake gave to its create; intake knows both employers."""
    if (own := declaration.own_employer) is not None:
        return own.key
    return period_employers.get(declaration.refers_to or 0, UNKNOWN_EMPLOYER)


def opens_something(declaration: Declaration) -> bool:
    """An IN opens a period, a registration's create a registration: later declarations
    name it by this declaration's number."""
    registration = declaration.daily_registration
    return declaration.dimona_in is not None or (
        registration is not None and registration.action == "create")


OUTBOX_SUFFIXES = {"ack": "ack.json", "results": "results.jsonl", "error": "error.json",
                   "duplicate": "duplicate.json"}


def outbox_name(file_name: str, ref: str, kind: str) -> str:
    """`<file>.<batch ref>.ack.json`, `<file>.<batch ref>.results.jsonl` (then
    `.results.2.jsonl`... with final results that came later), and for files of
    the inbox that were not taken, `<file>.<stamp>.error.json` or `.duplicate.json`: sorted
    next to each other, never overwriting the files of an earlier batch of the same name."""
    suffix = OUTBOX_SUFFIXES.get(kind) or f"{kind}.jsonl"  # results.2, results.3...
    return f"{safe_file_name(file_name)}.{ref}.{suffix}"


def safe_file_name(file_name: str) -> str:
    """A client-given file name, usable as one path component."""
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in file_name)[:120]
    return name.lstrip(".") or "batch"
