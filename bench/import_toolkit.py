"""Benchmark of ``manage.py import_toolkit`` with a million datums (prints figures; asserts nothing).

    .venv/bin/python bench/import_toolkit.py [--n 1000000] [--targets 100] [--repeat 3] [--schema 3|2]
                                             [--ingest-n 100000] [--database-url URL]

1. A TOM Toolkit 3.1.0 project (its venv is made on first use, as the interop tests do) is generated and
   migrated by the TOM Toolkit itself, and given a user, TARGETS targets and a few datums through its ORM;
   then N photometry datums go in with raw SQL, spread over the targets, one in twenty a non-detection
   (``--schema 3``: the typed table ``tom_dataproducts_photometryreduceddatum``; ``--schema 2``: the old
   generic table with 2.x JSON values, which the importer reads through ``parse_datum`` row by row).
2. Each repeat imports it into a fresh TOM of ours (``manage.py import_toolkit`` in a subprocess, its own
   SQLite database, or a fresh database on the PostgreSQL server ``--database-url`` names), and reads the datum phase's rate from its last line.
3. ``bench/ingest.py --n INGEST_N`` measures our photometry processor on the same machine, for the ratio
   (the goal: the import at least a third of the processor's rate), with the same ``--database-url``, so both
   sides of the ratio use the same database. (``--postgres URL`` is the old spelling of ``--database-url``.)
Other work on the machine skews both: look at ``uptime`` first; the median and spread of the repeats are shown.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database as bench_database  # noqa: E402
from tests.servers import make_toolkit_project, toolkit_manage, toolkit_python  # noqa: E402

SEED = """
from django.contrib.auth.models import User
from tom_targets.models import Target
from tom_dataproducts.models import PhotometryReducedDatum
from datetime import datetime, timezone
owner = User.objects.create_user("owner", password="owner-pw")
for i in range({targets}):
    target = Target.objects.create(name=f"Bench target {{i}}", type="SIDEREAL", ra=i * 3.0, dec=10.0)
    target.give_user_access(owner)
    PhotometryReducedDatum.objects.create(target=target, timestamp=datetime(2020, 1, 1, tzinfo=timezone.utc),
                                          brightness=18.0, brightness_error=0.1, bandpass="g")
