"""Sharing photometry over real HTTP: ours → ours (bulk endpoint) and ours → a TOM Toolkit 3.1.0 (prints figures).

    .venv/bin/python bench/share.py [--n 10000] [--repeat 3] [--toolkit-n 10000] [--skip-toolkit] [--profile]
                                    [--database-url postgres://...]

The sender is this process: our TOM on a throwaway SQLite database (with
``--database-url``, sender and receiver each on a database of its own on that
PostgreSQL server, dropped at the end; the TOM Toolkit stays on SQLite), one target
with N photometry datums, shared with ``sharing.services.share_target`` exactly
as the Share tab does (a ShareRecord is written each time).
1. ours → ours: a second TOM of ours under gunicorn (tests/servers.py, its own
   database), which answers ``GET /api/`` as one of ours, so the datums go
   through the bulk endpoint. First share: every datum is new; second share:
   every datum is already there.
2. ours → TOM Toolkit 3.1.0: its own server from its own virtualenv (gunicorn,
   SQLite), one POST per datum over one kept-alive connection (the only way
   into a TOM Toolkit), authenticated with the account's API token (Basic costs
   it a PBKDF2 check per request); TOOLKIT_N datums of another target, first
   and second share.
Each figure is datums per second over the whole share (lookup, target create or
PATCH, datums), with both receivers warmed up by one authenticated GET first. ``--profile`` prints the sender's cProfile of the first ours → ours share.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402
from tests.servers import start_our_tom, start_toolkit_tom  # noqa: E402

PASSWORD = "bench-share-peer-pw-5"


def setup_sender(data_dir: str, database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url  # never the developer's database
    os.environ["TOM_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "tom.settings"
    os.environ["TOM_NAME"] = "Bench sender"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_target(user, name: str, n: int):
    """A target with ``n`` photometry datums (detections in three bands, every tenth a non-detection)."""
    from dataproducts.datums import parse_datum
    from dataproducts.services import save_datums
    from targets.services import TargetInput, create_target

    target = create_target(user, TargetInput({"name": name, "type": "SIDEREAL", "ra": 150.5, "dec": -30.25},
                                             [f"{name} alias"], {"redshift": "0.02"}))
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    datums = []
    for i in range(n):
        value = {"filter": "gri"[i % 3], "telescope": "LCO 1m", "instrument": "Sinistro", "unit": "AB mag"}
        if i % 10 == 9:
            value["limit"] = 20.5 + (i % 7) / 10
        else:
            value.update(magnitude=17 + (i % 300) / 100, error=0.02 + (i % 5) / 100)
        datums.append(parse_datum({"data_type": "photometry", "value": value,
                                   "timestamp": (start + timedelta(minutes=7 * i)).isoformat()}))
    save_datums(target, datums, origin="manual")
    return target


def timed_share(user, target, key: str, n: int, label: str, profile: bool = False) -> float:
    """Share ``target``'s photometry with ``key``, print the figure; datums per second."""
    from sharing.services import share_target

    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    outcome = share_target(user, target, key, data="photometry", via="command")
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    record = outcome.record
    print(f"  {label}: {n:,} datums in {elapsed:.2f} s = {n / elapsed:,.0f} datums/s "
          f"(created {record.created_count:,}, already there {record.existing_count:,}, "
          f"failed {record.failed_count:,}; outcome {record.outcome})")
    if record.outcome != "sent":
        print("    " + record.message[:500])
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return n / elapsed


def rounds(user, key: str, name: str, n: int, repeat: int, profile: bool = False) -> None:
    """``repeat`` rounds, each a new target shared twice (all new, then all already there); best and median."""
    first, second = [], []
    for i in range(repeat):
        target = make_target(user, f"{name} {i + 1}", n)
        first.append(timed_share(user, target, key, n, f"round {i + 1}, first share (all new)", profile and not i))
        second.append(timed_share(user, target, key, n, f"round {i + 1}, second share (all already there)"))
    if repeat > 1:
        for label, figures in (("first share (all new)", first), ("second share (all already there)", second)):
            print(f"  {label}: best {max(figures):,.0f}, median {statistics.median(figures):,.0f} datums/s "
                  f"over {repeat} rounds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="datums shared ours → ours")
    parser.add_argument("--toolkit-n", type=int, default=10_000, help="datums shared ours → TOM Toolkit")
    parser.add_argument("--repeat", type=int, default=3, help="rounds ours → ours (a shared machine is noisy)")
    parser.add_argument("--skip-toolkit", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the sender's first ours → ours share")
    database.add_argument(parser)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tom-bench-share-"))
    (work / "sender").mkdir()
    (work / "ours").mkdir()
    with contextlib.ExitStack() as stack:
        sender_db = stack.enter_context(database.scratch_database(args.database_url, work / "sender"))
        receiver_db = stack.enter_context(database.scratch_database(args.database_url, work / "ours"))
        print(f"{database.describe(args.database_url)}; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores")
        run(args, work, sender_db, receiver_db if args.database_url else "")


def run(args, work: Path, sender_db: str, receiver_db: str) -> None:
    setup_sender(str(work / "sender"), sender_db)
    from django.conf import settings
    from django.contrib.auth.models import User

    user = User.objects.create_superuser("bench", "bench@example.org", "bench-pw")
    servers = []
    try:
        ours = start_our_tom(work / "ours", "Bench receiver", PASSWORD, workers=1, threads=4, database_url=receiver_db)
        servers.append(ours)
        sharing = {"ours": {"DISPLAY_NAME": "Our other TOM", "BASE_URL": ours.url, "USERNAME": ours.username,
                            "PASSWORD": ours.password}}
        if not args.skip_toolkit:
            toolkit = start_toolkit_tom(work / "toolkit")
            servers.append(toolkit)
            sharing["toolkit"] = {"DISPLAY_NAME": "TOM Toolkit 3.1.0", "BASE_URL": toolkit.url,
                                  "USERNAME": toolkit.username, "PASSWORD": toolkit.password}
        settings.DATA_SHARING = sharing
        for server in servers:  # as a running TOM is: its code loaded, and (ours) the peer's password verified once
            server.get("api/targets/")

        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(f"ours → ours (bulk endpoint; receiver: gunicorn, 1 gthread worker, {engine}), {args.n:,} photometry datums:")
        rounds(user, "ours", "Bench share ours", args.n, args.repeat, args.profile)
        if not args.skip_toolkit:
            served = "gunicorn, 1 gthread worker" if toolkit.process.args[1:3] == ["-m", "gunicorn"] else "runserver"
            print(f"ours → TOM Toolkit 3.1.0 (one POST per datum on one connection, API token; receiver: {served}, "
                  f"SQLite), {args.toolkit_n:,} photometry datums:")
            rounds(user, "toolkit", "Bench share toolkit", args.toolkit_n, 1)
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
