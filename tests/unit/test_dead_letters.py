"""What the consumers make of Kafka records that are not events (docs/architecture.md §2,
decision 9): each becomes a dead letter with its reason, never a failed batch."""

import asyncio
from types import SimpleNamespace

from aiokafka import ConsumerRecord
from faststream.kafka.message import KafkaMessage
from faststream.kafka.parser import AioKafkaBatchParser

from schemas.events import DeadLetter, NotificationSent
from services.api.metrics import Metrics
from services.common.deadletters import VALUE_CHARS, row
from services.common.kafka import decode_records, undecoded, without_headers
from services.intake.domain import rejection_kind


def record(value: bytes | None, offset: int = 0, headers=()) -> ConsumerRecord:
    return ConsumerRecord(topic="dimona.notifications", partition=1, offset=offset,
                          timestamp=0, timestamp_type=0, key=None, value=value, checksum=None,
                          serialized_key_size=0, serialized_value_size=0, headers=headers)


GARBAGE = [None, b"", b"\xff\xfe\x00 not utf-8", b"[" * 100_000, b'{"event_id": "x\\u0000"}',
           b"null", b'"a string"', b"\x00" * 50]


def test_every_undecodable_record_is_a_dead_letter_with_its_reason():
    message = SimpleNamespace(raw_message=tuple(record(v, i) for i, v in enumerate(GARBAGE)))
    good, bad = decode_records(message, NotificationSent)
    assert good == []
    assert [(d.offset, d.partition, d.topic) for d in bad] == [
        (i, 1, "dimona.notifications") for i in range(len(GARBAGE))]
    assert all(d.reason for d in bad)


def test_headers_that_are_not_utf8_or_a_lying_content_type_do_not_fail_the_batch():
    records = (record(b"{", 0, (("content-type", b"application/json"),)),
               record(b"\xff", 1, (("x", b"\xff\xfe"), ("y", None))))
    parser = AioKafkaBatchParser(KafkaMessage, None)
    message = asyncio.run(without_headers(records, parser.parse_batch))
    assert undecoded(message) == [b"{", b"\xff"]
    assert len(decode_records(message, NotificationSent)[1]) == 2


def test_a_dead_letter_row_is_cut_short_and_has_no_nul():
    letter = DeadLetter(topic="t", partition=0, offset=7, reason="a\x00b",
                        value="\x00" + "x" * 10 * VALUE_CHARS)
    group, topic, partition, offset, digest, reason, value, size = row("g", letter)
    assert (group, topic, partition, offset, reason) == ("g", "t", 0, 7, "a\\u0000b")
    assert "\x00" not in value and len(value) <= VALUE_CHARS + 5 and size == 1 + 10 * VALUE_CHARS
    assert digest != row("g", letter.model_copy(update={"value": "y"}))[4]


def test_batch_line_rejections_are_counted_by_kind():
    assert [rejection_kind(r) for r in ("empty line", "not valid JSON",
                                        "line longer than 1048576 bytes",
                                        "worker.ssin: String should match pattern")] == [
        "empty_line", "not_json", "line_too_long", "not_a_declaration"]
    metrics = Metrics()
    metrics.counted("batch", 3, {"not_json": 2})
    metrics.counted("webservice", 1, {})
    metrics.refused("rest", "too_large")
    text = metrics.exposition().decode()
    assert 'dimona_declarations_received_total{channel="batch"} 3.0' in text
    assert 'dimona_inputs_rejected_total{channel="batch",reason="not_json"} 2.0' in text
    assert 'dimona_inputs_rejected_total{channel="rest",reason="too_large"} 1.0' in text
