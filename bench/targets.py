"""Benchmark of the target list page (/targets/) on a large database.

Usage::

    .venv/bin/python bench/targets.py [--n 1000000] [--groups 4] [--repeat 20] [--db PATH]
                                      [--database-url postgres://...]

It builds (or reuses) a SQLite database (with ``--database-url``: a database of its own
on that PostgreSQL server, built by COPY, ANALYZEd as autovacuum would soon do, and
dropped at the end) of N sidereal targets, each with its
primary ``TargetName`` row, about 10% with an alias, and a view permission for
group ``i % G``. A non-superuser in the first half of the groups sees half the
targets; a superuser sees them all. It then times GET requests on /targets/
through ``django.test.Client`` and prints median / p90 milliseconds, SQL
queries per request and the query plan of the list query (SQLite's EXPLAIN QUERY PLAN;
PostgreSQL's EXPLAIN ANALYZE).

By default everything goes to a throwaway directory (deleted at exit), so the
developer's data is never touched. ``--db PATH`` keeps the database so the
next run with the same --n and --groups skips the build.

This is a script that prints figures, not a test.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402

BATCH = 10_000
NAME_FORMAT = "BT%07d"
GROUP_PREFIX = "bench-group-"
USER = "bench-user"
ADMIN = "bench-admin"
BUDGET_MS = 50.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of targets (default 1,000,000)")
    parser.add_argument("--groups", type=int, default=4, help="groups the targets are spread across (default 4)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per case (default 20)")
    parser.add_argument("--db", help="SQLite file to build or reuse (default: a throwaway temporary directory)")
    parser.add_argument("--data-dir", help="TOM_DATA_DIR (default: a throwaway temporary directory)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for positions and aliases")
    database.add_argument(parser)
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE after the build (the app itself never does; off by default)")
    parser.add_argument("--explain-all", action="store_true",
                        help="print the query plan of every case's slowest query, not only the slow ones")
    args = parser.parse_args()
    if args.n < 1 or args.groups < 1 or args.repeat < 1:
        parser.error("--n, --groups and --repeat must be positive")
    if args.database_url and args.db:
        parser.error("--db is a SQLite file: not with --database-url")
    return args


def setup_django(args) -> tempfile.TemporaryDirectory | None:
    """Point the settings at a throwaway (or the given) place before Django is imported."""
    scratch = None
    if not args.data_dir or not args.db:
        scratch = tempfile.TemporaryDirectory(prefix="tom-bench-")
    data_dir = Path(args.data_dir).resolve() if args.data_dir else Path(scratch.name)
    os.environ["TOM_DATA_DIR"] = str(data_dir)
    os.environ["STATIC_ROOT"] = str(data_dir / "staticfiles")
    os.environ["MEDIA_ROOT"] = str(data_dir / "media")
    # Never a DATABASE_URL from the environment: it may be the developer's database.
    db_path = Path(args.db).resolve() if args.db else data_dir / "tom.sqlite3"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.own_database_url or f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tom.settings"
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
    os.environ["ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*hosts, "testserver"]))
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    args.db_path = db_path
    return scratch


# ---------------------------------------------------------------------------
# Building the database


def insert_sql(model, columns):
    from django.db import connection

    qn = connection.ops.quote_name
    return (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def target_and_name_sql():
    """(target INSERT, its defaults, name INSERT, its defaults) for rows (id, name, type, ra, dec, created, modified)
    and (target_id, name, key, primary, created, modified): what every benchmark building targets needs."""
    from targets.models import Target, TargetName

    t_cols, t_defaults = row_template(Target, {"id", "name", "type", "ra", "dec", "created", "modified"})
    t_sql = insert_sql(Target, ["id", "name", "type", "ra", "dec", "created", "modified", *t_cols])
    n_cols, n_defaults = row_template(TargetName, {"id", "target_id", "name", "key", "primary", "created", "modified"})
    n_sql = insert_sql(TargetName, ["target_id", "name", "key", "primary", "created", "modified", *n_cols])
    return t_sql, t_defaults, n_sql, n_defaults


def row_template(model, given: set[str]):
    """Column names and prepared default values for every concrete field not in ``given``.

    Reading the defaults from the model keeps the raw insert working when a
    field with a default is added to the model later.
    """
    from django.db import connection

    columns, defaults = [], []
    for field in model._meta.concrete_fields:
        if field.attname in given:
            continue
        if field.primary_key:
            continue
        value = field.get_default()
        columns.append(field.column)
        defaults.append(field.get_db_prep_save(value, connection))
    return columns, tuple(defaults)


def wipe_bench_tables():
    from django.db import connection, transaction

    from targets.models import (
        Target,
        TargetGroupObjectPermission,
        TargetName,
        TargetUserObjectPermission,
    )

    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (TargetGroupObjectPermission, TargetUserObjectPermission, TargetName):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
        # Other rows that point at targets (extras, list memberships): Django's cascade.
        for rel in Target._meta.related_objects:
            if rel.related_model not in (TargetGroupObjectPermission, TargetUserObjectPermission, TargetName):
                if rel.many_to_many:
                    through = rel.through if hasattr(rel, "through") else rel.field.remote_field.through
                    cursor.execute(f"DELETE FROM {qn(through._meta.db_table)}")
                else:
                    cursor.execute(f"DELETE FROM {qn(rel.related_model._meta.db_table)}")
        cursor.execute(f"DELETE FROM {qn(Target._meta.db_table)}")


def build(n: int, groups: int, seed: int) -> float:
    """Insert n targets, their names and group permissions with raw executemany; returns seconds."""
    from django.contrib.auth.models import Group, Permission
    from django.db import connection, transaction
    from django.utils import timezone

    from targets.models import TargetGroupObjectPermission
    from targets.names import simplify_name

    rng = random.Random(seed)
    perm = Permission.objects.get(codename="view_target", content_type__app_label="targets")
    group_ids = [Group.objects.get_or_create(name=f"{GROUP_PREFIX}{g}")[0].pk for g in range(groups)]

    ops = connection.ops
    t_sql, t_defaults, n_sql, n_defaults = target_and_name_sql()
    p_sql = insert_sql(TargetGroupObjectPermission, ["content_object_id", "group_id", "permission_id"])

    # Creation times one second apart, oldest first, ending now: the default
    # sort (-created) then shows the highest ids first, as in real use.
    start = timezone.now().replace(microsecond=0) - timedelta(seconds=n)
    t0 = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB while building
    for lo in range(0, n, BATCH):
        hi = min(n, lo + BATCH)
        targets, names, perms = [], [], []
        for i in range(lo, hi):
            pk = i + 1
            name = NAME_FORMAT % i
            ra = rng.uniform(0.0, 360.0)
            if ra >= 360.0:
                ra = 0.0
            dec = math.degrees(math.asin(rng.uniform(-1.0, 1.0)))
            when = ops.adapt_datetimefield_value(start + timedelta(seconds=i))
            targets.append((pk, name, "SIDEREAL", ra, dec, when, when, *t_defaults))
            names.append((pk, name, simplify_name(name), True, when, when, *n_defaults))
            if rng.random() < 0.10:
                alias = f"ZTF{(i * 7919) % 10**8:08d}"  # 7919 is prime: unique below 10**8 targets
                names.append((pk, alias, simplify_name(alias), False, when, when, *n_defaults))
            perms.append((pk, group_ids[i % groups], perm.pk))
        with transaction.atomic(), connection.cursor() as cursor:
            database.insert_many(cursor, t_sql, targets)
            database.insert_many(cursor, n_sql, names)
            database.insert_many(cursor, p_sql, perms)
        if hi % 100_000 == 0 or hi == n:
            elapsed = time.perf_counter() - t0
            print(f"  {hi:>10,} targets  {elapsed:7.1f} s  {hi / elapsed:9,.0f} targets/s", flush=True)
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        from targets.models import Target, TargetName

        database.reset_sequences([Target, TargetName, TargetGroupObjectPermission])
    return time.perf_counter() - t0


def ensure_users(groups: int):
    from django.contrib.auth.models import Group, User

    admin, _ = User.objects.get_or_create(username=ADMIN, defaults={"is_superuser": True, "is_staff": True})
    if not admin.is_superuser:
        admin.is_superuser = admin.is_staff = True
        admin.save()
    user, _ = User.objects.get_or_create(username=USER)
    # Groups 0 .. G/2-1: exactly half the targets when G is even.
    member = [Group.objects.get_or_create(name=f"{GROUP_PREFIX}{g}")[0] for g in range(groups // 2 or 1)]
    user.groups.set(member)
    return user, admin


def prepare(args) -> dict:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from targets.models import Target, TargetGroupObjectPermission

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")

    have = Target.objects.count()
    bench_groups = Group.objects.filter(name__startswith=GROUP_PREFIX).count()
    reusable = (
        have == args.n
        and bench_groups == args.groups
        and TargetGroupObjectPermission.objects.filter(group__name__startswith=GROUP_PREFIX).count() == args.n
    )
    info = {"built": False}
    if reusable:
        print(f"reusing {args.db_path}: {have:,} targets already there")
    else:
        if have:
            foreign = Target.objects.exclude(name__regex=r"^BT[0-9]{7}$").exists()
            if foreign:
                sys.exit(f"{args.db_path} holds {have:,} targets that this script did not make; "
                         "refusing to delete them. Use another --db.")
            print(f"{args.db_path} holds {have:,} bench targets, not {args.n:,} in {args.groups} groups: rebuilding")
            wipe_bench_tables()
            Group.objects.filter(name__startswith=GROUP_PREFIX).delete()
        print(f"building {args.n:,} targets in {args.groups} groups ...", flush=True)
        seconds = build(args.n, args.groups, args.seed)
        with connection.cursor() as cursor:
            cursor.execute("SELECT (SELECT COUNT(*) FROM targets_targetname), (SELECT COUNT(*) FROM targets_targetgroupobjectpermission)")
            names, perms = cursor.fetchone()
        rows = args.n + names + perms
        print(f"build: {seconds:.1f} s for {args.n:,} targets + {names:,} names + {perms:,} permissions "
              f"= {rows:,} rows, {rows / seconds:,.0f} rows/s ({args.n / seconds:,.0f} targets/s)")
        info.update(built=True, seconds=seconds)
    if args.analyze or connection.vendor == "postgresql":
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"ANALYZE: {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            info["stat1"] = bool(cursor.fetchone()[0])
        else:
            cursor.execute("SELECT pg_database_size(current_database())")
            info["stat1"], info["size"] = True, cursor.fetchone()[0]
    user, admin = ensure_users(args.groups)
    info["user"], info["admin"] = user, admin
    return info


# ---------------------------------------------------------------------------
# Timing


RESULT_RE = re.compile(r'id="result-count">\s*(.*?)\s*</p>', re.S)


def result_text(response) -> str:
    match = RESULT_RE.search(response.content.decode())
    text = re.sub(r"\s+", " ", match.group(1)) if match else "?"
    return text.replace("No targets match.", "none").replace(" targets", "")


class QueryTimer:
    """Times each query to the microsecond (CaptureQueriesContext rounds to the millisecond)."""

    def __init__(self):
        self.times = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - t0) * 1000)


def run_case(client, params: dict, repeat: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def captured():
        timer = QueryTimer()
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
            response = client.get("/targets/", params)
        if response.status_code != 200:
            raise SystemExit(f"GET /targets/ {params} -> {response.status_code} {response.get('Location', '')}")
        queries = ctx.captured_queries
        if len(timer.times) == len(queries):
            queries = [{"sql": q["sql"], "time": ms / 1000} for q, ms in zip(queries, timer.times)]
        return response, queries

    # One warm-up (queries captured), the timed requests (not captured), then one
    # more captured request: its queries are the ones reported, and its count
    # must equal the warm-up's.
    response, first = captured()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        client.get("/targets/", params)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    captures = [first, captured()[1]]
    queries = captures[-1]  # warm: the timed requests ran just before it
    return {
        "median": statistics.median(times),
        "p90": times[min(len(times) - 1, math.ceil(0.9 * len(times)) - 1)],
        "queries": len(queries),
        "stable": len(captures[0]) == len(captures[1]),
        "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
        "slowest": max(queries, key=lambda q: float(q["time"])) if queries else None,
        "all": queries,
        "result": result_text(response),
    }


def short(sql: str) -> str:
    """The SQL with a long top-level column list shown as ``<k columns>``."""
    match = re.match(r'SELECT (.*?) FROM "', sql)
    if match and len(match.group(1)) > 100:
        k = match.group(1).count(", ") + 1
        sql = f"SELECT <{k} columns> FROM \"" + sql[match.end():]
    return sql


def explain(sql: str) -> list[str]:
    """EXPLAIN QUERY PLAN as an indented tree."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return ["    " + row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        rows = cursor.fetchall()
    depth = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("    " + "  " * depth[node] + detail)
    return lines


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="tom-bench-") as own:
        with database.scratch_database(args.database_url, Path(own)) as url:
            args.own_database_url = url if args.database_url else ""
            scratch = setup_django(args)
            try:
                run(args)
            finally:
                from django.db import connections

                connections.close_all()
                if scratch is not None:
                    shutil.rmtree(scratch.name, ignore_errors=True)


