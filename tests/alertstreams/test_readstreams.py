"""readstreams in-process against the real broker: dispatch, malformed messages, retries, dead letters, options."""
from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka import Producer
from django.core.management import CommandError, call_command

from alertstreams.models import DeadLetter, IngestedMessage
from alertstreams.runner import MAX_ATTEMPTS
from dataproducts.models import ReducedDatum

from . import handlers
from .conftest import HERMES_HANDLER, hermes_message, hopskotch, photometry_row, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_handlers():
    handlers.reset()
    yield
    handlers.reset()


def readstreams(settings, streams, *args) -> str:
    from io import StringIO

    settings.ALERT_STREAMS = streams
    out = StringIO()
    call_command("readstreams", "--until-end", "--max-seconds", "60", *args, stdout=out)
    return out.getvalue()


def test_it_ingests_hermes_messages_published_with_hop(settings, kafka_broker, target):
    topic = kafka_broker.new_topic("hermes")
    messages = [hermes_message("SN 2024abc", [photometry_row("SN 2024abc", m * 10 + r) for r in range(10)])
                for m in range(20)]
    ids = publish(kafka_broker, topic, messages)
    output = readstreams(settings, hopskotch(kafka_broker, topic))
    assert "Stopped: 20 messages" in output
    assert ReducedDatum.objects.filter(target=target, source_name=f"Hermes:{topic}").count() == 200
    assert set(IngestedMessage.objects.values_list("message_id", flat=True)) == set(ids)
    locations = set(ReducedDatum.objects.filter(target=target).values_list("source_location", flat=True))
    assert {str(i) in loc for i in ids for loc in locations} >= {True}
    assert len(locations) == 20  # each datum names its own message


def test_malformed_messages_are_set_aside_and_the_stream_goes_on(settings, kafka_broker, target):
    topic = kafka_broker.new_topic("hermes")
    publish(kafka_broker, topic, [hermes_message("SN 2024abc", [photometry_row("SN 2024abc", 1)])])
    bad_ids = publish(kafka_broker, topic, [b'{"title": "cut short', b"[1, 2, 3]", b"\xff\xfe"], raw=True)
    publish(kafka_broker, topic, [
        hermes_message("AT 2099nobody", [photometry_row("AT 2099nobody", 2)]),  # unknown target: logged
        hermes_message("SN 2024abc", [photometry_row("SN 2024abc", 3), {"target_name": "SN 2024abc"}]),
    ])
    output = readstreams(settings, hopskotch(kafka_broker, topic))
    assert "6 messages" in output and "3 dead letters" in output
    assert ReducedDatum.objects.filter(target=target).count() == 2  # rows 1 and 3; the bare row is skipped
    letters = DeadLetter.objects.filter(topic=topic)
    assert {letter.message_id for letter in letters} == {str(i) for i in bad_ids}
    assert {bytes(letter.value) for letter in letters} == {b'{"title": "cut short', b"[1, 2, 3]", b"\xff\xfe"}
    by_value = {bytes(letter.value): letter for letter in letters}
    assert "cannot decode" in by_value[b'{"title": "cut short'].error
    assert "not a JSON object" in by_value[b"[1, 2, 3]"].error
    assert by_value[b"[1, 2, 3]"].handler == HERMES_HANDLER
    assert ["title", "broken"] in by_value[b"[1, 2, 3]"].headers


def test_a_message_that_keeps_failing_is_retried_then_kept_as_a_dead_letter(settings, kafka_broker):
    topic = kafka_broker.new_topic("poison")
    publish(kafka_broker, topic, [{"n": 1}, {"poison": True}, {"n": 2}])
    output = readstreams(settings, hopskotch(kafka_broker, {topic: "tests.alertstreams.handlers.fails_on_poison"}))
    assert "3 messages" in output and "1 dead letter\n" in output
    assert list(handlers.attempts.values()) == [1 + MAX_ATTEMPTS]  # once in the batch, then each retry
    letter = DeadLetter.objects.get(topic=topic)
    assert letter.attempts == MAX_ATTEMPTS and "cannot take poison" in letter.error
    assert json.loads(bytes(letter.value)) == {"poison": True}
    # The topic's partitions are read in any order, so a good message may have been handled in the failed batch
    # (rolled back) as well as alone: each is stored once, whichever batch the poison was in.
    assert sorted(IngestedMessage.objects.values_list("topic", flat=True)) == ["ok 1", "ok 2"]
    assert {alert.content["n"] for _, alert, _ in handlers.calls} == {1, 2}


def test_a_passing_failure_is_retried_without_losing_or_doubling_anything(settings, kafka_broker):
    topic = kafka_broker.new_topic("hermes")
    publish(kafka_broker, topic, [hermes_message("SN 2024abc", [photometry_row("SN 2024abc", n)]) for n in range(5)])
    streams = hopskotch(kafka_broker, {topic: "tests.alertstreams.handlers.flaky"})
    readstreams(settings, streams)
    assert len(handlers.calls) == 5 and DeadLetter.objects.count() == 0


def test_topics_are_dispatched_exact_first_then_patterns_then_star(settings, kafka_broker):
    prefix = f"disp{uuid.uuid4().hex[:6]}"
    exact, patterned, other = f"{prefix}.exact", f"{prefix}.alerts", f"{prefix}x.other"
    for topic in (exact, patterned, other):
        publish(kafka_broker, topic, [{"topic": topic}])
    streams = hopskotch(kafka_broker, {
        f"{prefix}.*": "tests.alertstreams.handlers.record_other",
        exact: "tests.alertstreams.handlers.record",
        "*": "tests.alertstreams.handlers.gcn_message",  # never reached for these: star comes last
    }, START_POSITION="EARLIEST")
    readstreams(settings, streams, "--topic", exact, "--topic", patterned)
    got = {alert.content["topic"]: kind for kind, alert, _ in handlers.calls}
    assert got == {exact: "record", patterned: "other"}  # --topic left the third out


