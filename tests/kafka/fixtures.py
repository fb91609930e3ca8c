"""pytest fixtures for a real Kafka-protocol broker on loopback (see mockbroker.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Broker:
    bootstrap: str  # host:port
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"kafka://{self.bootstrap}/"

    def topic_url(self, topic: str) -> str:
        return f"kafka://{self.bootstrap}/{topic}"

    @staticmethod
    def new_topic(prefix: str = "test") -> str:
        """Topics are created by producing to them; a fresh name keeps tests apart."""
        return f"{prefix}.{uuid.uuid4().hex[:10]}"


def start_broker() -> Broker:
    process = subprocess.Popen([sys.executable, "-m", "tests.kafka.mockbroker"], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    if not line.startswith("BOOTSTRAP "):
        process.kill()
        raise RuntimeError(f"The mock Kafka broker did not start: {line!r}")
    return Broker(line.split()[1], process)


def stop_broker(broker: Broker) -> None:
    broker.process.terminate()
    try:
        broker.process.wait(10)
    except subprocess.TimeoutExpired:
        broker.process.kill()


@pytest.fixture(scope="session")
def kafka_broker():
    """One broker for the session; use ``Broker.new_topic()`` per test. hop must not offload (no DescribeConfigs)."""
    os.environ.setdefault("HOP_AUTOMATIC_OFFLOAD", "false")
    broker = start_broker()
    try:
        yield broker
    finally:
        stop_broker(broker)
