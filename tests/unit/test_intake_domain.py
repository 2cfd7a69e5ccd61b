"""Intake's pure decisions: batch lines, principals, the employer of a declaration,
Multi-Dimona and the names of the outbox files."""

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.declaration import Declaration, MultiDimona
from services.intake.domain import (
    UNKNOWN_EMPLOYER,
    BadFile,
    Forbidden,
    Principal,
    Rejected,
    employer_key,
    opens_something,
    outbox_name,
    read_lines,
)
from tests.unit.factories import IN


def lines_of(data: bytes, max_line_bytes: int = 1 << 20) -> list:
    return [(n, item) for n, item, _ in read_lines(io.BytesIO(data), max_line_bytes)]


def test_read_lines_keeps_line_numbers_and_reasons():
    data = "\n".join([json.dumps(IN), "not json", "",
                      json.dumps({"dimonaCancel": {"periodId": "x"}})]).encode()
    found = lines_of(data)
    assert [n for n, _ in found] == [1, 2, 3, 4]
    assert isinstance(found[0][1], Declaration)
    assert [(r.line, r.reason) for _, r in found[1:]] == [
        (2, "not valid JSON"), (3, "empty line"),
        (4, "dimonaCancel.periodId: Input should be a valid integer, unable to parse string "
            "as an integer")]


def test_read_lines_refuses_a_file_that_is_not_utf8_or_empty():
    with pytest.raises(BadFile, match=r"not UTF-8 \(line 2, byte 1\)"):
        lines_of(b'{"a":1}\n\xff\xfe{}\n')
    with pytest.raises(BadFile, match="ends inside a character"):
        lines_of(b'{"a":1}\n\xc3')
    for empty in (b"", b"\n\n  \n"):
        with pytest.raises(BadFile, match="empty"):
            lines_of(empty)


def test_read_lines_skips_a_byte_order_mark_and_crlf():
    [(_, declaration)] = lines_of(b"\xef\xbb\xbf" + json.dumps(IN).encode() + b"\r\n")
    assert isinstance(declaration, Declaration)


def test_read_lines_gives_each_line_as_received_without_its_line_end():
    """The raw line is what the audit log keeps (docs/adr/0007-audit.md)."""
    data = b'{ "employer" :1}\r\nnot json\n' + json.dumps(IN).encode()
    raws = [raw for _, _, raw in read_lines(io.BytesIO(data))]
    assert raws == ['{ "employer" :1}', "not json", json.dumps(IN)]


def test_an_over_long_line_is_rejected_without_being_read_whole():
    data = json.dumps(IN).encode() + b"\n" + b"x" * 5000 + b"\n" + json.dumps(IN).encode()
    found = lines_of(data, max_line_bytes=1000)
    assert [type(d) for _, d in found] == [Declaration, Rejected, Declaration]
    assert found[1][1].reason == "line longer than 1000 bytes"


@given(st.lists(st.binary(max_size=60), min_size=1, max_size=20))
def test_any_bytes_give_numbered_lines_or_a_bad_file(chunks):
    """Fuzz: whatever the bytes, the reader answers every line or refuses the file."""
    data = b"\n".join(chunks)
    try:
        found = lines_of(data)
    except BadFile as exc:
        assert "UTF-8" in str(exc) or "empty" in str(exc)
        return
    assert [n for n, _ in found] == list(range(1, len(found) + 1))
    assert all(isinstance(d, Declaration | Rejected) for _, d in found)


def test_employer_of_a_change_is_the_employer_of_its_period():
    cancel = Declaration.model_validate({"dimonaCancel": {"periodId": 680725377630}})
    assert employer_key(cancel, {680725377630: "175110801"}) == "175110801"
    assert employer_key(cancel, {}) == UNKNOWN_EMPLOYER
    assert employer_key(Declaration.model_validate(IN), {}) == "175110801"


def test_a_daily_registration_goes_to_the_employer_of_its_period_or_its_create():
    """A create names its period; an update or cancel names the registration, whose number
    is its create's declaration number: each goes to that declaration's employer."""
    known = {680725377630: "175110801", 680725400099: "197100119"}
    create = Declaration.model_validate({"dailyRegistration": {
        "action": "create", "periodId": 680725377630, "startDate": "2026-07-08",
        "startHour": "0800", "endDate": "2026-07-08", "endHour": "1630"}})
    update = Declaration.model_validate({"dailyRegistration": {
        "action": "update", "registrationId": 680725400099, "endHour": "1700"}})
    cancel = Declaration.model_validate({"dailyRegistration": {
        "action": "cancel", "registrationId": 680725400099}})
    assert [employer_key(d, known) for d in (create, update, cancel)] == [
        "175110801", "197100119", "197100119"]
    assert employer_key(cancel, {}) == UNKNOWN_EMPLOYER
    assert [opens_something(d) for d in (create, update, cancel)] == [True, False, False]
    assert opens_something(Declaration.model_validate(IN))
    assert not opens_something(Declaration.model_validate(
        {"dimonaCancel": {"periodId": 680725377630}}))


