"""Receiving datums over real HTTP: the TOM Toolkit way and through the bulk endpoint (prints figures).

    .venv/bin/python bench/receive.py [--n 10000] [--bulk-n 100000] [--database-url postgres://...]

Our TOM runs under gunicorn (gthread workers, as in production) on loopback,
on a throwaway SQLite database (or a database of its own on the PostgreSQL server
``--database-url`` names, dropped at the end: bench/database.py), with Django's default password hasher
(PBKDF2, as a real deployment has). Then:
1. N datums for one target, one POST /api/reduceddatums/ each with HTTP Basic
   credentials, over one kept-alive connection (requests.Session), as a TOM
   Toolkit sender does. A TOM Toolkit receiver manages 3.9 per second here,
   because it checks the password hash on every request.
2. BULK_N datums for another target through POST /api/reduceddatums/bulk/,
   10,000 datums per request.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402

PASSWORD = "bench-peer-password-8f3k"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, stdin: str | None = None) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, input=stdin, text=True,
                            capture_output=True, cwd=ROOT, check=True)
    return result.stdout


def setup(env) -> tuple[int, int]:
    manage(env, "migrate", "-v0")
    out = manage(env, "shell", stdin=f"""
from django.contrib.auth.models import Permission, User
from guardian.shortcuts import assign_perm
from targets.services import TargetInput, create_target
peer = User.objects.create_user("peer", password={PASSWORD!r})
peer.user_permissions.add(Permission.objects.get(codename="add_target"))
one = create_target(peer, TargetInput({{"name": "Bench receive one", "ra": 10.0, "dec": 10.0}}))
bulk = create_target(peer, TargetInput({{"name": "Bench receive bulk", "ra": 20.0, "dec": 20.0}}))
print("IDS", one.pk, bulk.pk)
""")
    line = next(line for line in out.splitlines() if line.startswith("IDS"))
    return tuple(int(x) for x in line.split()[1:])


def start_server(env, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tom.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "gthread", "--workers", "2", "--threads", "4", "--keep-alive", "30", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    for _ in range(300):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=5)
            return server
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start")


def datum(target: int, i: int) -> dict:
    when = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=i)
    return {"target": target, "data_type": "photometry", "timestamp": when.isoformat(), "source_name": "Peer TOM",
            "source_location": "", "data_product": None,
            "value": {"magnitude": 17 + (i % 300) / 100, "error": 0.02, "filter": "gri"[i % 3], "telescope": "LCO 1m"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--bulk-n", type=int, default=100_000)
    database.add_argument(parser)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="tom-bench-receive-")
    with database.scratch_database(args.database_url, Path(data_dir)) as url:
        env = {**os.environ, "TOM_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "tom.settings",
               "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench-" + os.urandom(8).hex(), "DATABASE_URL": url}
        print(f"{database.describe(args.database_url)}; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores")
        run(args, env)


def run(args, env: dict) -> None:
    one, bulk = setup(env)
    port = free_port()
    server = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        session.auth = ("peer", PASSWORD)
        statuses = {}
        start = time.perf_counter()
        for i in range(args.n):
            response = session.post(f"{base}/api/reduceddatums/", json=datum(one, i), timeout=30)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        elapsed = time.perf_counter() - start
        print(f"TOM Toolkit way: {args.n:,} datums, one POST each with HTTP Basic on one connection: "
              f"{elapsed:.1f} s, {args.n / elapsed:,.0f} datums/s (statuses {statuses}; goal >= 200/s, "
              "a TOM Toolkit receiver: 3.9/s)")
        again = session.post(f"{base}/api/reduceddatums/", json=datum(one, 0), timeout=30)
        print(f"  the same datum again: HTTP {again.status_code}, already_exists={again.json().get('already_exists')}")

        chunk = 10_000
        bodies = [  # built before the clock starts: this measures receiving, not the client's JSON encoding
            json.dumps({"target": bulk, "datums": [datum(bulk, i) for i in range(offset, min(offset + chunk, args.bulk_n))]})
            for offset in range(0, args.bulk_n, chunk)
        ]
        created = 0
        start = time.perf_counter()
        for body in bodies:
            response = session.post(f"{base}/api/reduceddatums/bulk/", data=body, timeout=300,
                                    headers={"Content-Type": "application/json"})
            response.raise_for_status()
            created += response.json()["created"]
        elapsed = time.perf_counter() - start
        print(f"Bulk endpoint: {args.bulk_n:,} datums in requests of {chunk:,}, one at a time: {elapsed:.2f} s, "
              f"{args.bulk_n / elapsed:,.0f} datums/s, {created:,} created (goal >= 50,000/s)")

        # The same volume again for a third target, from two connections at once (a sender may parallelise;
        # the server has two workers).
        from concurrent.futures import ThreadPoolExecutor

        third = bulk  # same target, new times: shift every datum by a year
        shifted = [body.replace('"2026-', '"2027-') for body in bodies]

        def send(body: str) -> int:
            with requests.Session() as own:
                own.auth = ("peer", PASSWORD)
                reply = own.post(f"{base}/api/reduceddatums/bulk/", data=body, timeout=300,
                                 headers={"Content-Type": "application/json"})
                reply.raise_for_status()
                return reply.json()["created"]

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            created = sum(pool.map(send, shifted))
        elapsed = time.perf_counter() - start
        print(f"Bulk endpoint, two connections: {args.bulk_n / elapsed:,.0f} datums/s, {created:,} created "
              f"(target {third})")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
