"""Continuous sharing between two TOMs of ours: latency per datum and throughput over many targets (prints figures).

    .venv/bin/python bench/continuous.py [--n 1000] [--rate 20] [--targets 100] [--per-target 100]
                                         [--database-url postgres://...]

Two TOMs (A and B), each under gunicorn with its own SQLite database (with
``--database-url``: each its own database on that PostgreSQL server, dropped at the end) and a real
``manage.py db_worker`` (database task backend, polling every 0.1 s), started by
``tests/continuous/peers.py`` as the tests start them. A shares continuously with B.

1. Latency: N datums are posted to A one at a time (POST /api/reduceddatums/, one
   kept-alive connection) at RATE per second. For each datum, latency = the time B
   stored it minus the time A stored it (both ``Ingest.created``, same machine
   clock): queueing, the worker's poll, batching and the HTTP delivery.
2. Throughput: TARGETS targets, each shared continuously with B; PER_TARGET
   datums are then posted to each through A's bulk endpoint, as fast as A takes
   them; the clock stops when B holds them all.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402
from tests.continuous.peers import start_pair, wait_for  # noqa: E402

START = datetime(2025, 1, 1, tzinfo=timezone.utc)

TIMES = """
import json
from dataproducts.models import ReducedDatum
from targets.models import Target
t = Target.objects.get(name={name!r})
rows = ReducedDatum.objects.filter(target=t).values_list("timestamp", "ingest__created")
print("JSON " + json.dumps({{r[0].isoformat(): r[1].timestamp() for r in rows}}))
"""


def datum(i: int, band: str = "g") -> dict:
    return {"data_type": "photometry", "timestamp": (START + timedelta(seconds=i)).isoformat(),
            "value": {"magnitude": 15 + (i % 500) / 100, "error": 0.02, "filter": band, "telescope": "bench"}}


def latency(a, b, n: int, rate: float) -> None:
    target = a.create_target("Bench latency")
    a.share_continuously(target, "b")
    wait_for(lambda: b.target_id("Bench latency"), what="the target at B")
    gap = 1.0 / rate
    started = time.monotonic()
    for i in range(n):
        a.call("POST", "api/reduceddatums/", json={**datum(i), "target": target})
        pause = started + (i + 1) * gap - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    remote = b.target_id("Bench latency")
    wait_for(lambda: b.datum_count(remote) >= n, seconds=600, what="all datums at B")
    sent = a.shell_json(TIMES.format(name="Bench latency"))
    arrived = b.shell_json(TIMES.format(name="Bench latency"))
    waits = sorted(arrived[k] - sent[k] for k in sent)
    p95 = waits[min(len(waits) - 1, int(0.95 * len(waits)))]
    print(f"latency over {len(waits)} datums posted at {rate:g}/s: median {statistics.median(waits) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms")


def throughput(a, b, n_targets: int, per_target: int) -> None:
    ids = [a.create_target(f"Bench target {i:03d}", ra=i * 3.0, dec=-20 + i * 0.3) for i in range(n_targets)]
    for pk in ids:
        a.share_continuously(pk, "b")
    wait_for(lambda: b.call("GET", "api/targets/", params={"limit": 1})["count"] >= n_targets + 1, seconds=600,
             what="the targets at B")
    before = b.call("GET", "api/reduceddatums/", params={"limit": 1})["count"]
    total = n_targets * per_target
    started = time.monotonic()
    for index, pk in enumerate(ids):
        body = {"target": pk, "datums": [datum(100_000 + index * per_target + j, "r") for j in range(per_target)]}
        a.call("POST", "api/reduceddatums/bulk/", json=body)
    posted = time.monotonic() - started
    wait_for(lambda: b.call("GET", "api/reduceddatums/", params={"limit": 1})["count"] >= before + total,
             seconds=1800, every=0.5, what="every datum at B")
    elapsed = time.monotonic() - started
    print(f"throughput: {total:,} datums on {n_targets} continuously shared targets ({per_target} each, one "
          f"upload per target) posted to A in {posted:.1f} s, all at B after {elapsed:.1f} s: "
          f"{total / elapsed:,.0f} datums/s, {n_targets / elapsed:.1f} target deliveries/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="datums for the latency figure")
    parser.add_argument("--rate", type=float, default=20.0, help="datums per second posted for the latency figure")
    parser.add_argument("--targets", type=int, default=100)
    parser.add_argument("--per-target", type=int, default=100)
    database.add_argument(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-continuous-") as tmp, contextlib.ExitStack() as stack:
        urls = ("", "")
        if args.database_url:
            urls = tuple(stack.enter_context(database.scratch_database(args.database_url, Path(tmp)))
                         for _ in range(2))
        print(f"{database.describe(args.database_url)}; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores")
        a, b = start_pair(Path(tmp), database_urls=urls)
        try:
            latency(a, b, args.n, args.rate)
            throughput(a, b, args.targets, args.per_target)
        finally:
            a.stop_all()
            b.stop_all()


if __name__ == "__main__":
    main()
