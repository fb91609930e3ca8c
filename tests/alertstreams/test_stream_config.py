"""ALERT_STREAMS checked at start: every mistake names its key (no broker needed to find them)."""
from __future__ import annotations

import pytest

from alertstreams.streams import HopskotchAlertStream, StreamConfigError, load_streams

HOP = "alertstreams.streams.HopskotchAlertStream"
HANDLER = "alertstreams.hermes.hermes_alert_handler"


def entry(**options):
    base = {"URL": "kafka://kafka.example.org/", "TOPIC_HANDLERS": {"hermes.test": HANDLER}}
    base.update(options)
    return {"ACTIVE": True, "NAME": HOP, "OPTIONS": {k: v for k, v in base.items() if v is not None}}


@pytest.mark.parametrize("entries, key, words", [
    ({"NAME": HOP}, "ALERT_STREAMS", "must be a list"),
    ([{"ACTIVE": True, "OPTIONS": {}}], "ALERT_STREAMS[0].NAME", "is required"),
    ([{"NAME": "alertstreams.streams.NoSuchStream", "OPTIONS": {}}], "ALERT_STREAMS[0].NAME", "cannot import"),
    ([{"NAME": "alertstreams.hermes.hermes_alert_handler", "OPTIONS": {}}], "ALERT_STREAMS[0].NAME",
     "not an AlertStream"),
    ([entry(URL=None)], "ALERT_STREAMS[0].OPTIONS.URL", "is required"),
    ([entry(URL="http://kafka.example.org/")], "ALERT_STREAMS[0].OPTIONS.URL", "kafka://"),
    ([entry(URL="kafka://kafka.example.org/hermes.test")], "ALERT_STREAMS[0].OPTIONS.URL", "TOPIC_HANDLERS"),
    ([entry(TOPIC_HANDLERS={"hermes.test": "alertstreams.hermes.no_such_handler"})],
     "ALERT_STREAMS[0].OPTIONS.TOPIC_HANDLERS['hermes.test']", "cannot import"),
    ([entry(TOPIC_HANDLERS={"hermes.test": "nodots"})],
     "ALERT_STREAMS[0].OPTIONS.TOPIC_HANDLERS['hermes.test']", "dotted path"),
    ([entry(TOPIC_HANDLERS={"^hermes[": HANDLER})], "ALERT_STREAMS[0].OPTIONS.TOPIC_HANDLERS['^hermes[']",
     "regular expression"),
    ([entry(TOPIC_HANDLERS={})], "ALERT_STREAMS[0].OPTIONS.TOPIC_HANDLERS", "must map topics"),
    ([entry(USERNAME="alice")], "ALERT_STREAMS[0].OPTIONS.PASSWORD", "go together"),
    ([entry(PASSWORD="secret-pw")], "ALERT_STREAMS[0].OPTIONS.USERNAME", "go together"),
    ([entry(START_POSITION="MIDDLE")], "ALERT_STREAMS[0].OPTIONS.START_POSITION", "EARLIEST or LATEST"),
    ([entry(), entry(TOPICS=["x"])], "ALERT_STREAMS[1].OPTIONS.TOPICS", "unknown option"),
])
def test_a_bad_entry_is_refused_naming_its_key(entries, key, words):
    with pytest.raises(StreamConfigError) as caught:
        load_streams(entries)
    assert caught.value.key == key and words in str(caught.value)
    assert "secret-pw" not in str(caught.value)


def test_scram_credentials_come_from_username_and_password():
    stream = load_streams([entry(USERNAME="alice", PASSWORD="pw-1", GROUP_ID="alice-tom")])[0]
    config = stream.consumer_config()
    assert config["sasl.mechanism"] == "SCRAM-SHA-512" and config["security.protocol"] == "SASL_SSL"
    assert (config["sasl.username"], config["sasl.password"], config["group.id"]) == ("alice", "pw-1", "alice-tom")


def test_leaving_username_and_password_out_means_no_authentication_for_a_local_broker():
    stream = load_streams([entry()])[0]
    config = stream.consumer_config()
    assert "sasl.mechanism" not in config and "security.protocol" not in config
    assert config["group.id"].endswith("-readstreams")  # a stable default: committed offsets survive restarts


def test_the_tom_toolkits_dotted_paths_work_unchanged():
    toolkit = {"ACTIVE": True, "NAME": "tom_alertstreams.alertstreams.hopskotch.HopskotchAlertStream",
               "OPTIONS": {"URL": "kafka://kafka.scimma.org/", "GROUP_ID": "g", "USERNAME": "u", "PASSWORD": "p",
                           "TOPIC_HANDLERS": {"tomtoolkit.test":
                                              "tom_dataproducts.alertstreams.hermes.hermes_alert_handler"}}}
    stream = load_streams([toolkit, {**toolkit, "ACTIVE": False, "NAME": "nothing.at.all"}])
    assert len(stream) == 1 and isinstance(stream[0], HopskotchAlertStream)
    assert stream[0].rule_for("tomtoolkit.test").handler.path.endswith("hermes_alert_handler")


def test_gcn_needs_a_client_id_or_a_local_broker():
    gcn = {"NAME": "alertstreams.streams.GCNClassicAlertStream", "OPTIONS": {"TOPIC_HANDLERS": {"t": HANDLER}}}
    with pytest.raises(StreamConfigError, match="GCN_CLASSIC_CLIENT_ID"):
        load_streams([gcn])
    gcn["OPTIONS"]["GCN_CLASSIC_CLIENT_ID"] = "id"
    with pytest.raises(StreamConfigError, match="GCN_CLASSIC_CLIENT_SECRET"):
        load_streams([gcn])
