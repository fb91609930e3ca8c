"""A second TOM of ours, as a separate server process on a loopback port with its own database and files."""
from __future__ import annotations

import pytest

from tests.servers import start_our_tom

PEER_PASSWORD = "second-tom-peer-pw-1"


@pytest.fixture(scope="module")
def second_tom(tmp_path_factory):
    """Our TOM under gunicorn (tests/servers.py); account ``peer`` / PEER_PASSWORD may add targets and lists."""
    server = start_our_tom(tmp_path_factory.mktemp("second-tom"), "Second TOM", PEER_PASSWORD)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def hermes_standin():
    """A stand-in for Hermes' web service on a loopback port (tests/sharing/hermes_standin.py); API key
    ``hermes-test-key``. Call ``.reset()`` before a test that counts what it received."""
    from tests.sharing.hermes_standin import HermesStandIn

    server = HermesStandIn(api_keys=("hermes-test-key",)).start()
    try:
        yield server
    finally:
        server.stop()