def test_a_flexi_wage_goes_to_its_debtor_whoever_sends_it():
    """A Flexi at work situation names its debtor (an employer, or a sector fund), whose
    key routes it and whose mandates are checked: its NSSO number, else its enterprise
    number; it refers to no earlier declaration and opens nothing later ones name."""
    def flexi(debtor: dict) -> Declaration:
        return Declaration.model_validate({"flexiWage": {
            "action": "cancel", "debtor": debtor, "beneficiary": {"ssin": "85073003328"},
            "relation": {"uuid": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}}})
    by_nsso, by_enterprise = flexi({"employerId": 197100119}), flexi(
        {"enterpriseNumber": "403170701"})
    assert employer_key(by_nsso, {680725377630: "175110801"}) == "197100119"
    assert employer_key(by_enterprise, {}) == "0403170701"
    assert (by_nsso.refers_to, opens_something(by_nsso)) == (None, False)


def test_principals_channels_and_what_they_may_read():
    kroon, auditor, nobody = (Principal("declarant", "0403170701"),
                              Principal("auditor", "Inspectie"), Principal("anonymous"))
    assert (kroon.channel, nobody.channel) == ("webservice", "web-unsecured")
    with pytest.raises(Forbidden):
        auditor.check_may_write()
    kroon.check_may_write()
    assert kroon.may_read("0403170701", None)  # what it declared
    assert kroon.may_read("0477472701", "403170701")  # declared for it by its secretariat
    assert not kroon.may_read("0477472701", "0876543270")  # another declarant's data
    assert auditor.may_read("0477472701", None) and not nobody.may_read(None, None)


MULTI = {"employer": {"employerId": 175110801},
         "features": {"jointCommissionNumber": "XXX", "workerType": "FLX"},
         "days": [{"date": "2026-07-08", "startHour": "0800", "endHour": "1400"},
                  {"date": "2026-07-16", "startHour": "1400", "endHour": "1800"},
                  {"startDate": "2026-07-22", "endDate": "2026-07-23"}],
         "workers": [{"ssin": "85073003328"}, {"familyName": "Peeters", "givenName": "An",
                                               "birthDate": "1990-05-01"}],
         "references": {"declaration": "week-29"}}


def test_multi_dimona_expands_into_one_in_per_worker_and_day():
    declarations = MultiDimona.model_validate(MULTI).declarations()
    assert len(declarations) == 6
    assert [(d.worker.ssin or d.worker.family_name, str(d.dimona_in.start_date),
             d.dimona_in.start_hour, str(d.dimona_in.end_date)) for d in declarations] == [
        ("85073003328", "2026-07-08", "0800", "2026-07-08"),
        ("85073003328", "2026-07-16", "1400", "2026-07-16"),
        ("85073003328", "2026-07-22", None, "2026-07-23"),
        ("Peeters", "2026-07-08", "0800", "2026-07-08"),
        ("Peeters", "2026-07-16", "1400", "2026-07-16"),
        ("Peeters", "2026-07-22", None, "2026-07-23")]
    assert {d.declaration_type for d in declarations} == {"DIMONA_IN"}
    assert {d.references.declaration for d in declarations} == {"week-29"}


@pytest.mark.parametrize("change", [
    {"days": []}, {"workers": []},
    {"days": [{"date": "2026-07-08", "startDate": "2026-07-08"}]},
    {"days": [{"date": "2026-07-08", "endDate": "2026-07-09"}]},
    {"days": [{"date": "2026-07-08"}] * 101, "workers": [{"ssin": "85073003328"}] * 100},
])
def test_multi_dimona_refuses_what_cannot_be_expanded(change):
    with pytest.raises(ValidationError):
        MultiDimona.model_validate({**MULTI, **change})


def test_outbox_names_are_one_safe_path_component():
    assert outbox_name("week 29.jsonl", "abc", "ack") == "week_29.jsonl.abc.ack.json"
    assert outbox_name("../../etc/passwd", "abc", "results") == "_.._etc_passwd.abc.results.jsonl"
    assert "/" not in outbox_name("a/b", "r", "error")


def test_a_nul_character_is_refused_and_never_reaches_postgresql():
    """PostgreSQL keeps no NUL in text or jsonb: a declaration carrying one is not a
    declaration, and the reason given for it carries none either (found by fuzzing)."""
    body = {**IN, "references": {"declaration": "a\u0000b"}, "\u0000": 1}
    [(_, rejected)] = lines_of(json.dumps(body).encode())
    assert isinstance(rejected, Rejected)
    assert "\x00" not in rejected.reason and "references.declaration" in rejected.reason


def test_streamed_pieces_are_joined_into_chunks_of_about_the_size_asked():
    from services.api.batch_views import chunked
    pieces = [f'{{"line": {i}}},' for i in range(1000)]
    chunks = list(chunked(pieces, size=1000))
    assert "".join(chunks) == "".join(pieces)
    assert all(len(c) >= 1000 for c in chunks[:-1]) and 0 < len(chunks[-1]) < 1015
    assert len(chunks) == len("".join(pieces)) // 1000 + 1
    assert list(chunked([])) == []
