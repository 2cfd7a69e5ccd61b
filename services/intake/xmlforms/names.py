"""File names and folders of the official batch channel (docs/sources.md §13).

A sender drops three files in its folder: the declarations `FI.<purpose>.<sender>.
<YYYYMMDD>.<sequence>.<environment>.<parts>.<part>`, their signature `FS.` (same name), and
an empty trigger `GO.<purpose>.<sender>.<YYYYMMDD>.<sequence>.<environment>.<parts>`.
Purpose `DIMN` is Dimona, `FLEX` Flexi at work. The environment is `R` (production, folder
`IN`), `T` (test, `INTEST`) or `S` (simulation, `INTEST-S`; not for Flexi at work). Social
security answers, under sender number 999999, in `OUT`, `OUTTEST`, `OUTTEST-S`:
`FO.ACRF.999999.<YYYYMMDD>.<sequence>.<environment>` and `FO.NOTI....` (with `.FLEX` at the
end for Flexi at work), each with its `FS.` and `GO.`.

Every refusal is a FileNameError whose `code` is the Annex 30 code that the ACRF returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from services.intake.xmlforms.errors import FileNameError

SOCIAL_SECURITY_SENDER = "999999"
PURPOSES = ("DIMN", "FLEX")
INPUT_PREFIXES = ("FI", "FS", "GO")
OUTPUT_PREFIXES = ("FO", "FS", "GO", "CO")
OUTPUT_KINDS = ("ACRF", "NOTI")
INPUT_FOLDERS = {"R": "IN", "T": "INTEST", "S": "INTEST-S"}
OUTPUT_FOLDERS = {"R": "OUT", "T": "OUTTEST", "S": "OUTTEST-S"}
WRONG_FOLDER = {"R": "118", "T": "119", "S": "257"}
STRUCTURE = {"FI": "131", "FS": "132", "GO": "107"}
NUMBERING = {"FI": "123", "FS": "124"}
_SENDER = re.compile(r"\d{6}")
_SEQUENCE = re.compile(r"[0-9A-Z]{5}")


@dataclass(frozen=True)
class InputName:
    """The name of a file a sender sends; str() spells it."""

    prefix: str
    purpose: str
    sender: str
    created: date
    sequence: str
    environment: str
    parts: int = 1
    part: int | None = 1
    """The part number; None for a GO file, which names the whole set."""

    def __str__(self) -> str:
        name = (f"{self.prefix}.{self.purpose}.{self.sender}.{self.created:%Y%m%d}."
                f"{self.sequence}.{self.environment}.{self.parts}")
        return name if self.part is None else f"{name}.{self.part}"

    @property
    def folder(self) -> str:
        """The folder it must be sent to."""
        return INPUT_FOLDERS[self.environment]

    @property
    def flexi(self) -> bool:
        return self.purpose == "FLEX"

    def signature(self) -> InputName:
        """The FS file of an FI file."""
        return replace(self, prefix="FS", part=self.part or 1)

    def trigger(self) -> InputName:
        """The GO file of the set."""
        return replace(self, prefix="GO", part=None)

    def declarations(self, part: int = 1) -> InputName:
        """The FI file (of one part) of the set."""
        return replace(self, prefix="FI", part=part)


def input_name(purpose: str, sender: str, created: date, sequence: str, environment: str,
               *, parts: int = 1, part: int | None = 1, prefix: str = "FI") -> InputName:
    """Builds a name, checked as parse_input_name checks it."""
    name = InputName(prefix, purpose, sender, created, sequence, environment, parts, part)
    return parse_input_name(str(name))


def parse_input_name(name: str, *, sender: str | None = None, today: date | None = None
                     ) -> InputName:
    """An FI, FS or GO name, or FileNameError with its code. `sender`: the number the
    channel belongs to (108 when the name has another); `today`: a date in the name after
    it is refused (111)."""
    fields = name.split(".")
    prefix = fields[0]
    if prefix not in INPUT_PREFIXES:
        raise FileNameError("129", f"{name}: the prefix is not FI, FS or GO")
    if len(fields) != (7 if prefix == "GO" else 8):
        raise FileNameError(STRUCTURE[prefix], f"{name}: not {_shape(prefix)}")
    purpose, number, created, sequence, environment, *counts = fields[1:]
    if purpose not in PURPOSES:
        raise FileNameError("129", f"{name}: purpose {purpose!r} is not DIMN or FLEX")
    _check_sender(name, prefix, number, sender)
    day = _check_date(name, created, today)
    _check_sequence(name, sequence)
    _check_environment(name, environment, purpose)
    parts, part = _check_counts(name, prefix, counts)
    return InputName(prefix, purpose, number, day, sequence, environment, parts, part)


def check_folder(name: InputName, folder: str) -> None:
    """A file sent to another folder than its environment's: 118 (R), 119 (T), 257 (S)."""
    if folder.strip("/").upper() != name.folder:
        raise FileNameError(WRONG_FOLDER[name.environment],
                            f"{name}: environment {name.environment} files go to "
                            f"{name.folder}, not {folder}")


