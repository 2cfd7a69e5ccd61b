"""Streaming readers of the official batch files: a `Dimona` file (read_dimona) or a
`FLXWAGE` file (read_flxwage) -> one FormResult per `Form`, in file order.

- **Streaming.** lxml's iterparse stops at the end of each `Form`; the form is validated,
  mapped, yielded, then cleared and unlinked, so a file of a million forms is never held
  whole. One form, or what stands between two forms, may not pass `max_form_bytes`
  (1 MiB, as a JSON batch line): LimitExceeded.
- **Secure.** No DTD is loaded, no entity is resolved, nothing is fetched
  (`resolve_entities=False, no_network=True, load_dtd=False`); libxml2's limits stay on
  (`huge_tree=False`). A DOCTYPE is refused before the parser reads it (DoctypeRefused),
  so no entity is ever declared, let alone expanded. Only UTF-8 is read.
- **Per form.** Each form is validated against the project's schema (schema/*.xsd) and
  mapped to a Declaration (mapping.py); a form that is not valid or cannot be mapped gets
  its own `error`, and the others go on.
- **Per file.** What refuses the whole file raises a FileError (errors.py) naming the
  problem and its ACRF code: malformed XML, not UTF-8, wrong root or namespace, a block
  that is not a Form, no form at all, a size limit. Such an error can come after forms
  were yielded (a bad byte near the end): whoever records the forms records a file in one
  transaction, and none of it when the file is refused.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import BinaryIO

from lxml import etree
from pydantic import ValidationError

from schemas.declaration import Declaration
from services.intake.xmlforms import mapping
from services.intake.xmlforms.errors import (
    DoctypeRefused,
    EncodingUnsupported,
    FileError,
    LimitExceeded,
    MalformedXml,
    NamespaceInvalid,
    NoDeclaration,
    NotAForm,
    RootUnknown,
)

MAX_FORM_BYTES = 1 << 20
MAX_PROLOG_BYTES = 1 << 16
SCHEMAS = Path(__file__).parent / "schema"
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_DECLARATION = re.compile(rb"<\?xml\s")
_UTF8_NAMES = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
_LIMIT_MESSAGES = ("too long", "huge", "excessive depth", "resource limit", "too large")


@dataclass(frozen=True)
class FormHeader:
    """A form's header as sent (the NOTIFICATION echoes it as HandledOriginalForm)."""

    identification: str
    creation_date: str
    creation_hour: str
    attestation_status: str
    type_form: str


@dataclass(frozen=True)
class Reference:
    type: str
    origin: str
    number: str


@dataclass(frozen=True)
class FormResult:
    """One form of a file: its declaration, or why it has none."""

    index: int
    """The form's position in the file, from 1."""
    line: int | None
    """The line of the form's start tag."""
    raw: str
    """The form as XML text (what was received, for the audit)."""
    declaration: Declaration | None
    error: str | None
    """The schema's message, or the mapping problem; None with a declaration."""
    header: FormHeader | None = None
    references: tuple[Reference, ...] = ()
    """The form's own References as sent (the NOTIFICATION echoes them)."""
    ignored: tuple[str, ...] = ()
    """Elements the schema accepts and the JSON declaration has no field for, by path
    (e.g. `DimonaIn/PlannedDaysNbr`): accepted, not carried."""


@dataclass(frozen=True)
class FormKind:
    root: str
    form: str
    namespace: str | None
    schema_file: str
    entries: tuple[mapping.Entry, ...]

    def q(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}" if self.namespace else name

    @property
    def schema(self) -> etree.XMLSchema:
        return load_schema(self.schema_file)


DIMONA = FormKind("Dimona", "Form", None, "dimona.xsd", mapping.DIMONA_FORM)
FLXWAGE = FormKind("FLXWAGE", "Form", mapping.FLXWAGE_NS, "flxwage.xsd", mapping.FLXWAGE_FORM)


