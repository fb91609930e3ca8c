"""A TOM Toolkit user's alert-stream settings, as its documentation and tom-alertstreams' write them, work here:
``INSTALLED_APPS += ['tom_alertstreams']``, the documented ALERT_STREAMS block and handler path, tom-alertstreams'
example handlers and its topic keys written as regular expressions, read as tom-alertstreams reads them."""
from __future__ import annotations

import logging
import re
import time
import tomllib
import uuid
from io import StringIO

import pytest
from confluent_kafka import Producer
from django.core.management import call_command
from tom_dataproducts.alertstreams import hermes as documented

from alertstreams.hermes import hermes_alert_handler
from alertstreams.streams import HopskotchAlertStream, StreamConfigError, _topic_rule, load_streams
from tests.kafka.fixtures import start_broker, stop_broker

from . import handlers
from .conftest import ROOT, ReaderTom, hermes_message, photometry_row, publish
from .documented import ALERT_STREAMS_BLOCK, INSTALLED_APPS_LINE, write_settings


@pytest.fixture(scope="module")
def own_broker():
    """A broker of this module's own: the documented topic names (tomtoolkit.test, sys.heartbeat) are fixed."""
    broker = start_broker()
    try:
        yield broker
    finally:
        stop_broker(broker)


@pytest.fixture(autouse=True)
def fresh_handlers():
    handlers.reset()
    yield
    handlers.reset()


def test_installed_apps_plus_tom_alertstreams_does_not_stop_django(tmp_path):
    tom = ReaderTom(tmp_path)
    tom.env.update(write_settings(tmp_path, INSTALLED_APPS_LINE))
    result = tom.run("check")
    assert result.returncode == 0, result.stderr
    assert tom.python("import json\nfrom django.apps import apps\n"
                      "print(json.dumps([apps.get_app_config('tom_alertstreams').name,"
                      " apps.get_app_config('alertstreams').name]))") == ["tom_alertstreams", "alertstreams"]


def test_the_documented_block_reads_real_messages_into_the_documented_hermes_handler(tmp_path, own_broker):
    tom = ReaderTom(tmp_path)
    tom.env.update(write_settings(tmp_path, INSTALLED_APPS_LINE, ALERT_STREAMS_BLOCK, test_lines=(
        f"ALERT_STREAMS[0]['OPTIONS']['URL'] = {own_broker.url!r}  # the test's broker\n"
        "# librdkafka's mock broker has no SASL: it is read without authentication (the explicit opt-out)\n"
        "del ALERT_STREAMS[0]['OPTIONS']['USERNAME'], ALERT_STREAMS[0]['OPTIONS']['PASSWORD']\n")))
    assert tom.run("migrate", "-v0", timeout=300).returncode == 0
    tom.python("from targets.services import create_target, TargetInput\n"
               "create_target(None, TargetInput({'name': 'SN 2024ttk', 'type': 'SIDEREAL', 'ra': 1.0, 'dec': 2.0}))\n"
               "print(1)")
    ids = publish(own_broker, "tomtoolkit.test",
                  [hermes_message("SN 2024ttk", [photometry_row("SN 2024ttk", n)], topic="tomtoolkit.test")
                   for n in range(3)])
    result = tom.run("readstreams", "--from-beginning", "--until-end", "--max-seconds", "60")
    assert result.returncode == 0, result.stderr
    assert "Reading tom_alertstreams.alertstreams.hopskotch.HopskotchAlertStream." in result.stdout
    assert "Stopped: 3 messages" in result.stdout, result.stdout
    stored = tom.python(
        "import json\nfrom dataproducts.models import ReducedDatum\nfrom alertstreams.models import IngestedMessage\n"
        "print(json.dumps({'sources': sorted(set(ReducedDatum.objects.filter(target__name='SN 2024ttk')"
        ".values_list('source_name', flat=True))), 'datums': ReducedDatum.objects.count(),"
        " 'messages': sorted(str(i) for i in IngestedMessage.objects.values_list('message_id', flat=True))}))")
    assert stored == {"sources": ["Hermes:tomtoolkit.test"], "datums": 3, "messages": sorted(str(i) for i in ids)}


def test_the_documented_block_with_credentials_in_the_environment_authenticates_with_them(monkeypatch):
    monkeypatch.setenv("SCIMMA_CREDENTIAL_USERNAME", "alice-scimma")
    monkeypatch.setenv("SCIMMA_CREDENTIAL_PASSWORD", "pw-from-the-environment")
    namespace = {}
    exec("import os\n" + ALERT_STREAMS_BLOCK, namespace)  # the settings file, as the documentation writes it
    stream = load_streams(namespace["ALERT_STREAMS"])[0]
    assert isinstance(stream, HopskotchAlertStream)
    config = stream.consumer_config()
    assert (config["sasl.username"], config["sasl.password"]) == ("alice-scimma", "pw-from-the-environment")
    assert config["sasl.mechanism"] == "SCRAM-SHA-512" and config["security.protocol"] == "SASL_SSL"
    assert config["bootstrap.servers"] == "kafka.scimma.org"  # librdkafka adds the default port
    assert config["group.id"] == "alice-scimma-test-tom-readstreams"  # SCiMMA wants the username first
    assert stream.rule_for("tomtoolkit.test").handler.path == \
        "tom_dataproducts.alertstreams.hermes.hermes_alert_handler"