def run(args):
    import django
    from django.conf import settings
    from django.test import Client

    from targets.models import Target

    print(f"Python {platform.python_version()}, Django {django.get_version()}, "
          f"{database.describe(args.database_url)}, {platform.machine()} {platform.system()} {platform.release()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    where = "a database of its own on that server" if args.database_url else args.db_path
    print(f"database: {where}" + ("" if args.db else " (temporary, deleted at exit)"))
    info = prepare(args)
    user, admin = info["user"], info["admin"]

    t0 = time.perf_counter()
    visible = Target.objects.visible_to(user).count()
    count_s = time.perf_counter() - t0
    size_mb = info.get("size", 0) / 1e6 or os.path.getsize(args.db_path) / 1e6
    print(f"N = {args.n:,} targets, {args.groups} groups; {USER} sees {visible:,} "
          f"({visible / args.n:.0%}; a full COUNT took {count_s * 1000:.0f} ms); "
          f"{ADMIN} is a superuser; database {size_mb:,.0f} MB; "
          f"page size {settings.TARGET_LIST_PAGE_SIZE}, count limit {settings.TARGET_LIST_COUNT_LIMIT:,}; "
          + ("ANALYZE done after the build" if args.database_url else
             f"sqlite_stat1 (ANALYZE) {'present' if info['stat1'] else 'absent'}"))

    rng = random.Random(args.seed + 1)
    # A prefix that matches 10 names (5 visible to the user): the last digit of a middle target dropped.
    prefix = (NAME_FORMAT % (args.n // 2))[:-1] if args.n >= 20 else "BT"
    # Extra: a prefix that matches 1,000 names (500 visible), and the ~10% of targets with a ZTF alias.
    mid_prefix = (NAME_FORMAT % (args.n // 2))[:-3] if args.n >= 2000 else "BT"
    cone_ra = round(rng.uniform(0, 360), 4)
    cone_dec = round(math.degrees(math.asin(rng.uniform(-1, 1))), 4)
    cases = [
        ("first page (-created)", USER, {}),
        (f"search q={prefix}", USER, {"q": prefix}),
        ("search, no match", USER, {"q": "nosuchtarget"}),
        (f"search q={mid_prefix} (extra)", USER, {"q": mid_prefix}),
        ("search q=ZTF, aliases (extra)", USER, {"q": "ZTF"}),
        (f"cone {cone_ra} {cone_dec} r=600\"", USER, {"cone_ra": cone_ra, "cone_dec": cone_dec, "cone_radius": 600}),
        (f"cone {cone_ra} {cone_dec} r=3600\"", USER, {"cone_ra": cone_ra, "cone_dec": cone_dec, "cone_radius": 3600}),
        ("page 50", USER, {"page": 50}),
        ("sort=name, first page", USER, {"sort": "name"}),
        ("first page (-created)", ADMIN, {}),
    ]
    clients = {}
    for username, who in ((USER, user), (ADMIN, admin)):
        clients[username] = Client()
        clients[username].force_login(who)

    print(f"\nGET /targets/, median and p90 of {args.repeat} timed requests per case after one warm-up "
          f"(django.test.Client, full middleware + template rendering)")
    header = f"{'case':<34} {'user':<11} {'median ms':>9} {'p90 ms':>8} {'queries':>7} {'SQL ms':>7}  result"
    print(header)
    print("-" * len(header))
    results = []
    for label, username, params in cases:
        r = run_case(clients[username], params, args.repeat)
        results.append((label, username, params, r))
        flag = "" if r["median"] <= BUDGET_MS else "  > 50 ms"
        stable = "" if r["stable"] else " (varies)"
        print(f"{label:<34} {username:<11} {r['median']:>9.1f} {r['p90']:>8.1f} {r['queries']:>7}{stable} "
              f"{r['sql_ms']:>7.1f}  {r['result']}{flag}", flush=True)
    print("(queries: counted with CaptureQueriesContext, the same in the warm-up and in a request after the timed ones;\n"
          " SQL ms: time spent in those queries in the latter)")

    # The queries of the non-superuser's first page, as the view ran them.
    first = results[0][3]["all"]
    print(f"\nQueries of the first page for {USER} (ms, in the request after the timed ones):")
    for q in first:
        sql = short(q["sql"])
        print(f"  {float(q['time']) * 1000:7.2f}  {sql[:150]}{' ...' if len(sql) > 150 else ''}")
    print("\nQuery plan of the list query and the count query of that page:")
    shown = set()
    for q in first:
        sql = q["sql"]
        if sql.startswith(('SELECT "targets_target"."id", ', 'SELECT COUNT(*) FROM (SELECT "targets_target"."id"')):
            shown.add(sql)
            print(f"\n  {float(q['time']) * 1000:.2f} ms: {short(sql)}")
            print("\n".join(explain(sql)))

    slow = [(label, username, r) for label, username, _, r in results if args.explain_all or r["median"] > BUDGET_MS]
    if slow:
        print(f"\nSlowest query of each case{'' if args.explain_all else ' over 50 ms'} (not shown above):")
    for label, username, r in slow:
        q = r["slowest"]
        if q["sql"] in shown:
            print(f"\n  [{label} / {username}] {float(q['time']) * 1000:.2f} ms: the same query as above")
            continue
        shown.add(q["sql"])
        print(f"\n  [{label} / {username}] {float(q['time']) * 1000:.2f} ms: {short(q['sql'])}")
        print("\n".join(explain(q["sql"])))

    over = [f"{label} ({username})" for label, username, _, r in results if r["median"] > BUDGET_MS]
    counts = sorted({r["queries"] for *_, r in results})
    print(f"\nN = {args.n:,}: {len(results) - len(over)}/{len(results)} cases under {BUDGET_MS:.0f} ms median"
          + (f"; over: {', '.join(over)}" if over else "")
          + f"; queries per request: {', '.join(map(str, counts))}")


if __name__ == "__main__":
    main()
