"""The official batch files (docs/interface.md §10, docs/adr/0011-official-batch-files.md):
a sender's file set checked, recorded and acknowledged by an ACRF (`OfficialFiles`), then
its forms answered by NOTIFICATION files as their results come (`Notifications`).

The files come from the sender folders (services.intake.sftp_folders), from POST /batches
with an XML body, or from `dimona submit`. The answers are written in the sender's
`OUT`, `OUTTEST` or `OUTTEST-S` folder under `DIMONA_SFTP_DIR`: each `FO.` file is written
beside, renamed into place, then followed by its empty `GO.` file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import secrets
import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from schemas.events import DeclarationDecided, Origin
from services.directory.domain import Declarant
from services.intake.adapter import IntakeStore, OpenXmlFile, Recording, XmlFile
from services.intake.application import Intake, chunks
from services.intake.xmlforms import (
    FileError,
    FileNameError,
    HandledFile,
    Notice,
    acrf,
    read_dimona,
    read_flxwage,
    write_notifications,
)
from services.intake.xmlforms.errors import FileMissing, FormRefused, LimitExceeded, SenderUnknown
from services.intake.xmlforms.names import (
    INPUT_FOLDERS,
    InputName,
    OutputName,
    check_folder,
    parse_input_name,
    parse_output_name,
)
from services.intake.xmlforms.read import FormResult, form_echo
from services.intake.xmlforms.signature import verify_signature
from services.notifier.queries import ReturnEntries

log = logging.getLogger("dimona.intake")
BRUSSELS = ZoneInfo("Europe/Brussels")
ENVIRONMENT_OF_FOLDER = {folder: env for env, folder in INPUT_FOLDERS.items()}
TICKET_ALPHABET = string.digits + string.ascii_uppercase
SENDER_ID = re.compile(r"[0-9]{6}")
SFTP, WEBSERVICE = "14", "13"  # FileReceptionInformation/Channel (zone 00737)
# What the declarations of one process wait for: (decisions, origin) by declaration number.
Decisions = Callable[[list[int]], dict[int, tuple[list[DeclarationDecided], dict | None]]]


@dataclass(frozen=True)
class FileSet:
    """What came in for one GO (or one HTTP request): the set's name and its files."""

    sender_id: str
    name: str
    """The GO name; over HTTP, the FI name."""
    folder: str | None
    """The folder it was found in (IN, INTEST, INTEST-S); None over HTTP."""
    parts: Sequence[Path] = ()
    """The FI file of each part, in part order (missing parts left out)."""
    signatures: Sequence[Path | None] = ()
    """The FS file of each part found (None where there is none)."""
    via: str = "sftp"
    channel: str = SFTP
    token: str | None = None
    """Over HTTP, the identity of the bearer token (schemas.events.Origin.token)."""


@dataclass(frozen=True)
class Answer:
    """The ACRF of a file set: its ticket, and its error codes (none when accepted)."""

    ticket: str
    errors: list[str]
    detail: str
    acrf: Path
    summary: dict | None = None

    @property
    def accepted(self) -> bool:
        return not self.errors