"""


def build_toolkit(project: Path, n: int, targets: int, schema: int) -> Path:
    python = toolkit_python()
    make_toolkit_project(python, project, "http://127.0.0.1:9/", "unused", "unused")
    toolkit_manage(python, project, "migrate", "--noinput", "-v0")
    toolkit_manage(python, project, "shell", stdin=SEED.format(targets=targets))
    database = project / "db.sqlite3"
    connection = sqlite3.connect(database)
    target_ids = [row[0] for row in connection.execute("SELECT id FROM tom_targets_basetarget ORDER BY id")]
    start = datetime(2021, 1, 1)

    def rows():
        for i in range(n):
            target = target_ids[i % len(target_ids)]
            moment = (start + timedelta(seconds=37 * i + i / 7)).strftime("%Y-%m-%d %H:%M:%S.%f")
            band = "gri"[i % 3]
            limit = i % 20 == 19  # one in twenty a non-detection
            brightness = None if limit else 17 + (i % 3000) / 1000
            yield target, moment, band, brightness, None if limit else 0.01 + (i % 50) / 1000, 20.5 if limit else None

    if schema == 3:
        sql = ("INSERT INTO tom_dataproducts_photometryreduceddatum (timestamp, value, telescope, instrument, "
               "source_name, source_location, brightness, brightness_error, \"limit\", unit, bandpass, exposure_time, "
               "data_product_id, target_id, reduction_version) VALUES (?, '{}', 'LCO 1m', 'Sinistro', '', '', ?, ?, ?, "
               "'AB mag', ?, NULL, NULL, ?, '')")
        connection.executemany(sql, ((m, b, e, lim, band, t) for t, m, band, b, e, lim in rows()))
    else:
        sql = ("INSERT INTO tom_dataproducts_reduceddatum (data_type, source_name, source_location, timestamp, value, "
               "data_product_id, target_id, telescope, instrument, reduction_version) "
               "VALUES ('photometry', '', '', ?, ?, NULL, ?, '', '', '')")

        def value(band, brightness, error, limit):
            body = {"filter": band, "telescope": "LCO 1m", "instrument": "Sinistro", "unit": "AB mag"}
            body.update({"limit": limit} if brightness is None else {"magnitude": brightness, "error": error})
            return json.dumps(body)

        connection.executemany(sql, ((m, value(band, b, e, lim), t) for t, m, band, b, e, lim in rows()))
    connection.commit()
    connection.close()
    return database


def fresh_database(database_url: str) -> tuple[dict, callable]:
    """The environment of a new, empty TOM of ours, and how to drop it afterwards (bench/database.py)."""
    data_dir = tempfile.mkdtemp(prefix="tom-bench-import-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"TOM_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "tom.settings", "LOG_LEVEL": "WARNING"})
    if not database_url:
        return env, lambda: shutil.rmtree(data_dir, ignore_errors=True)
    name, env["DATABASE_URL"] = bench_database.create(database_url, "tom_bench_import")

    def drop():
        bench_database.drop(database_url, name)
        shutil.rmtree(data_dir, ignore_errors=True)

    return env, drop


def import_once(database: Path, database_url: str) -> tuple[float, float, float, str]:
    """One import into a fresh TOM: seconds in all, datums/s, the import process's peak RSS (MiB), its last line."""
    env, drop = fresh_database(database_url)
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0", "--skip-checks"], env=env, cwd=ROOT, check=True, timeout=600)
        with tempfile.TemporaryFile("w+") as out:
            start = time.perf_counter()
            process = subprocess.Popen([*manage, "import_toolkit", str(database), "--skip-checks", "--progress-every",
                                        "30"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL, text=True)
            _, status, usage = os.wait4(process.pid, 0)  # its own resource usage, not other children's
            total = time.perf_counter() - start
            if status:
                raise RuntimeError(f"import_toolkit exited with status {status}")
            out.seek(0)
            last = out.read().strip().splitlines()[-1]
    finally:
        drop()
    rate = re.search(r"Datums: [\d,]+ read in [\d.,]+ s \(([\d,]+)/s\)", last)
    return total, float(rate.group(1).replace(",", "")) if rate else 0.0, usage.ru_maxrss / 1024, last


def processor_rate(n: int, database_url: str) -> float:
    """bench/ingest.py's processor figure (an upload of an N-row CSV) on the same kind of database."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "ingest.py"), "--n", str(n), "--repeat", "3",
                          "--database-url", database_url],
                         check=True, timeout=3600, text=True, capture_output=True, cwd=ROOT).stdout
    print("\n".join("  " + line for line in out.splitlines() if "processor run" in line or line.startswith("Processor")))
    return float(re.search(r"Processor: ([\d,]+) rows/s", out).group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--targets", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--schema", type=int, choices=(2, 3), default=3)
    parser.add_argument("--ingest-n", type=int, default=100_000)
    bench_database.add_argument(parser)
    parser.add_argument("--postgres", dest="database_url", default="", help=argparse.SUPPRESS)  # the old spelling
    args = parser.parse_args()
    print(bench_database.describe(args.database_url))
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")
    work = Path(tempfile.mkdtemp(prefix="tom-bench-toolkit-"))
    started = time.perf_counter()
    database = build_toolkit(work / "project", args.n, args.targets, args.schema)
    table = "typed photometry table (3.x)" if args.schema == 3 else "generic JSON table (2.x)"
    print(f"TOM Toolkit database: {args.n:,} datums in its {table}, {args.targets} targets, "
          f"{database.stat().st_size / 1e6:,.0f} MB, built in {time.perf_counter() - started:,.0f} s")
    rates, totals, peaks = [], [], []
    try:
        for run in range(args.repeat):
            total, rate, rss, last = import_once(database, args.database_url)
            rates.append(rate)
            totals.append(total)
            peaks.append(rss)
            print(f"  import {run + 1}: {total:,.1f} s in all (with starting Django), peak RSS {rss:,.0f} MiB; "
                  f"{last}")
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the TOM Toolkit project and its database
    median = statistics.median(rates)
    peak = max(peaks)
    print(f"Import: {median:,.0f} datums/s (median of {args.repeat}; min {min(rates):,.0f}, max {max(rates):,.0f}); "
          f"whole command {statistics.median(totals):,.1f} s; peak RSS {peak:,.0f} MiB")
    print(f"Our photometry processor (bench/ingest.py --n {args.ingest_n:,}"
          f"{' --database-url ...' if args.database_url else ''}):")
    processor = processor_rate(args.ingest_n, args.database_url)
    print(f"Ratio import / processor: {median / processor:.2f} (goal >= 0.33)")


if __name__ == "__main__":
    main()
