"""Benchmark of ``manage.py import_toolkit`` with a million datums (prints figures; asserts nothing).

    .venv/bin/python bench/import_toolkit.py [--n 1000000] [--targets 100] [--repeat 3] [--schema 3|2]
                                             [--ingest-n 100000] [--postgres URL]

1. A TOM Toolkit 3.1.0 project (its venv is made on first use, as the interop tests do) is generated and
   migrated by the TOM Toolkit itself, and given a user, TARGETS targets and a few datums through its ORM;
   then N photometry datums go in with raw SQL, spread over the targets, one in twenty a non-detection
   (``--schema 3``: the typed table ``tom_dataproducts_photometryreduceddatum``; ``--schema 2``: the old
   generic table with 2.x JSON values, which the importer reads through ``parse_datum`` row by row).
2. Each repeat imports it into a fresh TOM of ours (``manage.py import_toolkit`` in a subprocess, its own
   SQLite database, or a fresh database on ``--postgres``), and reads the datum phase's rate from its last line.
3. ``bench/ingest.py --n INGEST_N`` measures our photometry processor on the same machine, for the ratio
   (the goal: the import at least a third of the processor's rate).
Other work on the machine skews both: look at ``uptime`` first; the median and spread of the repeats are shown.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def fresh_database(postgres: str | None) -> tuple[dict, callable]:
    """The environment of a new, empty TOM of ours, and how to drop it afterwards."""
    data_dir = tempfile.mkdtemp(prefix="tom-bench-import-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"TOM_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "tom.settings", "LOG_LEVEL": "WARNING"})
    if not postgres:
        return env, lambda: None
    import psycopg

    name = f"tom_bench_import_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(postgres)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

    def drop():
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return env, drop


def import_once(database: Path, postgres: str | None) -> tuple[float, float, str]:
    env, drop = fresh_database(postgres)
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=600)
        start = time.perf_counter()
        out = subprocess.run([*manage, "import_toolkit", str(database), "--skip-checks", "--progress-every", "30"],
                             env=env, cwd=ROOT, check=True, timeout=3600, text=True, capture_output=True).stdout
        total = time.perf_counter() - start
    finally:
        drop()
    last = out.strip().splitlines()[-1]
    rate = re.search(r"Datums: [\d,]+ read in [\d.,]+ s \(([\d,]+)/s\)", last)
    return total, float(rate.group(1).replace(",", "")) if rate else 0.0, last


def processor_rate(n: int) -> float:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "ingest.py"), "--n", str(n), "--repeat", "3"],
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
    parser.add_argument("--postgres", help="import into fresh databases on this PostgreSQL server instead of SQLite")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")
    work = Path(tempfile.mkdtemp(prefix="tom-bench-toolkit-"))
    started = time.perf_counter()
    database = build_toolkit(work / "project", args.n, args.targets, args.schema)
    table = "typed photometry table (3.x)" if args.schema == 3 else "generic JSON table (2.x)"
    print(f"TOM Toolkit database: {args.n:,} datums in its {table}, {args.targets} targets, "
          f"{database.stat().st_size / 1e6:,.0f} MB, built in {time.perf_counter() - started:,.0f} s")
    rates, totals = [], []
    for run in range(args.repeat):
        total, rate, last = import_once(database, args.postgres)
        rates.append(rate)
        totals.append(total)
        print(f"  import {run + 1}: {total:,.1f} s in all (with starting Django); {last}")
    median = statistics.median(rates)
    print(f"Import: {median:,.0f} datums/s (median of {args.repeat}; min {min(rates):,.0f}, max {max(rates):,.0f}); "
          f"whole command {statistics.median(totals):,.1f} s")
    print(f"Our photometry processor (bench/ingest.py --n {args.ingest_n:,}):")
    processor = processor_rate(args.ingest_n)
    print(f"Ratio import / processor: {median / processor:.2f} (goal >= 0.33)")


if __name__ == "__main__":
    main()
