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
