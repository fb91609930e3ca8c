"""Benchmark of ``manage.py readstreams`` catching up a Hermes backlog on a large database.

Usage::

    .venv/bin/python bench/streams.py [--messages 20000] [--rows 10] [--targets 100000] [--cores 1]
                                      [--readers 1] [--database-url postgres://...]

It builds a throwaway TOM (SQLite, or with ``--database-url`` a database of its own on that PostgreSQL
server, dropped at the end: bench/database.py) with N sidereal targets (raw executemany;
10% also have an alias), starts a real Kafka-protocol broker on loopback
(librdkafka's mock cluster, started by tests/kafka/broker.py as the tests do: no pytest needed), publishes the messages with
hop-client exactly as Hermes writes them (JSON value; ``_id``, ``_format``,
``title``, ``_sender`` headers), each with ``--rows`` photometry rows for one
target picked at random (a fifth of them named by an alias), then runs
``manage.py readstreams --until-end`` as its own process (pinned to
``--cores`` cores with taskset when available) and prints messages per
second: from the command's own line (reading, which includes the consumer group's first join: a real
broker's 3 s delay), from the wall clock (including Django's start) and, for one reader, the steady rate
from the first message taken from the broker to the last handled (readstreams' "Steady:" line).
Finally it checks every datum arrived once.

The messages are spread over several topics (``--per-topic``, read through one
glob key in TOPIC_HANDLERS): librdkafka's mock broker keeps only about 5 MB
per partition and silently drops older messages beyond that (20,000 messages
on one 4-partition topic left about 8,000 to read; partitions fill unevenly).
The script checks the topics' watermarks and stops if the broker dropped any.

``--active-targets K`` draws the messages' targets from K of the N targets
(default: all N, the worst case: every message is about a different target,
so every message costs one ``save_datums`` call).

``--readers R`` starts R readstreams processes at once, in one consumer group (the same stream settings),
each pinned to ``--cores`` cores of its own (wrapping around the machine's cores), and reports the
messages per second of all of them together, from the first start to the last exit (issue 15: 1 vs 2
readers). Each reader stops once the partitions it holds are read to their end (``--until-end``); one
that stops hands its partitions to the others, which find them read already.

The goal (issue #7): at least 2,000 messages a second on one core with
100,000 targets in the database.

This is a script that prints figures, not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402
from tests.kafka.broker import Broker, start_broker, stop_broker  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=10, help="photometry rows per message")
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--cores", type=int, default=1,
                        help="cores each readstreams process may use (taskset); 0: no pinning")
    parser.add_argument("--readers", type=int, default=1, help="readstreams processes in one consumer group")
    parser.add_argument("--active-targets", type=int, default=0,
                        help="messages are about this many distinct targets (default: all of them)")
    parser.add_argument("--per-topic", type=int, default=2000, help="messages per topic (mock broker retention)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="FILE", help="run readstreams under cProfile, writing its stats here (its reading thread only: "
                             "on PostgreSQL the database thread's work is not in them)")
    database.add_argument(parser)
    return parser.parse_args()


def setup_django(data_dir: Path, database_url: str) -> None:
    os.environ["TOM_DATA_DIR"] = str(data_dir)
    os.environ["STATIC_ROOT"] = str(data_dir / "staticfiles")
    os.environ["MEDIA_ROOT"] = str(data_dir / "media")
    os.environ["DATABASE_URL"] = database_url  # never the developer's database
    os.environ["DJANGO_SETTINGS_MODULE"] = "tom.settings"
    os.environ["HOP_AUTOMATIC_OFFLOAD"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_targets(n: int, rng: random.Random) -> list[tuple[str, str | None]]:
    """n targets with their primary names (and 10% an alias) by raw executemany; returns (name, alias) pairs."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.targets import target_and_name_sql
    from targets.models import Target, TargetName
    from targets.names import simplify_name

    t_sql, t_defaults, n_sql, n_defaults = target_and_name_sql()
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    pairs, targets, names = [], [], []
    for i in range(n):
        name = f"AT 2026b{i:06d}"
        alias = f"ZTF26b{i:07d}" if rng.random() < 0.10 else None
        targets.append((i + 1, name, "SIDEREAL", rng.uniform(0, 359.9), rng.uniform(-89, 89), when, when, *t_defaults))
        names.append((i + 1, name, simplify_name(name), True, when, when, *n_defaults))
        if alias:
            names.append((i + 1, alias, simplify_name(alias), False, when, when, *n_defaults))
        pairs.append((name, alias))
    with transaction.atomic(), connection.cursor() as cursor:
        database.insert_many(cursor, t_sql, targets)
        database.insert_many(cursor, n_sql, names)
    database.reset_sequences([Target, TargetName])
    connection.close()
    return pairs


def publish(broker, topic: str, first: int, messages: int, rows: int, pairs, rng: random.Random) -> None:
    from hop import Stream
    from hop.models import JSONBlob

    with Stream(auth=False).open(broker.topic_url(topic), "w", automatic_offload=False) as producer:
        for m in range(first, first + messages):
            name, alias = pairs[rng.randrange(len(pairs))]
            called = alias if alias and m % 5 == 0 else name
            photometry = [{"target_name": called, "date_obs": f"2026-03-{1 + (m * rows + r) % 28:02d}T"
                           f"{r % 24:02d}:{m % 60:02d}:{(m // 60) % 60:02d}Z", "telescope": "LCO 1m",
                           "instrument": "Sinistro", "bandpass": "griz"[r % 4], "brightness": 15 + rng.random() * 5,
                           "brightness_error": 0.05, "brightness_unit": "AB mag"} for r in range(rows)]
            message = {"title": f"Photometry of {called}", "topic": topic, "submitter": "bench",
                       "authors": "Bench", "message_text": "", "data": {
                           "targets": [{"name": called, "ra": 10.0, "dec": 20.0}], "photometry": photometry}}
            producer.write(JSONBlob(content=message), headers=[("title", message["title"].encode()),
                                                               ("_sender", b"bench")])


