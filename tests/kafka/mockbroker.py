"""A real Kafka-protocol broker on loopback: librdkafka's mock cluster, kept alive by this process.

Run as ``python -m tests.kafka.mockbroker``: prints ``BOOTSTRAP host:port`` on one
line once the cluster answers, then lives until SIGTERM/SIGINT (shared/WIRE.md §5).

The cluster is made through librdkafka's C API (the copy confluent-kafka ships) so that one of its
settings can be changed: a consumer group's first join waits ``group.initial.rebalance.delay.ms``, 3 s
as on a real broker, for more members to come; every readstreams run of the tests joins a group of its
own, so here it is 0 unless the first argument gives it (``bench/streams.py --readers 2`` gives 3000, so that
its readers join together as they would on a real broker). Where that API cannot be reached, a confluent-kafka client makes the cluster with
the delay as it is (the tests are then only slower).
"""
from __future__ import annotations

import ctypes
import glob
import os
import signal
import sys
import threading


def _library() -> ctypes.CDLL | None:
    import confluent_kafka

    site = os.path.dirname(os.path.dirname(confluent_kafka.__file__))
    for path in sorted(glob.glob(os.path.join(site, "confluent_kafka.libs", "librdkafka*.so*"))):
        library = ctypes.CDLL(path)
        if hasattr(library, "rd_kafka_mock_group_initial_rebalance_delay_ms"):
            return library
    return None


def _c_cluster(library: ctypes.CDLL, initial_delay_ms: int) -> tuple[object, str]:
    """A client with a one-broker mock cluster, made through the C API; (the client, its bootstrap address)."""
    library.rd_kafka_conf_new.restype = ctypes.c_void_p
    library.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                          ctypes.c_size_t]
    library.rd_kafka_new.restype = ctypes.c_void_p
    library.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    library.rd_kafka_handle_mock_cluster.restype = ctypes.c_void_p
    library.rd_kafka_handle_mock_cluster.argtypes = [ctypes.c_void_p]
    library.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
    library.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
    library.rd_kafka_mock_group_initial_rebalance_delay_ms.argtypes = [ctypes.c_void_p, ctypes.c_int]
    error = ctypes.create_string_buffer(512)
    conf = library.rd_kafka_conf_new()
    for key, value in ((b"test.mock.num.brokers", b"1"), (b"log_level", b"4")):
        if library.rd_kafka_conf_set(conf, key, value, error, len(error)) != 0:
            raise RuntimeError(error.value.decode())
    client = library.rd_kafka_new(0, conf, error, len(error))  # 0: a producer, which only holds the cluster
    if not client:
        raise RuntimeError(error.value.decode())
    cluster = library.rd_kafka_handle_mock_cluster(client)
    library.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, initial_delay_ms)
    return client, library.rd_kafka_mock_cluster_bootstraps(cluster).decode()


def main() -> int:
    from confluent_kafka.admin import AdminClient

    library, client = _library(), None
    if library is not None:
        _client, bootstrap = _c_cluster(library, int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    else:
        client = AdminClient({"test.mock.num.brokers": 1, "log_level": 4})
        brokers = client.list_topics(timeout=10).brokers
        address = next(iter(brokers.values()))
        bootstrap = f"{address.host}:{address.port}"
    AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10)  # the cluster answers
    print(f"BOOTSTRAP {bootstrap}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(1.0):
        client.poll(0) if client is not None and hasattr(client, "poll") else None
    return 0


if __name__ == "__main__":
    sys.exit(main())
