"""The throwaway database a benchmark runs on: SQLite in its scratch directory, or its own PostgreSQL database.

Every script in ``bench/`` takes ``--database-url``. Without it the script uses a new SQLite file, as before;
with a PostgreSQL URL (``postgres://tom:pw@127.0.0.1:5432/postgres``) it creates a database of its own on that
server (``tom_bench_<random>``), runs there, and drops it at the end. The database the URL names is only where
``CREATE DATABASE`` and ``DROP DATABASE`` are issued from: a benchmark never writes to a database it did not
create, and never to a ``DATABASE_URL`` from the environment (it may be the developer's).
"""
from __future__ import annotations

import argparse
import contextlib
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", metavar="URL", default="",
                        help="a PostgreSQL server to run on (a database of the benchmark's own is created there and "
                             "dropped at the end); default: a throwaway SQLite file")


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in POSTGRES_SCHEMES


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise SystemExit(f"--database-url: only PostgreSQL URLs are supported (postgres://...), not {parts.scheme}://")
    scheme = "postgresql"  # what libpq accepts (dj-database-url's aliases are not all libpq's)
    return urlunsplit(parts._replace(scheme=scheme, path=parts.path if parts.path.strip("/") else "/postgres"))


def create(url: str, prefix: str = "tom_bench") -> tuple[str, str]:
    """A new database on the server ``url`` names: (its name, the URL of it)."""
    import psycopg  # installed by `make run` (the postgres extra); SQLite runs never need it

    admin = _admin_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop(url: str, name: str) -> None:
    """Drop ``name`` (one that ``create`` made), closing whatever connections still use it."""
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def scratch_database(url: str, data_dir: Path, prefix: str = "tom_bench") -> Iterator[str]:
    """The DATABASE_URL to run on: ``url``'s server with a database of its own, or SQLite in ``data_dir``."""
    if not url:
        yield f"sqlite:///{Path(data_dir) / 'tom.sqlite3'}"
        return
    name, own = create(url, prefix)
    try:
        yield own
    finally:
        with contextlib.suppress(Exception):  # Django's own connections, if this process opened any
            from django.db import connections

            connections.close_all()
        drop(url, name)


def describe(url: str) -> str:
    """The database a run used, for the printed figures (no password)."""
    if not url:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(_admin_url(url)) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        settings = dict(connection.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', "
            "'full_page_writes', 'wal_level')").fetchall())
    parts = urlsplit(url)
    return (f"PostgreSQL {version} at {parts.hostname}:{parts.port or 5432} ("
            + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())) + ")")


INSERT_RE = r'INSERT INTO ("[^"]+") \((.*)\) VALUES \('


def insert_many(cursor, sql: str, rows) -> None:
    """``cursor.executemany(sql, rows)`` for a plain ``INSERT INTO "t" (...) VALUES (%s, ...)``; on PostgreSQL
    the same rows by ``COPY`` (what builds a million targets there in a reasonable time)."""
    import re

    from django.db import connection

    match = re.match(INSERT_RE, sql)
    if connection.vendor != "postgresql" or not match or "ON CONFLICT" in sql:
        cursor.executemany(sql, rows)
        return
    with cursor.cursor.copy(f"COPY {match[1]} ({match[2]}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def reset_sequences(models) -> None:
    """After rows inserted with their ids: PostgreSQL's sequences past them (SQLite needs nothing)."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)