def on_broker(broker, topics: list[str]) -> int:
    """How many messages the topics hold (high minus low watermark of every partition)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "bench-watermarks"})
    try:
        total = 0
        for topic in topics:
            for partition in consumer.list_topics(topic, timeout=10).topics[topic].partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
                total += high - low
        return total
    finally:
        consumer.close()


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    scratch = tempfile.TemporaryDirectory(prefix="tom-bench-streams-")
    data_dir = Path(scratch.name)
    broker: Broker = start_broker(group_initial_rebalance_delay_ms=3000)  # a real broker's: readers join together
    try:
        with database.scratch_database(args.database_url, data_dir) as url:
            run(args, rng, broker, data_dir, url)
    finally:
        stop_broker(broker)
        scratch.cleanup()


def run(args, rng: random.Random, broker: Broker, data_dir: Path, url: str) -> None:
    setup_django(data_dir, url)
    print(f"{database.describe(args.database_url)}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores before the run")
    t0 = time.perf_counter()
    pairs = build_targets(args.targets, rng)
    print(f"{args.targets:,} targets built in {time.perf_counter() - t0:.1f} s")
    prefix = Broker.new_topic("hermes.bench")
    active = pairs[:args.active_targets] if args.active_targets else pairs
    t0 = time.perf_counter()
    for n, first in enumerate(range(0, args.messages, args.per_topic)):
        publish(broker, f"{prefix}.{n}", first, min(args.per_topic, args.messages - first), args.rows, active, rng)
    kept = on_broker(broker, [f"{prefix}.{n}" for n in range(len(range(0, args.messages, args.per_topic)))])
    if kept != args.messages:
        raise SystemExit(f"the broker kept {kept:,} of {args.messages:,} messages: lower --per-topic")
    print(f"{args.messages:,} Hermes messages of {args.rows} rows published in {time.perf_counter() - t0:.1f} s")

    streams = [{"ACTIVE": True, "NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {
        "URL": broker.url, "GROUP_ID": "bench", "START_POSITION": "EARLIEST",
        "TOPIC_HANDLERS": {f"{prefix}.*": "alertstreams.hermes.hermes_alert_handler"}}}]
    env = {**os.environ, "ALERT_STREAMS_JSON": json.dumps(streams)}
    profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
    command = [sys.executable, *profile, str(ROOT / "manage.py"), "readstreams", "--until-end",
               "--progress-seconds", "5"]
    pinned = bool(args.cores and shutil.which("taskset"))
    commands = []
    for reader in range(args.readers):
        cores = [(reader * args.cores + k) % (os.cpu_count() or 1) for k in range(args.cores)]
        commands.append(["taskset", "-c", ",".join(map(str, sorted(set(cores)))), *command] if pinned else command)
    print("running:", " ".join(command[command.index(sys.executable):]),
          f"(x{args.readers}, one consumer group)" if args.readers > 1 else "")
    t0 = time.perf_counter()
    readers = [subprocess.Popen(c, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for c in commands]
    outputs = [reader.communicate() for reader in readers]
    wall = time.perf_counter() - t0
    handled = cpu = seconds = 0
    last = None  # the span of the steady rate (readstreams' "Steady:" line)
    for n, (reader, (stdout, stderr)) in enumerate(zip(readers, outputs)):
        print(f"[reader {n + 1}] " + stdout.strip().replace("\n", f"\n[reader {n + 1}] "))
        if reader.returncode:
            print(stderr[-3000:])
            raise SystemExit("readstreams failed")
        line = re.search(r"Stopped: (\d+) messages? in ([\d.]+) s \([\d,]+/s, ([\d.]+) s CPU\)", stdout)
        handled, seconds, cpu = handled + int(line[1]), max(seconds, float(line[2])), cpu + float(line[3])
        steady = re.search(r"Steady: [\d,]+ messages/s from the first message taken to the last handled "
                           r"\(([\d.]+) s\)", stdout)
        if steady:
            last = max(last or 0.0, float(steady[1]))

    from alertstreams.models import DeadLetter, IngestedMessage
    from dataproducts.models import ReducedDatum

    datums = ReducedDatum.objects.count()
    print(f"stored: {datums:,} datums (expected {args.messages * args.rows:,}), "
          f"{IngestedMessage.objects.count():,} messages, {DeadLetter.objects.count()} dead letters")
    where = f"{args.cores} core(s) each" if pinned else "unpinned"
    about = f"{args.active_targets:,} of them in the messages" if args.active_targets else "any of them"
    readers = f"{args.readers} readers in one group" if args.readers > 1 else "1 reader"
    print(f"readstreams ({readers}, {where}, {args.targets:,} targets, {about}): handled {handled:,}; "
          f"{handled / seconds:,.0f} messages/s "
          f"({handled * args.rows / seconds:,.0f} rows/s) reading; "
          f"{handled / wall:,.0f} messages/s counting the process start ({wall:.1f} s); "
          f"{handled / cpu:,.0f} messages per CPU second (all readers; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores during the run)")
    if last and args.readers == 1:
        print(f"steady: {handled / last:,.0f} messages/s from the first message taken from the broker to the last "
              f"handled ({last:.1f} s); 'reading' above also counts the wait for the group's first join "
              f"(3 s here), the figure after it the process start too")
    print("goal: 2,000 messages/s")


if __name__ == "__main__":
    main()
