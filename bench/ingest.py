"""Photometry ingest and light-curve page benchmark (prints figures; asserts nothing).

    .venv/bin/python bench/ingest.py [--n 100000] [--repeat 3]

1. A photometry CSV of N rows goes through the photometry processor exactly as
   an upload does (read, parse, fingerprint, insert, provenance): rows/s. Each
   run starts from an empty table, like the raw runs.
2. The same rows (the tuples our insert sends, prepared before the clock
   starts) go into a fresh copy of the same table with a raw ``sqlite3``
   ``executemany``: the physical limit for our schema, and the ratio.
   For reference, also into a table with the same columns and no indexes.
   On PostgreSQL (``--database-url``) the raw figure is psycopg's ``COPY`` of those rows straight into a copy of
   the table with its indexes (``CREATE TABLE ... (LIKE ... INCLUDING ALL)``: no foreign keys, as the datum
   table now), which is what our insert does when every row is new, and plain ``COPY`` into a copy without
   indexes.
3. The target page with N points: bytes and server time of the page and of its
   light-curve section (what a browser fetches to show the plot).
Runs on a throwaway SQLite database in a temporary TOM_DATA_DIR, or on a database of its own on the
PostgreSQL server ``--database-url`` names (bench/database.py).
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402


def setup_django(data_dir: str, database_url: str) -> None:
    os.environ["TOM_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = database_url  # never the developer's database
    os.environ["DJANGO_SETTINGS_MODULE"] = "tom.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_csv(path: Path, n: int) -> None:
    import numpy as np

    rng = np.random.default_rng(42)
    mjd = 60000 + np.sort(rng.random(n)) * 2000
    mags = 17 + rng.random(n) * 3
    with open(path, "w") as out:
        out.write("mjd,filter,magnitude,error,limit,telescope,instrument\n")
        for i in range(n):
            if i % 20 == 19:  # one in twenty is a non-detection
                out.write(f"{mjd[i]:.6f},{'gri'[i % 3]},,,{mags[i] + 1.5:.3f},LCO-1m,Sinistro\n")
            else:
                out.write(f"{mjd[i]:.6f},{'gri'[i % 3]},{mags[i]:.3f},{0.01 + mags[i] / 1000:.4f},,LCO-1m,Sinistro\n")


def rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_processor(csv_path: Path, n: int, repeat: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dataproducts.services import upload_data_product
    from targets.models import Target

    content = csv_path.read_bytes()
    times = []
    target = None
    for run in range(repeat):
        if target is not None:  # each run starts from an empty table, as the raw runs do
            target.delete()
        target = Target.objects.create(name=f"Bench ingest {run} {time.time()}", ra=10.0, dec=10.0)
        before = rss_mib()
        start = time.perf_counter()
        result = upload_data_product(target, SimpleUploadedFile("lc.csv", content), "photometry")
        elapsed = time.perf_counter() - start
        assert result.saved.created == n, result.saved.created
        times.append(elapsed)
        print(f"  processor run {run + 1}: {elapsed:.3f} s, {n / elapsed:,.0f} rows/s, peak RSS +{rss_mib() - before:.0f} MiB")
    return statistics.median(times), target


def prepared_rows(csv_path: Path, n: int):
    """The exact tuples save_datums sends to the database, built before timing the raw insert."""
    from dataproducts.datums import fingerprints, iso_times
    from dataproducts.processors.photometry import PhotometryProcessor
    from dataproducts.services import _database_times

    class Product:
        class data:  # noqa: N801 - mimics FieldFile
            path = str(csv_path)

    c = PhotometryProcessor().process(Product)
    iso = iso_times(c.times)
    return list(zip(
        [1] * n, [None] * n, c.data_type, _database_times(c.times, iso), ["{}"] * n, c.source_name, c.source_location,
        c.bandpass, c.brightness, c.brightness_error, c.limit, c.unit, c.telescope, c.instrument, c.exposure_time,
        [1] * n, fingerprints(c, iso),
    ))


def bench_raw_postgres(rows, repeat: int, with_indexes: bool) -> float:
    """psycopg COPY of the rows straight into a copy of the datum table, with or without its indexes (our insert
    COPYs new rows straight into the table: dataproducts/pgcopy.py)."""
    from django.db import connection

    from dataproducts.models import ReducedDatum
    from dataproducts.services import INSERT_COLUMNS

    table = ReducedDatum._meta.db_table
    columns = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
    times = []
    for run in range(repeat):
        copy_of = f"bench_raw_{run}_{'i' if with_indexes else 'n'}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE TABLE "{copy_of}" (LIKE "{table}" INCLUDING {"ALL" if with_indexes else "DEFAULTS INCLUDING IDENTITY"})')
        connection.commit() if not connection.get_autocommit() else None
        raw = connection.connection  # psycopg's own connection
        start = time.perf_counter()
        with raw.transaction(), raw.cursor() as cursor:
            with cursor.copy(f'COPY "{copy_of}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        times.append(time.perf_counter() - start)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TABLE "{copy_of}"')
    return statistics.median(times)


def bench_raw(db_path: str, rows, repeat: int, with_indexes: bool) -> float:
    from django.db import connection

    if connection.vendor == "postgresql":
        return bench_raw_postgres(rows, repeat, with_indexes)

    from dataproducts.models import ReducedDatum
    from dataproducts.services import INSERT_COLUMNS

    table = ReducedDatum._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [table])
        schema = [r[0] for r in cursor.fetchall()]
    times = []
    for run in range(repeat):
        path = f"{db_path}.raw{run}{'i' if with_indexes else 'n'}.sqlite3"
        raw = sqlite3.connect(path)
        raw.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;")
        for statement in schema:
            if with_indexes or statement.startswith("CREATE TABLE"):
                statement = statement if with_indexes else statement.split(", CONSTRAINT")[0] + ")"
                raw.execute(statement.replace("REFERENCES", "/*").replace("DEFERRABLE INITIALLY DEFERRED", "*/")
                            if "REFERENCES" in statement else statement)
        columns = ", ".join(f'"{c}"' for c in INSERT_COLUMNS)
        sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(INSERT_COLUMNS))})'
        if with_indexes:
            sql += ' ON CONFLICT ("target_id", "fingerprint") DO NOTHING'
        start = time.perf_counter()
        raw.executemany(sql, rows)
        raw.commit()
        times.append(time.perf_counter() - start)
        raw.close()
    return statistics.median(times)


def bench_page(target, repeat: int):
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    user = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", "bench@example.org", "x")
    client = Client()
    client.force_login(user)
    urls = {"target page": target.get_absolute_url(),
            "light curve section": reverse("dataproducts:lightcurve", args=[target.pk]),
            "photometry table section": reverse("dataproducts:photometry", args=[target.pk])}
    total_bytes = 0
    total_ms = 0.0
    for label, url in urls.items():
        client.get(url)  # warm-up
        times, size = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            size = len(response.content)
            assert response.status_code == 200
        median = statistics.median(times)
        total_bytes += size
        total_ms += median
        print(f"  {label:<26} {size / 1e6:6.2f} MB  {median:7.1f} ms (median of {repeat})")
    print(f"  {'together':<26} {total_bytes / 1e6:6.2f} MB  {total_ms:7.1f} ms"
          "   (plotly.min.js is one cached static file, not counted)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    database.add_argument(parser)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="tom-bench-ingest-")
    with database.scratch_database(args.database_url, Path(data_dir)) as url:
        setup_django(data_dir, url)
        run(args, data_dir)


def run(args, data_dir: str) -> None:
    import django

    print(f"N={args.n:,} rows, Python {sys.version.split()[0]}, Django {django.get_version()}, "
          f"{database.describe(args.database_url)}, data in {data_dir}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    csv_path = Path(data_dir) / "lightcurve.csv"
    make_csv(csv_path, args.n)
    print(f"CSV: {csv_path.stat().st_size / 1e6:.1f} MB")

    print("Photometry processor (upload -> datums):")
    processor_s, target = bench_processor(csv_path, args.n, args.repeat)
    rows = prepared_rows(csv_path, args.n)
    print("Raw psycopg COPY of the same rows:" if args.database_url else "Raw sqlite3 executemany of the same rows:")
    raw_s = bench_raw(str(Path(data_dir) / "raw"), rows, args.repeat, with_indexes=True)
    plain_s = bench_raw(str(Path(data_dir) / "raw"), rows, args.repeat, with_indexes=False)
    print(f"  same table, same indexes:  {raw_s:.3f} s, {args.n / raw_s:,.0f} rows/s")
    print(f"  same columns, no indexes:  {plain_s:.3f} s, {args.n / plain_s:,.0f} rows/s")
    print(f"Processor: {args.n / processor_s:,.0f} rows/s (median of {args.repeat}); "
          f"ratio to raw with our indexes {raw_s / processor_s:.2f} (goal >= 0.5); "
          f"to raw without indexes {plain_s / processor_s:.2f}")
    print(f"Target page with {args.n:,} photometry points:")
    bench_page(target, args.repeat + 2)


if __name__ == "__main__":
    main()
