"""readstreams as the real long-running process: killed and restarted, stopped by SIGTERM, its broker gone."""
from __future__ import annotations

import re
import signal
import time
import uuid

import pytest

from tests.kafka.fixtures import start_broker, stop_broker

from .conftest import hermes_message, hopskotch, photometry_row, publish

PROGRESS = re.compile(r"^(\d+) messages? in")


def wait_for_line(process, predicate, timeout: float = 60.0) -> str:
    """Read the process's output until a line satisfies ``predicate``; every line read is returned."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if predicate(line.strip()):
            return "".join(seen)
    raise AssertionError("the line never came; output was:\n" + "".join(seen))


def make_target(tom, name: str) -> None:
    tom.python("from targets.services import create_target, TargetInput\n"
               f"create_target(None, TargetInput({{'name': {name!r}, 'type': 'SIDEREAL', 'ra': 1.0, 'dec': 2.0}}))\n"
               "print(1)")


def counts(tom, name: str, topic: str) -> dict:
    return tom.python(
        "import json\nfrom dataproducts.models import ReducedDatum\nfrom alertstreams.models import IngestedMessage\n"
        f"qs = ReducedDatum.objects.filter(target__name={name!r})\n"
        "print(json.dumps({'datums': qs.count(), 'distinct': qs.values('fingerprint').distinct().count(),"
        f" 'messages': IngestedMessage.objects.filter(topic={topic!r}).count()}}))")


def test_killed_in_the_middle_of_1000_messages_and_restarted_every_datum_is_stored_once(reader_tom, kafka_broker):
    name, topic = f"SN kill {uuid.uuid4().hex[:6]}", kafka_broker.new_topic("hermes")
    make_target(reader_tom, name)
    rows = 20
    publish(kafka_broker, topic, [hermes_message(name, [photometry_row(name, m * rows + r) for r in range(rows)])
                                  for m in range(1000)])
    streams = hopskotch(kafka_broker, topic)
    reader = reader_tom.popen("readstreams", "--progress-seconds", "0.1", alert_streams=streams)
    try:
        wait_for_line(reader, lambda line: bool(PROGRESS.match(line)) and int(PROGRESS.match(line)[1]) > 0)
    finally:
        reader.send_signal(signal.SIGKILL)
        reader.wait(30)
    before = counts(reader_tom, name, topic)
    assert 0 < before["messages"] < 1000, f"the kill did not land mid-stream: {before}"

    restart = reader_tom.run("readstreams", "--until-end", "--max-seconds", "120", alert_streams=streams)
    assert restart.returncode == 0, restart.stderr
    after = counts(reader_tom, name, topic)
    assert after == {"datums": 1000 * rows, "distinct": 1000 * rows, "messages": 1000}
    handled = int(re.search(r"Stopped: (\d+) messages", restart.stdout)[1])
    assert handled >= 1000 - before["messages"]  # what the killed run had not committed came again


def test_sigterm_finishes_commits_and_exits_0(reader_tom, kafka_broker):
    name, topic = f"SN term {uuid.uuid4().hex[:6]}", kafka_broker.new_topic("hermes")
    make_target(reader_tom, name)
    publish(kafka_broker, topic, [hermes_message(name, [photometry_row(name, m)]) for m in range(50)])
    streams = hopskotch(kafka_broker, topic)
    reader = reader_tom.popen("readstreams", "--progress-seconds", "0.2", alert_streams=streams)
    try:
        wait_for_line(reader, lambda line: line.startswith("50 messages"))
        reader.send_signal(signal.SIGTERM)
        output = reader.communicate(timeout=30)[0]
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0 and "Stopped: 50 messages" in output
    # the offsets were committed on the way out: the same group has nothing left to read
    again = reader_tom.run("readstreams", "--until-end", "--max-seconds", "60", alert_streams=streams)
    assert again.returncode == 0 and "Stopped: 0 messages" in again.stdout
    assert counts(reader_tom, name, topic)["datums"] == 50


def test_a_dead_broker_is_reported_and_retried_and_sigterm_still_exits_0(reader_tom):
    broker = start_broker()
    try:
        topic = broker.new_topic("hermes")
        publish(broker, topic, [{"n": 1}])
        reader = reader_tom.popen("readstreams", alert_streams=hopskotch(broker, topic))
        wait_for_line(reader, lambda line: "reading" in line or line.startswith("Reading"))
    finally:
        stop_broker(broker)
    try:
        output = wait_for_line(reader, lambda line: "broker unreachable" in line and "retrying in" in line)
        reader.send_signal(signal.SIGTERM)
        output += reader.communicate(timeout=30)[0]
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, output
    assert "Stopped:" in output


@pytest.mark.parametrize("streams, key", [
    ([{"NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {
        "URL": "kafka://127.0.0.1:9/", "TOPIC_HANDLERS": {"hermes.test": "alertstreams.hermes.nope"}}}],
     "ALERT_STREAMS[0].OPTIONS.TOPIC_HANDLERS['hermes.test']"),
])
def test_a_configuration_error_names_the_key_and_exits_non_zero(reader_tom, streams, key):
    result = reader_tom.run("readstreams", alert_streams=streams)
    assert result.returncode != 0
    assert key in result.stderr and "Traceback" not in result.stderr