def new_ticket() -> str:
    """A file's reference (the ACRF's FileReference/ReferenceNbr): 13 characters of 0-9
    and A-Z, as the tickets of the ACRFs seen in public integrations."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(13))


def sequence_text(number: int) -> str:
    """The 5-character sequence of a returned file: 00001 to 99999, then A0000, A0001...
    (alphanumeric once the digits are used up, as social security's own files do)."""
    if number <= 99_999:
        return f"{number:05d}"
    number -= 100_000
    letter, rest = divmod(number, 36**4)
    digits = ""
    for _ in range(4):
        rest, d = divmod(rest, 36)
        digits = TICKET_ALPHABET[d] + digits
    return string.ascii_uppercase[letter] + digits


def brussels_today(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date()


class Parts(io.RawIOBase):
    """The FI files of a set read as one stream, part after part (a split file is joined
    in part order: docs/adr/0011-official-batch-files.md)."""

    def __init__(self, paths: Sequence[Path]):
        self.paths, self.current = list(paths), None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None:
                if not self.paths:
                    return 0
                self.current = self.paths.pop(0).open("rb")
            count = self.current.readinto(buffer)
            if count:
                return count
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        super().close()


def digest_of(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def form_lines(forms: Iterable[FormResult]) -> Iterator[tuple[int, object, str]]:
    """The forms as a batch's lines (number, declaration, raw form); a form with an error
    refuses the file (FormRefused), and nothing of it stays recorded."""
    for form in forms:
        if form.declaration is None:
            raise FormRefused(f"form {form.index} (line {form.line}): {form.error}")
        yield form.index, form.declaration, form.raw


class OfficialFiles:
    """Checks a file set, records its forms (one transaction) and writes its ACRF.

    A set's name is used once per sender: the same set again with the same content (a
    retry after a crash) gets its first ACRF again; with other content, ACRF 133.
    """

    def __init__(self, intake: Intake, sender: Callable[[str], Declarant | None], root: Path,
                 max_file_bytes: int, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.intake, self.store = intake, intake.store
        self.sender, self.root = sender, root
        self.max_file_bytes, self.clock = max_file_bytes, clock

    def accept(self, files: FileSet) -> Answer:
        """The ACRF of `files` (written in the sender's OUT folder), after recording its
        forms when it is accepted."""
        now = self.clock()
        environment = ENVIRONMENT_OF_FOLDER.get(files.folder or "", "R")
        name: InputName | None = None
        declarant = self.sender(files.sender_id)
        try:
            if declarant is None:
                raise SenderUnknown(f"{files.sender_id} is not a sender of the directory")
            name = parse_input_name(files.name, sender=files.sender_id,
                                    today=brussels_today(now))
            environment = name.environment
            if files.folder is not None:
                check_folder(name, files.folder)
            self._check_files(files, name, declarant)
        except FileError as error:
            return self._refuse(files, name, environment, declarant, error, now)
        sha256 = digest_of(files.parts)
        first = self.store.xml_file(files.sender_id, str(name.trigger()))
        if first is not None and first.sha256 == sha256:
            return self._answer_again(first)
        if first is not None:
            return self._refuse(files, name, environment, declarant, FileNameError(
                "133", f"{name.trigger()} was already sent (ticket {first.ticket})"), now,
                sha256=sha256)
        return self._record(files, name, declarant, sha256, now)

    def accept_upload(self, declarant: str, file_name: str, path: Path, via: str,
                      token: str | None = None) -> Answer:
        """A file sent by HTTP or by `dimona submit` under its FI name, by `declarant`
        (an enterprise number): taken as if its GO had come. SenderUnknown when the
        name's sender is not this declarant's (nothing is written for another sender)."""
        sender_id = (file_name.split(".") + [""] * 3)[2]
        found = self.sender(sender_id) if SENDER_ID.fullmatch(sender_id) else None
        if found is None or found.enterprise_number != declarant:
            raise SenderUnknown(f"{file_name}: sender {sender_id!r} is not declarant "
                                f"{declarant}'s senderId")
        return self.accept(FileSet(sender_id, file_name, None, [path], [None], via,
                                   WEBSERVICE, token))

    def refuse_name(self, sender_id: str, file_name: str, folder: str, error: FileError
                    ) -> Answer:
        """The ACRF refusing one file found alone in a sender's folder."""
        try:
            name: InputName | None = parse_input_name(file_name, sender=sender_id)
        except FileError:
            name = None
        environment = name.environment if name else ENVIRONMENT_OF_FOLDER.get(folder, "R")
        return self._refuse(FileSet(sender_id, file_name, folder), name, environment,
                            self.sender(sender_id), error, self.clock(), set_name=file_name)

    def _check_files(self, files: FileSet, name: InputName, declarant: Declarant) -> None:
        if len(files.parts) != name.parts:
            raise FileMissing("120", f"{name.trigger()}: {name.parts} FI file(s) expected, "
                                     f"{len(files.parts)} found")
        size = sum(p.stat().st_size for p in files.parts)
        if size > self.max_file_bytes:
            raise LimitExceeded(f"{size} bytes, more than {self.max_file_bytes}")
        certificate = declarant.signing_certificate
        if files.channel != SFTP or certificate is None:
            return  # over HTTP, the bearer token authenticates the sender
        for part, signature in zip(files.parts, files.signatures, strict=True):
            if signature is None:
                if name.environment == "R":
                    raise FileMissing("122", f"{part.name}: its FS signature is missing")
                continue
            with part.open("rb") as content:
                verify_signature(content, signature.read_bytes(), certificate)

    def _record(self, files: FileSet, name: InputName, declarant: Declarant, sha256: str,
                now: datetime) -> Answer:
        ticket = new_ticket()
        row = XmlFile(ticket, files.sender_id, str(name.trigger()), str(name.declarations()),
                      name.environment, name.purpose, declarant.enterprise_number,
                      files.via, sha256, now, [], 0, str(self._acrf_name(files, name, now)))

        def claim_the_name(rec: Recording, summary: dict) -> None:
            if not rec.xml_file(replace(row, forms=summary["accepted"])):
                raise FileNameError("133", f"{row.set_name} was already sent")

        read = read_flxwage if name.flexi else read_dimona
        try:
            with Parts(files.parts) as stream:
                summary = self.intake.record_file(
                    ticket, row.file_name, sha256, declarant.enterprise_number,
                    form_lines(read(io.BufferedReader(stream, 1 << 16))),
                    Origin(via=files.via, token=files.token, raw=""), name.environment,
                    {"format": "xml", "senderId": files.sender_id,
                     "environment": name.environment, "purpose": name.purpose},
                    before_commit=claim_the_name)
        except FileError as error:
            return self._refuse(files, name, name.environment, declarant, error, now,
                                acrf_name=row.acrf_name, sha256=sha256)
        path = self._write_acrf(replace(row, forms=summary["accepted"]))
        log.info("official file %s accepted: ticket %s, %d forms", row.file_name, ticket,
                 summary["accepted"])
        return Answer(ticket, [], "", path, summary)

    def _refuse(self, files: FileSet, name: InputName | None, environment: str,
                declarant: Declarant | None, error: FileError, now: datetime,
                acrf_name: str | None = None, set_name: str | None = None,
                sha256: str | None = None) -> Answer:
        """The ACRF refusing a set; `set_name`: the name it uses up (a file found alone
        uses its own, not its set's: the set's GO may still come). The same name with the
        same content again gets its first answer again."""
        file_name = str(name.declarations()) if name and files.parts else files.name
        set_name = set_name or (str(name.trigger()) if name else files.name)
        sha256 = sha256 or digest_of(files.parts)  # a file of 2 GB is read once
        first = self.store.xml_file(files.sender_id, set_name)
        if first is not None and first.sha256 == sha256:
            return self._answer_again(first)
        row = XmlFile(new_ticket(), files.sender_id, set_name, file_name, environment,
                      name.purpose if name else "DIMN",
                      declarant.enterprise_number if declarant else None, files.via,
                      sha256, now, [error.code], 0,
                      acrf_name or str(self._acrf_name(files, name, now, environment)))
        if not self.store.refused_xml_file(row):  # the same name, recorded meanwhile
            error = FileNameError("133", f"{row.set_name} was already sent")
            row = replace(row, errors=["133"])
            self.store.refused_xml_file(row)
        log.info("official file %s refused: %s", file_name, error)
        return Answer(row.ticket, row.errors, str(error), self._write_acrf(row))

    def _answer_again(self, first: XmlFile) -> Answer:
        """The first ACRF of a set sent again unchanged (a retry, or a GO seen again after
        a crash): written again, nothing recorded twice."""
        return Answer(first.ticket, first.errors, "", self._write_acrf(first),
                      self.store.batch(first.ticket))

    def _acrf_name(self, files: FileSet, name: InputName | None, now: datetime,
                   environment: str | None = None) -> OutputName:
        environment = name.environment if name else environment or "R"
        day = brussels_today(now)
        number = self.store.next_return_sequence(files.sender_id, day, environment)
        return OutputName("ACRF", day, sequence_text(number), environment,
                          bool(name and name.flexi))

    def _write_acrf(self, row: XmlFile) -> Path:
        name = parse_output_name(row.acrf_name)
        with answer_file(self.root / row.sender_id, name) as tmp:
            tmp.write_bytes(acrf(row.file_name, row.ticket, row.errors,
                                 created_at=self.clock()))
        return self.root / row.sender_id / name.folder / row.acrf_name


@contextlib.contextmanager
def answer_file(sender_folder: Path, name: OutputName) -> Iterator[Path]:
    """Where to write a returned file: a dot name in its OUT folder, renamed into place
    when the block ends, then its empty GO file. Written twice, it is written the same."""
    folder = sender_folder / name.folder
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.part"
    yield tmp
    os.replace(tmp, folder / str(name))
    (folder / str(replace(name, prefix="GO"))).touch()


class Notifications:
    """Writes the NOTIFICATION files of accepted files: for each, whenever the notifier has
    new results, one `FO.NOTI` file with a `Form` for each declaration whose result is new
    (a declaration waiting for identification: its `S`, then its final result later).
    Every intake replica may run it: a file is claimed with a row lock."""

    def __init__(self, store: IntakeStore, returns: ReturnEntries, decisions: Decisions,
                 root: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 chunk: int = 1000):
        self.store, self.returns, self.decisions = store, returns, decisions
        self.root, self.clock, self.chunk = root, clock, chunk

    def write_pending(self, limit: int = 50) -> int:
        written = 0
        with self.store.claim_xml_files(limit) as claim:
            for f in claim.files:
                upto, waiting, lines = self.returns.progress(f.ticket)
                if upto <= f.noti_upto:
                    continue  # nothing new
                self._write(f, upto)
                claim.notified(f.ticket, upto, waiting == 0 and lines >= f.forms)
                written += 1
        return written

    def _write(self, f: OpenXmlFile, upto: int) -> Path:
        now = self.clock()
        day = brussels_today(now)
        name = OutputName("NOTI", day, sequence_text(self.store.next_return_sequence(
            f.sender_id, day, f.environment)), f.environment, f.purpose == "FLEX")
        handled = HandledFile(f.file_name, f.ticket, f.sender_id,
                              SFTP if f.via == "sftp" else WEBSERVICE)
        entries = self.returns.of(f.ticket, after=f.noti_upto, upto=upto)
        with answer_file(self.root / f.sender_id, name) as tmp:
            count = write_notifications(tmp, self._notices(entries), handled,
                                        created_at=now)
        log.info("NOTIFICATION %s: %d forms of ticket %s", name, count, f.ticket)
        return self.root / f.sender_id / name.folder / str(name)

    def _notices(self, entries: Iterable[dict]) -> Iterator[Notice]:
        """A Notice for each entry, its decision read from the event store a chunk at a
        time: the `S` for an entry that says S, else the final decision."""
        for group in chunks(entries, self.chunk):
            recorded = self.decisions([e["declarationId"] for e in group])
            for entry in group:
                decisions, origin = recorded[entry["declarationId"]]
                decided = decisions[0] if entry["result"] == "S" else decisions[-1]
                header, references = form_echo(origin["raw"])
                yield Notice(decided, header, references)

