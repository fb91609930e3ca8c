"""A real Kafka-protocol broker on loopback: librdkafka's mock cluster, kept alive by this process.

Run as ``python -m tests.kafka.mockbroker``: prints ``BOOTSTRAP host:port`` on one
line once the cluster answers, then lives until SIGTERM/SIGINT (shared/WIRE.md §5).
"""
from __future__ import annotations

import signal
import sys
import threading


def main() -> int:
    from confluent_kafka.admin import AdminClient

    client = AdminClient({"test.mock.num.brokers": 1, "log_level": 4})
    brokers = client.list_topics(timeout=10).brokers
    address = next(iter(brokers.values()))
    print(f"BOOTSTRAP {address.host}:{address.port}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1.0):
        client.poll(0) if hasattr(client, "poll") else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
