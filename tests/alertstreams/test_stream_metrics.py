"""readstreams' metrics: messages handled and dead letters counted per batch, lag per partition, and its own
metrics port serving them with the datums it stored."""
from __future__ import annotations

import json
import time
import uuid
from io import StringIO

import pytest
import requests
from confluent_kafka import Producer, TopicPartition
from django.core.management import call_command
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from alertstreams.streams import load_streams
from tests.servers import free_port

from .conftest import hermes_message, hopskotch, photometry_row, publish
from .test_readstreams_process import make_target

STREAM = "alertstreams.streams.HopskotchAlertStream"


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
def test_handled_messages_and_dead_letters_are_counted_per_stream_and_topic(settings, kafka_broker, target):
    topic = kafka_broker.new_topic("hermes")
    publish(kafka_broker, topic, [hermes_message("SN 2024abc", [photometry_row("SN 2024abc", n)]) for n in range(7)])
    publish(kafka_broker, topic, [b'{"cut short', b"\xff"], raw=True)
    handled, dead = value("tom_stream_messages_handled_total", stream=STREAM, topic=topic), \
        value("tom_stream_dead_letters_total", stream=STREAM)
    settings.ALERT_STREAMS = hopskotch(kafka_broker, topic)
    call_command("readstreams", "--until-end", "--max-seconds", "60", stdout=StringIO())
    assert value("tom_stream_messages_handled_total", stream=STREAM, topic=topic) - handled == 9
    assert value("tom_stream_dead_letters_total", stream=STREAM) - dead == 2


def test_lag_is_the_high_watermark_minus_what_was_taken_per_partition(settings, kafka_broker):
    topic = kafka_broker.new_topic("hermes")
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for n in range(5):  # all on partition 0; the topic's other partitions stay empty
        producer.produce(topic, json.dumps({"n": n}).encode(), partition=0,
                         headers=[("_id", uuid.uuid4().bytes), ("_format", b"json")])
    producer.flush(10)
    settings.ALERT_STREAMS = hopskotch(kafka_broker, topic)
    stream = load_streams()[0]
    stream.open(from_beginning=True)
    try:
        deadline = time.monotonic() + 30
        while not stream.subscribed and time.monotonic() < deadline:  # the group assigns within poll()
            stream.refresh_topics(1.0)
        taken = []
        while len(taken) < 2 and time.monotonic() < deadline:
            taken += stream.poll(2 - len(taken), 0.5)
        assert [m.offset for m in taken] == [0, 1]
        # Partition 0 is held where it is while the empty partitions are read to their end.
        stream.consumer.pause([TopicPartition(topic, 0)])
        while stream.active - {(topic, 0)} and time.monotonic() < deadline:
            assert stream.poll(10, 0.2) == []
        lag = stream.lag()
    finally:
        stream.close()
    assert lag[(topic, 0)] == 3
    assert {key: n for key, n in lag.items() if key != (topic, 0)} == {(topic, p): 0 for p in range(1, 4)}


def metric(text: str, name: str, **labels) -> float | None:
    """The sum of ``name``'s samples whose labels include ``labels`` (None: no such sample)."""
    values = []
    for family in text_string_to_metric_families(text):
        values += [s.value for s in family.samples if s.name == name and labels.items() <= s.labels.items()]
    return sum(values) if values else None


def test_the_metrics_port_serves_messages_lag_and_the_datums_stored(reader_tom, kafka_broker):
    name, topic = f"SN met {uuid.uuid4().hex[:6]}", kafka_broker.new_topic("hermes")
    make_target(reader_tom, name)
    publish(kafka_broker, topic, [hermes_message(name, [photometry_row(name, m * 3 + r) for r in range(3)])
                                  for m in range(4)])
    port = free_port()
    reader = reader_tom.popen("readstreams", "--skip-checks", "--metrics-port", str(port),
                              alert_streams=hopskotch(kafka_broker, topic))
    try:
        deadline, text = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except requests.ConnectionError:
                text = ""
            if metric(text, "tom_stream_messages_handled_total") == 4 and \
                    metric(text, "tom_stream_lag_messages", stream=STREAM, topic=topic) == 0:
                break
            time.sleep(0.3)
        assert metric(text, "tom_stream_messages_handled_total", stream=STREAM, topic=topic) == 4, text
        assert metric(text, "tom_datums_stored_total", route="stream") == 12
        assert metric(text, "tom_stream_lag_messages", stream=STREAM, topic=topic) == 0
    finally:
        reader.terminate()
        output = reader.communicate(timeout=30)[0]
    assert reader.returncode == 0, output


def test_a_metrics_port_in_use_stops_readstreams_in_one_line(reader_tom, kafka_broker):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = reader_tom.run("readstreams", "--skip-checks", "--max-seconds", "5", "--metrics-port",
                                str(taken.getsockname()[1]), alert_streams=hopskotch(kafka_broker, "hermes.x"))
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.strip().startswith("CommandError: --metrics-port: cannot listen on 127.0.0.1:")
