"""The documented ALERT_STREAMS with its environment variables unset (the placeholders still in place) refuses
to start, naming USERNAME and PASSWORD, instead of connecting anonymously and retrying forever. Anonymous reading
is for the explicit opt-out only: USERNAME and PASSWORD left out."""
from __future__ import annotations

import socket

import pytest

from alertstreams.streams import StreamConfigError, load_streams

from .conftest import HERMES_HANDLER, ReaderTom
from .documented import ALERT_STREAMS_BLOCK, CREDENTIAL_VARIABLES, INSTALLED_APPS_LINE, write_settings

PLACEHOLDER = "set SCIMMA_CREDENTIAL_USERNAME value in environment"  # what the documented block falls back to


@pytest.fixture
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_documented_block_with_its_variables_unset_refuses_to_start_naming_them(tmp_path, free_port):
    tom = ReaderTom(tmp_path)
    for name in CREDENTIAL_VARIABLES:
        tom.env.pop(name, None)
    tom.env.update(write_settings(tmp_path, INSTALLED_APPS_LINE, ALERT_STREAMS_BLOCK, test_lines=(
        # nothing leaves this machine, even if the refusal failed (then the run would end after 5 s, exit 0)
        f"ALERT_STREAMS[0]['OPTIONS']['URL'] = 'kafka://127.0.0.1:{free_port}/'\n")))
    result = tom.run("readstreams", "--skip-checks", "--max-seconds", "5")
    assert result.returncode != 0 and result.stdout == "", result.stdout  # not even "Reading ..."
    assert result.stderr.strip() == (
        "CommandError: ALERT_STREAMS is misconfigured: ALERT_STREAMS[0].OPTIONS.USERNAME: USERNAME and PASSWORD "
        f"are still the documentation's placeholder ('{PLACEHOLDER}'): set the environment variables your settings "
        "read USERNAME and PASSWORD from (SCIMMA_CREDENTIAL_USERNAME and SCIMMA_CREDENTIAL_PASSWORD in the TOM "
        "Toolkit's documentation), or leave USERNAME and PASSWORD out for a broker without authentication.")


def hopskotch(**credentials) -> list[dict]:
    options = {"URL": "kafka://127.0.0.1:9/", "TOPIC_HANDLERS": {"hermes.test": HERMES_HANDLER}, **credentials}
    return [{"NAME": "tom_alertstreams.alertstreams.hopskotch.HopskotchAlertStream", "OPTIONS": options}]


@pytest.mark.parametrize("credentials, key, words", [
    ({"USERNAME": PLACEHOLDER, "PASSWORD": PLACEHOLDER.replace("USERNAME", "PASSWORD")}, "USERNAME",
     "USERNAME and PASSWORD are still the documentation's placeholder ('set SCIMMA_CREDENTIAL_USERNAME value in "
     "environment', 'set SCIMMA_CREDENTIAL_PASSWORD value in environment')"),
    ({"USERNAME": "alice", "PASSWORD": PLACEHOLDER}, "PASSWORD",
     f"PASSWORD is still the documentation's placeholder ('{PLACEHOLDER}')"),
    ({"USERNAME": "  Set MY_USER in environment ", "PASSWORD": "real-secret-pw"}, "USERNAME",
     "USERNAME is still the documentation's placeholder ('Set MY_USER in environment')"),
    ({"USERNAME": "", "PASSWORD": ""}, "USERNAME", "USERNAME and PASSWORD are empty"),  # os.environ.get(..., '')
    ({"USERNAME": None, "PASSWORD": None}, "USERNAME", "USERNAME and PASSWORD are empty"),  # os.getenv(...)
    ({"USERNAME": "alice", "PASSWORD": "   "}, "PASSWORD", "PASSWORD is empty"),
    ({"USERNAME": "alice"}, "PASSWORD", "USERNAME and PASSWORD go together"),
])
def test_credentials_still_placeholders_or_empty_are_refused_naming_them(credentials, key, words):
    with pytest.raises(StreamConfigError) as caught:
        load_streams(hopskotch(**credentials))
    assert caught.value.key == f"ALERT_STREAMS[0].OPTIONS.{key}"
    assert words in str(caught.value)
    assert "real-secret-pw" not in str(caught.value) and "alice" not in str(caught.value)


def test_leaving_username_and_password_out_is_the_opt_out_for_a_broker_without_authentication():
    config = load_streams(hopskotch())[0].consumer_config()
    assert "sasl.username" not in config and "security.protocol" not in config


@pytest.mark.parametrize("credentials, key", [
    ({"GCN_CLASSIC_CLIENT_ID": "set GCN_CLASSIC_CLIENT_ID value in environment",
      "GCN_CLASSIC_CLIENT_SECRET": "set GCN_CLASSIC_CLIENT_SECRET value in environment"}, "GCN_CLASSIC_CLIENT_ID"),
    ({"GCN_CLASSIC_CLIENT_ID": "", "GCN_CLASSIC_CLIENT_SECRET": ""}, "GCN_CLASSIC_CLIENT_ID"),  # README's default
])
def test_gcn_client_credentials_are_checked_the_same_way(credentials, key):
    entry = {"NAME": "tom_alertstreams.alertstreams.gcn.GCNClassicAlertStream", "OPTIONS": {
        "TOPIC_HANDLERS": {"gcn.circulars": HERMES_HANDLER}, **credentials}}
    with pytest.raises(StreamConfigError) as caught:
        load_streams([entry])
    assert caught.value.key == f"ALERT_STREAMS[0].OPTIONS.{key}"
    assert "GCN_CLASSIC_CLIENT_ID and GCN_CLASSIC_CLIENT_SECRET" in str(caught.value)
