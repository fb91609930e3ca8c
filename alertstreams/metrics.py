"""readstreams' own metrics: messages handled, dead letters, and lag per partition, for Prometheus.

readstreams is its own process (often on its own machine), so it serves these itself
(``readstreams --metrics-port``, loopback unless ``--metrics-address`` says otherwise), beside what it
stores (``tom_datums_stored_total{route="stream"}``, from ``dataproducts.metrics``).

Lag is what the broker holds that this reader has not handled yet: the partition's high watermark (as
librdkafka last heard it with a fetch: no request to the broker) minus the reader's position, which moves
only as messages are handled and their offsets stored after the database commit. It is refreshed from the
reading loop every ``LAG_SECONDS`` (a batch takes well under a second), never from the metrics server's
thread, which never touches the Kafka consumer.
"""
from __future__ import annotations

import time
from collections import Counter as Tally

from prometheus_client import Counter, Gauge, start_http_server

MESSAGES_HANDLED = Counter("tom_stream_messages_handled", "Stream messages handled (ingested, skipped or set "
                           "aside as dead letters), offsets stored after the database commit", ["stream", "topic"])
DEAD_LETTERS = Counter("tom_stream_dead_letters", "Stream messages kept as dead letters", ["stream"])
LAG = Gauge("tom_stream_lag_messages", "Messages on the broker this reader has not handled yet (high watermark "
            "minus position), per assigned partition", ["stream", "topic", "partition"])
LAG_SECONDS = 5.0


def record_batch(stream_name: str, messages, dead_letters: int = 0) -> None:
    """A committed batch: one increment per topic, not per message."""
    for topic, n in Tally(m.topic for m in messages).items():
        MESSAGES_HANDLED.labels(stream_name, topic).inc(n)
    if dead_letters:
        DEAD_LETTERS.labels(stream_name).inc(dead_letters)


class LagReporter:
    """Sets the lag gauges of the streams it is given, at most every ``LAG_SECONDS``; forgets partitions a
    stream no longer reads (closed, reassigned to another reader of the group)."""

    def __init__(self, every: float = LAG_SECONDS):
        self.every = every
        self.last = 0.0
        self.shown: dict[str, set[tuple[str, int]]] = {}

    def update(self, streams, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        for stream in streams:
            lag = stream.lag()
            for (topic, partition), value in lag.items():
                LAG.labels(stream.name, topic, str(partition)).set(value)
            gone = self.shown.get(stream.name, set()) - set(lag)
            for topic, partition in gone:
                try:
                    LAG.remove(stream.name, topic, str(partition))
                except KeyError:
                    pass
            self.shown[stream.name] = set(lag)


def serve(port: int, address: str) -> None:
    """Prometheus' text format on ``address:port`` from a daemon thread (``OSError`` if it cannot listen)."""
    start_http_server(port, addr=address)