def heartbeat(count: int) -> dict:
    """SCiMMA's sys.heartbeat: a count and the time in microseconds since the epoch."""
    return {"timestamp": int(time.time() * 1e6), "count": count, "beat": "test"}


def readstreams(settings, streams) -> str:
    settings.ALERT_STREAMS = streams
    out = StringIO()
    call_command("readstreams", "--from-beginning", "--until-end", "--max-seconds", "60", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_tom_alertstreams_example_handlers_and_regex_keys_as_its_readme_writes_them(settings, own_broker, caplog):
    publish(own_broker, "sys.heartbeat", [heartbeat(299), heartbeat(300), heartbeat(301)])
    ids = {topic: publish(own_broker, topic, [{"topic": topic}])[0]
           for topic in ("gcn.a", "gcn.b.extra", "gcn.c", "xgcn.a")}
    streams = [{
        'ACTIVE': True,
        'NAME': 'tom_alertstreams.alertstreams.hopskotch.HopskotchAlertStream',
        'OPTIONS': {
            'URL': own_broker.url,
            'GROUP_ID': f"test-{uuid.uuid4().hex[:8]}",
            'TOPIC_HANDLERS': {
                'sys.heartbeat': 'tom_alertstreams.alertstreams.hopskotch.heartbeat_handler',
                r'gcn\.(a|b).*': 'tom_alertstreams.alertstreams.hopskotch.alert_logger',
            },
        },
    }]
    caplog.set_level(logging.INFO, logger="alertstreams.handlers")
    output = readstreams(settings, streams)
    assert "Stopped: 5 messages" in output  # 3 heartbeats, gcn.a and gcn.b.extra: gcn.c and xgcn.a are not read
    logged = [r.getMessage() for r in caplog.records if r.name == "alertstreams.handlers"]
    beats = [m for m in logged if m.startswith("Heartbeat ")]
    assert len(beats) == 1, logged  # every 300th beat only
    assert re.match(r"^Heartbeat 300 at \d{4}-\d\d-\d\dT[\d:.]+\+00:00 on sys\.heartbeat$", beats[0]), beats
    alerts = {m for m in logged if m.startswith("Alert ")}
    assert alerts == {f"Alert (uuid={ids['gcn.a']}) received on topic gcn.a: {{'topic': 'gcn.a'}}",
                      f"Alert (uuid={ids['gcn.b.extra']}) received on topic gcn.b.extra: {{'topic': 'gcn.b.extra'}}"}


@pytest.mark.django_db
def test_tom_alertstreams_gcn_stream_and_its_alert_logger(settings, own_broker, caplog):
    producer = Producer({"bootstrap.servers": own_broker.bootstrap})
    producer.produce("gcn.classic.text.LVC_INITIAL", b"TITLE: GCN/LVC NOTICE")
    producer.flush(10)
    streams = [{'ACTIVE': True, 'NAME': 'tom_alertstreams.alertstreams.gcn.GCNClassicAlertStream', 'OPTIONS': {
        'CONFIG': {"bootstrap.servers": own_broker.bootstrap, "security.protocol": "plaintext"},
        'TOPIC_HANDLERS': {'gcn.classic.text.LVC_INITIAL': 'tom_alertstreams.alertstreams.gcn.alert_logger'}}}]
    caplog.set_level(logging.INFO, logger="alertstreams.handlers")
    assert "Stopped: 1 message in" in readstreams(settings, streams)
    assert [r.getMessage() for r in caplog.records if r.name == "alertstreams.handlers"] == [
        "GCN message on topic gcn.classic.text.LVC_INITIAL: b'TITLE: GCN/LVC NOTICE'"]


@pytest.mark.django_db
def test_handlers_written_for_tom_alertstreams_keywords_get_the_stream_topic_and_metadata(settings, own_broker):
    topic = f"keywords.{uuid.uuid4().hex[:8]}"
    publish(own_broker, topic, [{"n": 1}])
    streams = [{"NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {
        "URL": own_broker.url, "GROUP_ID": f"test-{uuid.uuid4().hex[:8]}", "TOPIC_HANDLERS": {
            topic: "tests.alertstreams.handlers.record_keywords",
            f"{topic}-2": "tests.alertstreams.handlers.record_stream_and_topic"}}}]
    publish(own_broker, f"{topic}-2", [{"n": 2}])
    readstreams(settings, streams)
    got = {kind: (alert.content, kwargs) for kind, alert, kwargs in handlers.calls}
    content, kwargs = got["keywords"]
    assert content == {"n": 1} and set(kwargs) == {"alert_stream", "topic", "metadata"}
    assert isinstance(kwargs["alert_stream"], HopskotchAlertStream) and kwargs["topic"] == topic
    assert kwargs["metadata"].topic == topic and dict(kwargs["metadata"].headers)["_format"] == b"json"
    content, kwargs = got["stream-and-topic"]
    assert content == {"n": 2} and kwargs["topic"] == f"{topic}-2" and kwargs["metadata"].offset == 0


