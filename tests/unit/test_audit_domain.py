"""The audit log's pure parts (issue 7): the hash chain, its verification, checkpoints and
the auditor's timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from schemas.events import Origin
from services.audit.domain import decision_entry, reception_entry, text, timeline, verify
from services.common.auditchain import (
    GENESIS,
    Link,
    chain,
    checkpoint_due,
    event_content,
    link_hash,
)
from services.validator.domain import decide
from services.validator.domain.version import RULES_VERSION
from tests.unit.factories import IN, FakeContext, submitted

RECORDS = [(1, b"a"), (2, b"b"), (5, b"c"), (6, b"d")]  # positions may have gaps


def problem(records, links, checkpoints=None, exported=None) -> tuple[int, str] | None:
    found = verify("validator", records, links, checkpoints or {}, exported)
    return found.broken and (found.broken.position, found.broken.problem)


def test_each_link_hashes_the_previous_one_position_and_content():
    links = chain(None, RECORDS)
    assert [(k.position, k.previous) for k in links] == [(1, 0), (2, 1), (5, 2), (6, 5)]
    assert links[0].hash == link_hash(GENESIS, 1, b"a")
    assert links[1].hash == link_hash(links[0].hash, 2, b"b")
    more = chain(links[-1], [(8, b"e")])
    assert more == [Link(8, 6, link_hash(links[-1].hash, 8, b"e"))]
    assert link_hash(GENESIS, 1, b"a") != link_hash(GENESIS, 2, b"a")


def test_an_intact_log_verifies():
    found = verify("validator", RECORDS, chain(None, RECORDS), {})
    assert (found.broken, found.records, found.last_position) == (None, 4, 6)


def test_every_kind_of_tampering_is_named_at_its_first_record():
    links = chain(None, RECORDS)
    altered = [(1, b"a"), (2, b"B"), (5, b"c"), (6, b"d")]
    assert problem(altered, links) == (2, "this record was altered or re-ordered")
    swapped = [(1, b"a"), (2, b"c"), (5, b"b"), (6, b"d")]
    assert problem(swapped, links) == (2, "this record was altered or re-ordered")
    assert problem([r for r in RECORDS if r[0] != 5], links) == (
        5, "this record was removed (its link remains)")
    assert problem([r for r in RECORDS if r[0] != 5], [k for k in links if k.position != 5]
                   ) == (5, "this record was removed, with its link")
    inserted = sorted([*RECORDS, (3, b"x")])
    assert problem(inserted, links)[0] == 3
    forged = chain(None, inserted)  # a link forged for it too: the next link skips it
    assert problem(inserted, [*links[:2], forged[2], *links[2:]]) == (
        3, "this record was inserted afterwards (the chain skips it)")


def test_checkpoints_find_a_rewritten_chain_and_a_removed_tail():
    links = chain(None, RECORDS)
    at_5 = {5: links[2].hash}
    assert problem(RECORDS, links, at_5) is None
    rewritten = [(1, b"a"), (2, b"B"), (5, b"c"), (6, b"d")]
    assert problem(rewritten, chain(None, rewritten), at_5) == (
        5, "the checkpoint here does not match: the chain was rewritten up to here")
    assert "exported checkpoint here does not match" in problem(
        rewritten, chain(None, rewritten), {}, at_5)[1]
    assert "records were removed from the end" in problem(RECORDS[:2], links[:2], at_5)[1]


def test_a_checkpoint_is_due_when_positions_pass_a_multiple():
    last = Link(9_990, 9_980, b"x")
    assert checkpoint_due(last, chain(last, [(9_995, b"a")])) is None
    passing = chain(last, [(9_999, b"a"), (10_003, b"b")])
    assert checkpoint_due(last, passing) == passing[-1]
    assert checkpoint_due(None, chain(None, [(3, b"a")]), every=3).position == 3
    assert checkpoint_due(last, []) is None


@given(st.lists(st.binary(max_size=20), min_size=1, max_size=30), st.data())
def test_any_single_changed_byte_breaks_the_chain_there(contents, data):
    records = [(i + 1, c) for i, c in enumerate(contents)]
    links = chain(None, records)
    index = data.draw(st.integers(0, len(records) - 1))
    position, content = records[index]
    changed = content + b"!" if not content else bytes([content[0] ^ 1]) + content[1:]
    records[index] = (position, changed)
    assert problem(records, links) == (position, "this record was altered or re-ordered")


def test_event_content_covers_every_column():
    origin = uuid4()
    base = event_content(origin, 1, "t:Declaration.Decided", b"{}")
    assert len({base, event_content(uuid4(), 1, "t:Declaration.Decided", b"{}"),
                event_content(origin, 2, "t:Declaration.Decided", b"{}"),
                event_content(origin, 1, "t:Declaration.Identified", b"{}"),
                event_content(origin, 1, "t:Declaration.Decided", b"{ }")}) == 5


def test_the_timeline_of_a_refused_declaration_reads_as_received_then_decided():
    sub = submitted({**IN, "worker": {"ssin": "12345678901"}}, number=680725377630)
    decision = decide(sub, FakeContext())
    origin = Origin(via="POST /declarations", token="directory:00ff", raw='{"x": 1}')
    decided_at = sub.received_at + timedelta(seconds=1)
    entries = timeline([680725377630], [decision_entry(7, decided_at, decision),
                                        reception_entry(7, decision, origin)])
    assert [e.what for e in entries] == ["received", "decided"]
    received, refused = (text(e) for e in entries)
    assert "DIMONA_IN webservice via POST /declarations from 0403170701 token " \
           "directory:00ff, employer 175110801  [validator #7]" in received[0]
    assert received[1].strip() == 'raw {"x": 1}'
    assert f"decided     B, rules {RULES_VERSION}  [validator #7]" in refused[0]
    assert any("anomaly 00024-003 (B)" in line for line in refused[1:])
    assert entries[0].to_json()["at"] == sub.received_at.isoformat()


def test_the_timeline_keeps_the_order_of_the_declarations_given():
    first, second = (submitted(IN, number=n) for n in (680725377630, 680725377729))
    later = datetime(2030, 1, 1, tzinfo=UTC)
    entries = [reception_entry(2, decide(second, FakeContext()), None),
               decision_entry(1, later, decide(first, FakeContext())),
               reception_entry(1, decide(first, FakeContext()), None)]
    ordered = timeline([680725377630, 680725377729], entries)
    assert [(e.declaration_id, e.what) for e in ordered] == [
        (680725377630, "received"), (680725377630, "decided"), (680725377729, "received")]


def test_a_raw_request_on_several_lines_stays_inside_its_entry():
    decision = decide(submitted(IN), FakeContext())
    origin = Origin(via="POST /declarations", raw='{\n "employer": 1\n}\n')
    lines = text(reception_entry(1, decision, origin))
    assert lines[1:] == [" " * 8 + "raw {\n" + " " * 12 + ' "employer": 1\n' + " " * 12 + "}"]