@cache
def load_schema(file_name: str) -> etree.XMLSchema:
    """One of the project's schemas, parsed once (no network, no DTD)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / file_name), parser))


def read_dimona(stream: BinaryIO, *, max_form_bytes: int = MAX_FORM_BYTES
                ) -> Iterator[FormResult]:
    """The forms of a Dimona file (binary stream), one at a time."""
    return _read(stream, DIMONA, max_form_bytes)


def read_flxwage(stream: BinaryIO, *, max_form_bytes: int = MAX_FORM_BYTES
                 ) -> Iterator[FormResult]:
    """The forms of a FLXWAGE file (Flexi at work), one at a time."""
    return _read(stream, FLXWAGE, max_form_bytes)


def _read(stream: BinaryIO, kind: FormKind, max_form_bytes: int) -> Iterator[FormResult]:
    guard = _Guard(stream, max_form_bytes)
    parser = etree.iterparse(
        guard, events=("end",), tag=kind.q(kind.form), encoding="utf-8",
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root, index = None, 0
    etree.clear_error_log()  # lxml's log of this thread: keep only this file's errors
    try:
        for _, form in parser:
            if root is None:
                root = _checked_root(form.getroottree().getroot(), kind)
            if form.getparent() is not root:
                continue  # a Form inside another block: that block is refused whole
            _unlink_preceding(form, root, kind)
            index += 1
            yield _form_result(form, index, kind)
            form.clear(keep_tail=True)
            guard.mark()
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    _check_end(parser.root, kind, index)


def _checked_root(root: etree._Element, kind: FormKind) -> etree._Element:
    if root.getroottree().docinfo.doctype:
        raise DoctypeRefused()  # the guard stops it first; this is a second lock
    name = etree.QName(root)
    if name.localname != kind.root:
        raise RootUnknown(f"<{name.localname}>, expected <{kind.root}>")
    if name.namespace != kind.namespace:
        raise NamespaceInvalid(f"<{kind.root}> in {name.namespace or 'no namespace'}, "
                               f"expected {kind.namespace or 'no namespace'}")
    return root


def _unlink_preceding(form: etree._Element, root: etree._Element, kind: FormKind) -> None:
    """Drops the forms already read; anything else directly under the root is refused."""
    while (before := form.getprevious()) is not None:
        if isinstance(before.tag, str) and before.tag != kind.q(kind.form):
            raise NotAForm(f"<{etree.QName(before).localname}> line {before.sourceline}")
        root.remove(before)


def _check_end(root: etree._Element | None, kind: FormKind, forms: int) -> None:
    if root is None:
        raise MalformedXml("no root element")
    _checked_root(root, kind)
    for child in root:
        if isinstance(child.tag, str) and child.tag != kind.q(kind.form):
            raise NotAForm(f"<{etree.QName(child).localname}> line {child.sourceline}")
    if forms == 0:
        raise NoDeclaration(f"no <{kind.form}> in <{kind.root}>")


def _syntax_error(exc: etree.XMLSyntaxError) -> FileError:
    """The parser's last fatal error (the exception's own text can be vaguer)."""
    fatal = [e for e in exc.error_log if e.level_name == "FATAL"]
    message = (f"line {fatal[-1].line}, column {fatal[-1].column}: {fatal[-1].message}"
               if fatal else str(exc))
    if any(m in f"{exc} {message}".lower() for m in _LIMIT_MESSAGES):
        return LimitExceeded(message)
    return MalformedXml(message)


def _form_result(form: etree._Element, index: int, kind: FormKind) -> FormResult:
    raw = etree.tostring(form, encoding="unicode", with_tail=False)
    schema = kind.schema
    if not schema.validate(form):
        return FormResult(index, form.sourceline, raw, None, _schema_message(schema))
    declaration, error, ignored = map_form(form, kind)
    return FormResult(index, form.sourceline, raw, declaration, error, _header(form),
                      _references(form), ignored)


def _schema_message(schema: etree.XMLSchema) -> str:
    errors = list(schema.error_log)[:3]
    return "; ".join(f"line {e.line}: {e.message}" for e in errors) or "not valid"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _texts(element: etree._Element) -> dict[str, str]:
    return {_local(c.tag): c.text or "" for c in element if isinstance(c.tag, str)}


def _header(form: etree._Element) -> FormHeader:
    t = _texts(form)
    return FormHeader(t["Identification"], t["FormCreationDate"], t["FormCreationHour"],
                      t["AttestationStatus"], t["TypeForm"])


def _references(form: etree._Element) -> tuple[Reference, ...]:
    refs = (_texts(c) for c in form if isinstance(c.tag, str) and _local(c.tag) == "Reference")
    return tuple(Reference(r["ReferenceType"], r["ReferenceOrigin"], r["ReferenceNbr"])
                 for r in refs)


def form_echo(raw: str) -> tuple[FormHeader, tuple[Reference, ...]]:
    """The header and References of a form recorded as received (FormResult.raw): what a
    NOTIFICATION echoes. The text was read by this reader, so it holds no DOCTYPE."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    form = etree.fromstring(raw.encode(), parser)
    return _header(form), _references(form)


class MappingError(ValueError):
    """A valid form whose content the JSON declaration cannot take as it is."""


def map_form(form: etree._Element, kind: FormKind
             ) -> tuple[Declaration | None, str | None, tuple[str, ...]]:
    """A form valid against its schema -> (declaration, None, ignored) or (None, the
    problem, ignored)."""
    body: dict = {}
    ignored: list[str] = []
    try:
        _read_entries(form, kind.entries, body, body, "", ignored)
        return Declaration.model_validate(body), None, tuple(ignored)
    except MappingError as exc:
        return None, str(exc), tuple(ignored)
    except ValidationError as exc:
        return None, describe(exc), tuple(ignored)


def describe(exc: ValidationError) -> str:
    """One line naming each wrong JSON field, as for a JSON batch line."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}"
             for e in exc.errors(include_url=False)]
    return "; ".join(parts)[:1000]


_INDEXES: dict[int, dict[str, mapping.Entry]] = {}


def _index(entries: tuple[mapping.Entry, ...]) -> dict[str, mapping.Entry]:
    """A table's entries by element name (tables are module constants: keyed by id)."""
    index = _INDEXES.get(id(entries))
    if index is None:
        index = {}
        for entry in entries:
            for name in (entry.xml, *getattr(entry, "aliases", ())):
                index.setdefault(name, entry)
        _INDEXES[id(entries)] = index
    return index


