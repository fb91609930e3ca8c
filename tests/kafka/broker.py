"""A real Kafka-protocol broker on loopback (mockbroker.py in its own process): start it, name topics, stop it.

Plain functions (no pytest here), so that the fixtures (fixtures.py) and ``bench/streams.py`` start the same
broker the same way, and a benchmark runs with what ``make run`` installs.
"""
from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

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


def start_broker(group_initial_rebalance_delay_ms: int = 0) -> Broker:
    """``group_initial_rebalance_delay_ms``: how long a consumer group's first join waits for more members (a
    real broker's default is 3000; the tests', 0: see mockbroker.py)."""
    process = subprocess.Popen([sys.executable, "-m", "tests.kafka.mockbroker", str(group_initial_rebalance_delay_ms)],
                               cwd=ROOT,
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