def _shape(prefix: str) -> str:
    tail = "<parts>" if prefix == "GO" else "<parts>.<part>"
    return f"{prefix}.<purpose>.<sender>.<YYYYMMDD>.<sequence>.<R|T|S>.{tail}"


def _check_sender(name: str, prefix: str, number: str, expected: str | None) -> None:
    if not _SENDER.fullmatch(number) or number == "000000":
        raise FileNameError(STRUCTURE[prefix], f"{name}: sender {number!r} is not 6 digits "
                                               "from 000001 to 999999")
    if expected is not None and number != expected:
        raise FileNameError("108", f"{name}: sender {number} is not this channel's "
                                   f"({expected})")


def _check_date(name: str, text: str, today: date | None) -> date:
    if len(text) != 8:
        raise FileNameError("109", f"{name}: the date {text!r} is not 8 positions")
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise FileNameError("110", f"{name}: the date {text!r} is not YYYYMMDD") from None
    if today is not None and day > today:
        raise FileNameError("111", f"{name}: the date {text} is after today ({today})")
    return day


def _check_sequence(name: str, sequence: str) -> None:
    if len(sequence) != 5:
        raise FileNameError("112", f"{name}: the sequence {sequence!r} is not 5 positions")
    if not _SEQUENCE.fullmatch(sequence):
        raise FileNameError("367", f"{name}: the sequence {sequence!r} has a character "
                                   "other than 0-9 and A-Z")
    if sequence == "00000":
        raise FileNameError("127", f"{name}: the sequence is zero")


def _check_environment(name: str, environment: str, purpose: str) -> None:
    if environment not in INPUT_FOLDERS:
        raise FileNameError("117", f"{name}: the environment {environment!r} is not T, R "
                                   "or S")
    if purpose == "FLEX" and environment == "S":
        raise FileNameError("117", f"{name}: Flexi at work has no simulation environment "
                                   "(R or T)")


def _check_counts(name: str, prefix: str, counts: list[str]) -> tuple[int, int | None]:
    parts = _count(name, counts[0], "number of parts")
    if prefix == "GO":
        return parts, None
    part = _count(name, counts[1], "part number")
    if part > parts:
        raise FileNameError(NUMBERING[prefix], f"{name}: part {part} of {parts}")
    return parts, part


def _count(name: str, text: str, what: str) -> int:
    if len(text) != 1:
        raise FileNameError("114", f"{name}: the {what} {text!r} is not 1 position")
    if not text.isdigit():
        raise FileNameError("115", f"{name}: the {what} {text!r} is not numeric")
    if text == "0":
        raise FileNameError("116", f"{name}: the {what} is zero")
    return int(text)


@dataclass(frozen=True)
class OutputName:
    """The name of a file social security returns (ACRF, NOTI); str() spells it."""

    kind: str
    created: date
    sequence: str
    environment: str
    flexi: bool = False
    prefix: str = "FO"

    def __str__(self) -> str:
        name = (f"{self.prefix}.{self.kind}.{SOCIAL_SECURITY_SENDER}.{self.created:%Y%m%d}."
                f"{self.sequence}.{self.environment}")
        return f"{name}.FLEX" if self.flexi else name

    @property
    def folder(self) -> str:
        return OUTPUT_FOLDERS[self.environment]

    def triplet(self) -> tuple[OutputName, OutputName, OutputName]:
        """The FO (content), FS (signature) and GO (trigger) files."""
        return tuple(replace(self, prefix=p) for p in ("FO", "FS", "GO"))  # type: ignore[return-value]


def output_name(kind: str, created: date, sequence: str, environment: str, *,
                flexi: bool = False, prefix: str = "FO") -> OutputName:
    """Builds an ACRF or NOTI name, checked as parse_output_name checks it."""
    return parse_output_name(str(OutputName(kind, created, sequence, environment, flexi,
                                            prefix)))


def parse_output_name(name: str) -> OutputName:
    """`FO|FS|GO|CO.ACRF|NOTI.999999.<YYYYMMDD>.<sequence>.<R|T|S>[.FLEX]`."""
    fields = name.split(".")
    flexi = len(fields) == 7 and fields[6] == "FLEX"
    if len(fields) != (7 if flexi else 6) or fields[0] not in OUTPUT_PREFIXES:
        raise FileNameError("131", f"{name}: not <FO|FS|GO|CO>.<ACRF|NOTI>.999999."
                                   "<YYYYMMDD>.<sequence>.<R|T|S>[.FLEX]")
    prefix, kind, sender, created, sequence, environment = fields[:6]
    if kind not in OUTPUT_KINDS:
        raise FileNameError("129", f"{name}: {kind!r} is not ACRF or NOTI")
    if sender != SOCIAL_SECURITY_SENDER:
        raise FileNameError("108", f"{name}: sender {sender!r} is not 999999")
    day = _check_date(name, created, None)
    _check_sequence(name, sequence)
    _check_environment(name, environment, "FLEX" if flexi else "DIMN")
    return OutputName(kind, day, sequence, environment, flexi, prefix)