# Topics to try every key on: tom-alertstreams reads a key with "*" as re.match(key, topic).
TOPICS = ["gcn.a", "gcn.b", "gcn.b.extra", "gcn.ab", "gcn.c", "xgcn.a", "gcn", "hermes", "hermes.test",
          "hermesX", "lvk.alert.extra", "lvk.alert", "sys.heartbeat", "tomtoolkit.test"]


@pytest.mark.parametrize("key", [r"gcn\.(a|b).*", "hermes.*", "lvk.*alert", "gcn.*", r"^gcn\..*"])
def test_a_key_with_a_star_routes_every_topic_tom_alertstreams_routes_with_it(key):
    rule = _topic_rule(key, "alertstreams.handlers.alert_logger", "TOPIC_HANDLERS")
    for topic in TOPICS:
        if re.match(key, topic):
            assert rule.matches(topic), (key, topic)


@pytest.mark.parametrize("key, matched, not_matched", [
    (r"gcn\.(a|b).*", ["gcn.a", "gcn.b.extra", "gcn.ab"], ["gcn.c", "xgcn.a", "gcn"]),  # re.match: start only
    ("lvk.*alert", ["lvk.alert", "lvk.alert.extra"], ["lvk"]),  # re.match is open at the end
    ("hermes.*", ["hermes.test", "hermes", "hermesX"], ["xhermes"]),  # "." is any character to re.match
    ("*.test", ["hermes.test", "tomtoolkit.test"], ["hermes.test2"]),  # not a regex: our glob alone
    ("gcn*heartbeat", ["gcn.heartbeat", "gcnheartbeat"], ["gcn.heartbeat.x"]),  # our glob, whole name
    (r"^gcn\.(a|b)$", ["gcn.a", "gcn.b"], ["gcn.ab", "gcn.a.x"]),  # ours: "^" and the whole name
    ("hermes.?est", ["hermes.test"], ["hermes.tests"]),  # "?" without "*": our glob
    ("gcn.a", ["gcn.a"], ["gcnXa", "gcn.a.x"]),  # no "*", "?", "[" or "^": an exact name, as tom-alertstreams
])
def test_topic_keys_our_forms_and_tom_alertstreams_regexes(key, matched, not_matched):
    rule = _topic_rule(key, "alertstreams.handlers.alert_logger", "TOPIC_HANDLERS")
    assert [t for t in matched + not_matched if rule.matches(t)] == matched


def test_exact_names_come_first_then_patterns_in_order_then_star():
    stream = load_streams([{"NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {
        "URL": "kafka://127.0.0.1:9/", "TOPIC_HANDLERS": {
            "*": "tests.alertstreams.handlers.record", "gcn.*": "tests.alertstreams.handlers.record_other",
            r"gcn\.a.*": "tests.alertstreams.handlers.record_keywords",
            "gcn.a.exact": "tests.alertstreams.handlers.flaky"}}}])[0]
    assert stream.rule_for("gcn.a.exact").key == "gcn.a.exact"
    assert stream.rule_for("gcn.a.other").key == "gcn.*"  # the first pattern given wins, as in tom-alertstreams
    assert stream.rule_for("hermes.test").key == "*"


def test_own_code_importing_the_toolkits_hermes_handler_runs_ours():
    """``tom_dataproducts.alertstreams.hermes`` is a module here (the tom_dataproducts compat package)."""
    stream = load_streams([{"NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {
        "URL": "kafka://127.0.0.1:9/",
        "TOPIC_HANDLERS": {"hermes.test": "tests.alertstreams.toolkit_handler.only_photometry"}}}])[0]
    assert stream.rule_for("hermes.test").handler.path == "tests.alertstreams.toolkit_handler.only_photometry"
    assert documented.hermes_alert_handler is hermes_alert_handler


def test_own_code_importing_tom_hermes_is_told_our_path():
    with pytest.raises(StreamConfigError) as caught:
        load_streams([{"NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {
            "URL": "kafka://127.0.0.1:9/",
            "TOPIC_HANDLERS": {"hermes.test": "tests.alertstreams.toolkit3_handler.only_photometry"}}}])
    assert caught.value.key == "ALERT_STREAMS[0].OPTIONS.TOPIC_HANDLERS['hermes.test']"
    assert "No module named 'tom_hermes'" in str(caught.value)
    assert "in this TOM, import it as 'from alertstreams.hermes import hermes_alert_handler'" in str(caught.value)


def test_a_tom_alertstreams_subclass_that_only_listens_is_refused_naming_it():
    with pytest.raises(StreamConfigError) as caught:
        load_streams([{"NAME": "tests.alertstreams.toolkit_stream.ListenOnlyStream",
                       "OPTIONS": {"TOPIC_HANDLERS": {"t": "alertstreams.handlers.alert_logger"}}}])
    assert caught.value.key == "ALERT_STREAMS[0].NAME" and "listen() is not called here" in str(caught.value)


def test_the_package_is_shipped():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "tom_alertstreams*" in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
