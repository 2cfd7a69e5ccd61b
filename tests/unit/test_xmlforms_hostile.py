"""Hostile files: each is refused with its typed error (a FileError with its ACRF code),
quickly, without expanding an entity, reading a local file or the network, and without
any other exception escaping."""

import codecs
import io
import time

import pytest

from services.intake.xmlforms import read_dimona, read_flxwage
from services.intake.xmlforms.errors import (
    DoctypeRefused,
    EncodingUnsupported,
    FileError,
    LimitExceeded,
    MalformedXml,
)
from tests.unit.xmlforms_cases import FLEXI_MINIMAL, MINIMAL_IN, dimona_file

LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = (f'<?xml version="1.0"?><!DOCTYPE Dimona [<!ENTITY lol0 "lol">{LAUGHS}]>'
                  "<Dimona><Form>&lol9;</Form></Dimona>").encode()
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE Dimona [<!ENTITY xxe SYSTEM '
                   b'"file:///etc/passwd">]><Dimona><Form><Identification>&xxe;</Identification>'
                   b"</Form></Dimona>")
PARAMETER_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE Dimona [<!ENTITY % p SYSTEM '
                    b'"file:///etc/passwd"> %p;]><Dimona/>')
EXTERNAL_DTD = (b'<!DOCTYPE Dimona SYSTEM "http://127.0.0.1:9/dimona.dtd">'
                + dimona_file(MINIMAL_IN).split(b"?>", 1)[1])


class Trickle(io.RawIOBase):
    """A stream that gives one byte per read, to cut the prolog everywhere."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(1)


def refusal(data: bytes | io.RawIOBase, **options) -> FileError:
    stream = data if isinstance(data, io.RawIOBase) else io.BytesIO(data)
    started = time.monotonic()
    with pytest.raises(FileError) as refused:
        list(read_dimona(stream, **options))
    assert time.monotonic() - started < 5
    return refused.value


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY,
                                  EXTERNAL_DTD, Trickle(BILLION_LAUGHS),
                                  Trickle(EXTERNAL_ENTITY)],
                         ids=["billion-laughs", "external-entity", "parameter-entity",
                              "external-dtd", "billion-laughs-trickled",
                              "external-entity-trickled"])
def test_a_doctype_is_refused_before_it_is_parsed(data):
    error = refusal(data)
    assert isinstance(error, DoctypeRefused)
    assert (error.code, error.error_id) == ("102", "ACRF-102")
    assert "root:" not in str(error) and "lol" not in str(error)


@pytest.mark.parametrize("prolog", [
    "<!-- a comment first -->", "<?pi before?>\n", "\n\n  ",
    "<!-- <!DOCTYPE x> in a comment is a comment -->"])
def test_a_doctype_after_other_prolog_content_is_refused_too(prolog):
    data = dimona_file(MINIMAL_IN, prolog=prolog + '<!DOCTYPE Dimona [<!ENTITY a "b">]>')
    assert isinstance(refusal(data), DoctypeRefused)
    assert isinstance(refusal(codecs.BOM_UTF8 + data), DoctypeRefused)


def test_the_prolog_without_doctype_is_fine_even_trickled():
    data = codecs.BOM_UTF8 + dimona_file(MINIMAL_IN, prolog="<!-- x --><?pi y?>")
    assert [r.error for r in read_dimona(Trickle(data))] == [None]


def test_an_undeclared_entity_is_malformed_xml():
    error = refusal(dimona_file("<DimonaCancel>&xxe;</DimonaCancel>"))
    assert type(error) is MalformedXml and "xxe" in str(error)


def test_an_xinclude_is_never_followed():
    include = ('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
               'href="file:///etc/passwd" parse="text"/>')
    [result] = read_dimona(io.BytesIO(dimona_file(include)))
    assert result.declaration is None and "include" in result.error
    assert "root:" not in result.raw + result.error


@pytest.mark.parametrize("cut", [1, 10, 60, 200, 400, -12, -1])
def test_a_truncated_file_is_malformed_xml(cut):
    data = dimona_file(MINIMAL_IN, MINIMAL_IN)
    assert type(refusal(data[:cut])) is MalformedXml


@pytest.mark.parametrize(("data", "where"), [
    (dimona_file(MINIMAL_IN.replace("WEEK", "S\xe9MAINE")).replace(b"\xc3\xa9", b"\xe9"),
     "is not UTF-8"),
    (dimona_file(MINIMAL_IN)[:-1] + b"\xc3", "not UTF-8"),
    (dimona_file(MINIMAL_IN).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
     "declared ISO-8859-1"),
    (dimona_file(MINIMAL_IN).replace(b'encoding="UTF-8"', b"encoding='windows-1252'"),
     "declared windows-1252"),
    (dimona_file(MINIMAL_IN).decode().encode("utf-16"), "byte 1 is not UTF-8"),
])
def test_a_file_that_is_not_utf8_is_refused(data, where):
    error = refusal(data)
    assert type(error) is EncodingUnsupported and error.code == "138"
    assert where in str(error)


def test_ascii_declared_files_are_read():
    data = dimona_file(MINIMAL_IN).replace(b'encoding="UTF-8"', b'encoding="US-ASCII"')
    assert [r.error for r in read_dimona(io.BytesIO(data))] == [None]


def test_a_huge_text_node_is_refused_at_the_form_limit():
    huge = MINIMAL_IN.replace("WEEK-29-0001", "x" * (20 << 20))
    error = refusal(dimona_file(huge))
    assert type(error) is LimitExceeded and error.code == "184"
    assert "1048576 bytes in one form" in str(error)


def test_past_the_form_limit_libxml2_keeps_its_own_limit():
    huge = MINIMAL_IN.replace("WEEK-29-0001", "x" * (11 << 20))
    error = refusal(dimona_file(huge), max_form_bytes=64 << 20)
    assert type(error) is LimitExceeded
    assert "XML_PARSE_HUGE" in str(error)


def test_deep_nesting_is_refused():
    deep = "<a>" * 5000 + "</a>" * 5000
    assert type(refusal(dimona_file(f"<DimonaCancel>{deep}</DimonaCancel>"))) is LimitExceeded


def test_many_elements_in_one_form_are_refused_at_the_form_limit():
    crowd = "<a/>" * 400_000
    assert type(refusal(dimona_file(f"<DimonaCancel>{crowd}</DimonaCancel>"))) is LimitExceeded


def test_junk_between_forms_counts_against_the_limit():
    data = dimona_file(MINIMAL_IN, MINIMAL_IN).replace(
        b"</Form><Form>", b"</Form>" + b"<!-- junk -->" * 100_000 + b"<Form>")
    assert type(refusal(data)) is LimitExceeded


def test_flxwage_is_read_as_safely():
    data = FLEXI_MINIMAL.replace(b"<FLXWAGE", b'<!DOCTYPE FLXWAGE [<!ENTITY a "b">]><FLXWAGE')
    with pytest.raises(DoctypeRefused):
        list(read_flxwage(io.BytesIO(data)))
