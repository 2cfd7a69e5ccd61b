"""The metrics of GET /metrics (Prometheus text format): what this intake process counted
since it started, and the counts PostgreSQL keeps (dead letters, batch lines), read at each
scrape."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

# The input channel of a declaration's channel (schemas.events.Channel).
INPUT_CHANNEL = {"webservice": "rest", "web-unsecured": "rest", "batch": "batch", "web": "web"}


class Metrics:
    """The counters of this process, in a registry of its own (nothing global)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter(
            "dimona_declarations_received",
            "Declarations this intake process recorded since it started, by channel "
            "(webservice, web-unsecured, batch).", ["channel"], registry=self.registry)
        self.rejected = Counter(
            "dimona_inputs_rejected",
            "Inputs this intake process refused since it started, by channel (rest, batch) "
            "and reason: REST bodies and batch files answered with a problem, batch lines "
            "rejected in their acknowledgement.", ["channel", "reason"],
            registry=self.registry)

    def counted(self, channel: str, accepted: int, rejections: Mapping[str, int]) -> None:
        """What intake recorded (application.Counted)."""
        if accepted:
            self.received.labels(channel).inc(accepted)
        for reason, count in rejections.items():
            self.rejected.labels(INPUT_CHANNEL.get(channel, channel), reason).inc(count)

    def refused(self, channel: str, reason: str) -> None:
        self.rejected.labels(channel, reason).inc()

    def read_stored(self, dead_letters: Callable[[], list[dict]],
                    batch_lines: Callable[[], dict[str, int]]) -> None:
        """Also show the counts PostgreSQL keeps, read at each scrape."""
        self.registry.register(StoredCounts(dead_letters, batch_lines))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class StoredCounts(Collector):
    """Counts over every process and restart: the dead letters of all consumers, the lines
    of every batch file (`dimona submit` too, which does not go through intake)."""

    def __init__(self, dead_letters: Callable[[], list[dict]],
                 batch_lines: Callable[[], dict[str, int]]):
        self.dead_letters, self.batch_lines = dead_letters, batch_lines

    def collect(self) -> Iterator[Metric]:
        letters = CounterMetricFamily(
            "dimona_dead_letters", "Kafka records a consumer could not decode "
            "(`dimona deadletters` lists them), by topic and consumer group.",
            labels=["topic", "consumer_group"])
        for row in self.dead_letters():
            letters.add_metric([row["topic"], row["consumerGroup"]], row["count"])
        yield letters
        lines = CounterMetricFamily(
            "dimona_batch_lines", "Lines of the batch files received, by outcome (accepted: "
            "a declaration; rejected: answered in the acknowledgement with its reason).",
            labels=["outcome"])
        for outcome, count in self.batch_lines().items():
            lines.add_metric([outcome], count)
        yield lines