def _read_entries(element: etree._Element, entries: tuple[mapping.Entry, ...], here: dict,
                  top: dict, where: str, ignored: list[str]) -> None:
    """One element's children into the JSON, each by its table entry."""
    index = _index(entries)
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or a processing instruction
        name = _local(child.tag)
        entry = index.get(name)
        if isinstance(entry, mapping.Leaf):
            obj, keys, _ = mapping.resolve(entry.path, here, top, "")
            mapping.put(obj, keys, entry.conv.to_json(child.text or ""))
        elif isinstance(entry, mapping.Block):
            _read_block(entry, child, here, top, f"{where}{name}/", ignored)
        elif isinstance(entry, mapping.References):
            _read_reference(entry, child, here, top, where, ignored)
        elif isinstance(entry, mapping.Unmapped):
            ignored.append(where + name)


def _read_block(entry: mapping.Block, element: etree._Element, here: dict, top: dict,
                where: str, ignored: list[str]) -> None:
    obj, keys, _ = mapping.resolve(entry.path or "", here, top, "")
    if entry.path is None:
        target = here
    elif entry.repeated:
        items = mapping.get(obj, keys)
        if items is None:
            mapping.put(obj, keys, items := [])
        items.append(target := {})
    elif not isinstance(target := mapping.get(obj, keys), dict):
        mapping.put(obj, keys, target := {})
    _read_entries(element, entry.children, target, top, where, ignored)


def _read_reference(entry: mapping.References, element: etree._Element, here: dict,
                    top: dict, where: str, ignored: list[str]) -> None:
    ref = _texts(element)
    kind = (ref["ReferenceType"], ref["ReferenceOrigin"])
    path = dict(entry.fields).get(kind)
    if path is None:
        ignored.append(f"{where}Reference[ReferenceType={kind[0]}]")
        return
    obj, keys, _ = mapping.resolve(path, here, top, "")
    if mapping.get(obj, keys) is not None:
        raise MappingError(f"{where}Reference: more than one of ReferenceType {kind[0]}, "
                           f"ReferenceOrigin {kind[1]}")
    mapping.put(obj, keys, ref["ReferenceNbr"])


class _Guard:
    """The bytes between the file and the parser: UTF-8 only, no DOCTYPE, and no more
    than `limit` bytes between two forms (the reader calls mark() after each form)."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._since_mark = 0
        self._offset = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._prolog: bytes | None = b""

    def mark(self) -> None:
        self._since_mark = 0

    def read(self, size: int = 1 << 16) -> bytes:
        chunk = self._stream.read(size if 0 < size <= 1 << 16 else 1 << 16)
        self._since_mark += len(chunk)
        if self._since_mark > self._limit:
            raise LimitExceeded(f"more than {self._limit} bytes in one form (or between "
                                f"two forms), near byte {self._offset + len(chunk)}")
        try:
            self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise EncodingUnsupported(f"byte {self._offset + exc.start + 1} is not UTF-8"
                                      ) from None
        if self._prolog is not None:
            self._check_prolog(chunk)
        self._offset += len(chunk)
        return chunk

    def _check_prolog(self, chunk: bytes) -> None:
        """Before the root: the XML declaration (UTF-8 only), comments, processing
        instructions, blanks; a DOCTYPE or any other declaration is refused."""
        self._prolog += chunk
        prolog, at_end = self._prolog, not chunk
        pos = len(codecs.BOM_UTF8) if prolog.startswith(codecs.BOM_UTF8) else 0
        while True:
            while pos < len(prolog) and prolog[pos] in b" \t\r\n":
                pos += 1
            rest = prolog[pos:]
            if len(rest) < 9 and not at_end:
                break  # too little to tell: wait for more
            if rest.startswith(b"<?"):
                end = rest.find(b"?>")
                if end < 0:
                    break
                _check_declared_encoding(rest[:end])
                pos += end + 2
            elif rest.startswith(b"<!--"):
                end = rest.find(b"-->")
                if end < 0:
                    break
                pos += end + 3
            elif rest.startswith(b"<!"):
                raise DoctypeRefused(f"at byte {pos + 1}")
            else:
                self._prolog = None  # the root starts (or the parser will say what is wrong)
                return
        if len(prolog) > MAX_PROLOG_BYTES:
            raise LimitExceeded(f"more than {MAX_PROLOG_BYTES} bytes before the root element")


def _check_declared_encoding(instruction: bytes) -> None:
    if not _XML_DECLARATION.match(instruction):
        return
    declared = _ENCODING.search(instruction)
    if declared and declared.group(1).lower() not in _UTF8_NAMES:
        raise EncodingUnsupported(f"declared {declared.group(1).decode('ascii')}")