def test_offsets_are_committed_so_a_second_run_goes_on_where_the_first_stopped(settings, kafka_broker):
    topic = kafka_broker.new_topic("resume")
    publish(kafka_broker, topic, [{"n": n} for n in range(30)])
    streams = hopskotch(kafka_broker, {topic: "tests.alertstreams.handlers.record"}, GROUP_ID="resume-group-"
                        + uuid.uuid4().hex[:6])
    assert "Stopped: 12 messages" in readstreams(settings, streams, "--max-messages", "12")
    readstreams(settings, streams)
    numbers = [alert.content["n"] for _, alert, _ in handlers.calls]
    assert sorted(numbers) == list(range(30))  # each exactly once across the two runs
    handlers.reset()
    readstreams(settings, streams, "--from-beginning")
    assert len(handlers.calls) == 30


def test_gcn_classic_stream_hands_the_kafka_message_to_a_one_argument_handler(settings, kafka_broker):
    topic = kafka_broker.new_topic("gcn.classic.voevent")
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    producer.produce(topic, b"<voe:VOEvent>...</voe:VOEvent>")
    producer.flush(10)
    streams = [{"ACTIVE": True, "NAME": "alertstreams.streams.GCNClassicAlertStream", "OPTIONS": {
        "CONFIG": {"bootstrap.servers": kafka_broker.bootstrap, "security.protocol": "plaintext"},
        "START_POSITION": "EARLIEST", "TOPIC_HANDLERS": {topic: "tests.alertstreams.handlers.gcn_message"}}}]
    readstreams(settings, streams)
    assert handlers.calls == [("gcn", topic, b"<voe:VOEvent>...</voe:VOEvent>")]


def test_inactive_streams_are_not_read(settings, kafka_broker):
    streams = hopskotch(kafka_broker, "hermes.test")
    streams[0]["ACTIVE"] = False
    with pytest.raises(CommandError, match="no active stream"):
        readstreams(settings, streams)


def test_a_missing_key_stops_the_command_before_reading(settings):
    settings.ALERT_STREAMS = [{"NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {"TOPIC_HANDLERS": {}}}]
    with pytest.raises(CommandError, match=r"ALERT_STREAMS\[0\]\.OPTIONS\.URL: is required"):
        call_command("readstreams")


def test_stream_and_topic_options_choose_what_is_read(settings, kafka_broker):
    topic = kafka_broker.new_topic("chosen")
    publish(kafka_broker, topic, [{"n": 1}])
    streams = hopskotch(kafka_broker, {topic: "tests.alertstreams.handlers.record"})
    with pytest.raises(CommandError, match="--stream: no active stream named Nothing"):
        readstreams(settings, streams, "--stream", "Nothing")
    assert "Stopped: 0 messages" in readstreams(settings, streams, "--topic", "not.this.one")
    assert "Stopped: 1 message in" in readstreams(settings, streams, "--stream", "HopskotchAlertStream")


def test_hop_test_messages_are_skipped_as_hop_readers_skip_them(settings, kafka_broker):
    from hop import Stream

    topic = kafka_broker.new_topic("withtests")
    with Stream(auth=False).open(kafka_broker.topic_url(topic), "w", automatic_offload=False) as producer:
        for n in range(6):
            producer.write({"n": n}, test=(n % 2 == 1), key=b"same-partition")  # one partition: order kept
    streams = hopskotch(kafka_broker, {topic: "tests.alertstreams.handlers.record"})
    assert "Stopped: 6 messages" in readstreams(settings, streams)
    assert [alert.content["n"] for _, alert, _ in handlers.calls] == [0, 2, 4]
    handlers.reset()
    assert "Stopped: 0 messages" in readstreams(settings, streams)  # all six committed, none ahead of its turn


def test_json_messages_decode_as_hop_decodes_them(settings, kafka_broker):
    """Hermes' JSON is parsed by orjson; what orjson reads differently (an integer beyond 64 bits, NaN,
    a lone surrogate) or refuses goes through hop's decoder, so handlers get exactly what hop gives them."""
    topic = kafka_broker.new_topic("decode")
    values = [b'{"n": 1, "x": 1.5e-7, "s": "caf\\u00e9"}', b'{"big": 123456789012345678901234567890}',
              b'{"nan": NaN, "inf": -Infinity}', b'{"lone": "\\ud800"}']
    publish(kafka_broker, topic, values, raw=True)
    readstreams(settings, hopskotch(kafka_broker, {topic: "tests.alertstreams.handlers.record"}))
    got = {json.dumps(alert.content, sort_keys=True) for _, alert, _ in handlers.calls}
    assert got == {json.dumps(json.loads(v), sort_keys=True) for v in values}
    assert {type(alert.content.get("big")) for _, alert, _ in handlers.calls} == {type(None), int}


@pytest.mark.parametrize("value, long", [
    (b'{"n": 123456789012345678}', False),  # 18 digits: orjson holds it exactly
    (b'{"n": 1234567890123456789}', True),
    (b'{"n": -18446744073709551616}', True),
    (b'{"x": 2460000.123456789012345}', False),  # a point breaks the run: orjson reads a float as the json module
    (b'{"s": "01234567890123456789"}', True),  # in a string it is harmless, and hop's decoder takes it all the same
    (b"", False),
])
def test_a_run_of_19_digits_is_found_wherever_it_is(value, long):
    from alertstreams.streams import has_long_number

    assert has_long_number(value) is long
