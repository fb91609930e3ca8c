"""pytest fixtures for a real Kafka-protocol broker on loopback (see broker.py and mockbroker.py)."""
from __future__ import annotations

import os

import pytest

from tests.kafka.broker import Broker, start_broker, stop_broker

__all__ = ["Broker", "kafka_broker", "start_broker", "stop_broker"]


@pytest.fixture(scope="session")
def kafka_broker():
    """One broker for the session; use ``Broker.new_topic()`` per test. hop must not offload (no DescribeConfigs)."""
    os.environ.setdefault("HOP_AUTOMATIC_OFFLOAD", "false")
    broker = start_broker()
    try:
        yield broker
    finally:
        stop_broker(broker)
