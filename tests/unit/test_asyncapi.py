"""docs/asyncapi.yaml: up to date with the services' subscribers, every topic a channel with
its event, every consumer group of the services named."""

from pathlib import Path

import pytest
import yaml

from dimona import asyncapi
from schemas import topics
from services.common.doorbell import Doorbell

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated() -> str:
    return asyncapi.generate()


@pytest.fixture(scope="module")
def document(generated: str) -> dict:
    return yaml.safe_load(generated)


def operations(document: dict, action: str, topic: str) -> list[dict]:
    """The operations of `action` (send, receive) on the channels whose address is `topic`."""
    found = []
    for operation in document["operations"].values():
        channel = resolve(document, operation["channel"])
        if operation["action"] == action and channel["address"] == topic:
            found.append(operation)
    return found


def resolve(document: dict, reference: dict) -> dict:
    """The object a local `$ref` points at (the keys here hold no `/` nor `~`)."""
    node = document
    for part in reference["$ref"].removeprefix("#/").split("/"):
        node = node[part]
    return node


def payload_of(document: dict, operation: dict) -> str:
    """The name of the schema the operation's one message carries."""
    (reference,) = operation["messages"]
    message = resolve(document, resolve(document, reference))
    return message["payload"]["$ref"].removeprefix("#/components/schemas/")


def test_the_committed_description_is_up_to_date(generated: str) -> None:
    committed = (ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
    assert committed == generated, (
        "docs/asyncapi.yaml differs from what the services' subscribers give now: run make docs")


def test_the_generation_gives_the_same_text_twice(generated: str) -> None:
    assert asyncapi.generate() == generated


def test_every_topic_is_a_channel_with_its_event(document: dict) -> None:
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert set(topics.ALL) <= addresses
    for topic in topics.ALL:
        event = asyncapi.PAYLOADS[topic].__name__
        sent = operations(document, "send", topic)
        assert [payload_of(document, op) for op in sent] == [event], topic
        assert all(payload_of(document, op) == event
                   for op in operations(document, "receive", topic)), topic
        assert document["components"]["schemas"][event]["title"] == event


def test_the_decided_event_brings_its_parts(document: dict) -> None:
    schemas = document["components"]["schemas"]
    assert {"DeclarationDecided", "Anomaly", "PeriodState", "Declaration", "Origin"} <= set(
        schemas)
    assert "rule_version" in schemas["DeclarationDecided"]["properties"]


class RecordingBroker:
    """Records the (topic, consumer group) of every subscriber a service registers."""

    def __init__(self) -> None:
        self.subscribed: list[tuple[str, str]] = []

    def subscriber(self, *topics_: str, group_id: str, **options: object):
        self.subscribed.extend((topic, group_id) for topic in topics_)
        return lambda handler: handler


def test_every_consumer_group_of_the_services_is_named(document: dict) -> None:
    broker = RecordingBroker()
    for handlers, settings in asyncapi.CONSUMERS:
        handlers.subscribe(broker, asyncapi.NEVER, settings(), asyncapi.NEVER,
                           Doorbell("never rung"))
    groups = {group for _, group in broker.subscribed}
    assert {"validator", "projections", "notifier", "projections-notifications"} <= groups
    for topic, group in broker.subscribed:
        received = operations(document, "receive", topic)
        channels = [resolve(document, op["channel"]) for op in received]
        assert any(f"Consumer group `{group}`" in channel.get("description", "")
                   for channel in channels), (topic, group)
    assert len(operations(document, "receive", topics.DECISIONS)) == 2


def test_every_service_with_handlers_is_described() -> None:
    modules = {".".join(path.relative_to(ROOT).with_suffix("").parts)
               for path in (ROOT / "services").glob("*/handlers.py")}
    assert modules == {handlers.__name__ for handlers, _ in asyncapi.CONSUMERS}
