"""Reading a TOM Toolkit database directly: a SQLite file or a PostgreSQL URL, read-only, one snapshot.

We have neither the TOM Toolkit's code (GPL, not installed here) nor a fixed schema to expect: its
tables changed across releases (``tom_targets_target`` became ``tom_targets_basetarget`` in 2.x, 3.x
added typed datum tables, projects may subclass the target model). So the reader asks the database
which tables and columns exist and reads rows by column name; the importer decides what they mean.

Everything is read inside one read-only transaction, so a TOM Toolkit still running beside us cannot
change the data halfway through an import (SQLite: one read transaction; PostgreSQL: REPEATABLE READ).
"""
from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

try:
    import psycopg
except ImportError:  # an optional dependency (the "postgres" extra): only PostgreSQL sources need it
    psycopg = None

TARGET_TABLES = ("tom_targets_basetarget", "tom_targets_target")  # 2.x renamed Target to BaseTarget
TYPED_DATUM_TABLES = {
    "photometry": "tom_dataproducts_photometryreduceddatum",
    "spectroscopy": "tom_dataproducts_spectroscopyreduceddatum",
    "astrometry": "tom_dataproducts_astrometryreduceddatum",
}
GENERIC_DATUM_TABLE = "tom_dataproducts_reduceddatum"
DATABASE_ERRORS = (sqlite3.Error,) + ((psycopg.Error,) if psycopg is not None else ())


class SourceError(Exception):
    """The TOM Toolkit database cannot be opened or read; the message says why (never with a password)."""


def quote_name(name: str) -> str:
    """An SQL identifier for SQLite and PostgreSQL alike (names may come from the source's own catalogue)."""
    return '"' + name.replace('"', '""') + '"'


def safe_label(database: str) -> str:
    """The database as we may print it: a path, or the URL without its password."""
    if "://" not in database:
        return str(Path(database).resolve())
    parts = urlsplit(database)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class ToolkitSource:
    """One open, read-only connection to a TOM Toolkit database, with its catalogue."""

    def __init__(self, connection, vendor: str, label: str):
        self.connection = connection
        self.vendor = vendor
        self.label = label
        self._cursors = itertools.count()
        self._tables = self._read_tables()
        self._columns: dict[str, list[str]] = {}
        if "auth_user" not in self._tables or not any(t in self._tables for t in TARGET_TABLES):
            self.close()
            raise SourceError(f"{label} is not a TOM Toolkit database: it has no auth_user and tom_targets tables.")

    # The catalogue

    def _read_tables(self) -> set[str]:
        try:
            if self.vendor == "sqlite":
                rows = self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            else:
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT table_name FROM information_schema.tables "
                                   "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
                    rows = cursor.fetchall()
        except DATABASE_ERRORS as exc:
            raise SourceError(f"{self.label} cannot be read: {_reason(exc)}") from None
        return {name for (name,) in rows}

    def tables(self) -> set[str]:
        return set(self._tables)

    def has(self, table: str, column: str | None = None) -> bool:
        if table not in self._tables:
            return False
        return column is None or column in self.columns(table)

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            if self.vendor == "sqlite":
                rows = self.connection.execute(f"PRAGMA table_info({quote_name(table)})").fetchall()
                self._columns[table] = [row[1] for row in rows]
            else:
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                   "current_schema() AND table_name = %s ORDER BY ordinal_position", [table])
                    self._columns[table] = [row[0] for row in cursor.fetchall()]
        return self._columns[table]

    @property
    def target_table(self) -> str:
        return next(t for t in TARGET_TABLES if t in self._tables)

    def custom_target_tables(self) -> set[str]:
        """Tables of a project's own target model (``TARGET_MODEL_CLASS``, a subclass of BaseTarget): one row
        per target, joined by a ``basetarget_ptr_id`` (``target_ptr_id`` before the rename) column."""
        found = set()
        for table in self._tables - set(TARGET_TABLES):
            if table.startswith(("auth_", "django_", "guardian_", "sqlite_")):
                continue
            if {"basetarget_ptr_id", "target_ptr_id"} & set(self.columns(table)):
                found.add(table)
        return found

    def generation(self) -> str:
        """Which TOM Toolkit schema this is, in words, from its tables and applied migrations."""
        typed = TYPED_DATUM_TABLES["photometry"] in self._tables
        applied = self.latest_migrations()
        migrations = ", ".join(f"{app} {applied[app]}" for app in ("tom_targets", "tom_dataproducts") if app in applied)
        kind = "3.x schema (typed datum tables)" if typed else "2.x schema (one datum table)"
        return f"TOM Toolkit {kind}" + (f"; migrations {migrations}" if migrations else "")

    def latest_migrations(self) -> dict[str, str]:
        if "django_migrations" not in self._tables:
            return {}
        latest: dict[str, str] = {}
        for app, name in self.select("django_migrations", ["app", "name"]):
            if app not in latest or name[:4] > latest[app][:4]:
                latest[app] = name[:4]
        return latest

    # Rows

    def count(self, table: str) -> int:
        if table not in self._tables:
            return 0
        return self._fetch_one(f"SELECT COUNT(*) FROM {quote_name(table)}")[0]

    def select(self, table: str, columns: list[str], order_by: str | None = "id") -> Iterator[tuple]:
        """Every row of ``table`` as tuples of ``columns`` (streamed, in ``order_by`` order)."""
        for chunk in self.select_chunks(table, columns, order_by=order_by):
            yield from chunk

    def select_chunks(self, table: str, columns: list[str], size: int = 10_000,
                      order_by: str | None = "id") -> Iterator[list[tuple]]:
        """The rows of ``table`` in lists of up to ``size``: a million rows never sit in memory at once."""
        if table not in self._tables:
            return
        sql = f"SELECT {', '.join(quote_name(c) for c in columns)} FROM {quote_name(table)}"
        if order_by:
            sql += f" ORDER BY {quote_name(order_by)}"
        try:
            if self.vendor == "sqlite":
                cursor = self.connection.execute(sql)
            else:  # a server-side cursor: PostgreSQL sends the rows as we read them
                cursor = self.connection.cursor(name=f"toolkit_import_{next(self._cursors)}")
                cursor.execute(sql)
            try:
                while rows := cursor.fetchmany(size):
                    yield rows
            finally:
                cursor.close()
        except DATABASE_ERRORS as exc:
            raise SourceError(f"{self.label}: reading {table} failed: {_reason(exc)}") from None

    def _fetch_one(self, sql: str) -> tuple:
        try:
            if self.vendor == "sqlite":
                return self.connection.execute(sql).fetchone()
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()
        except DATABASE_ERRORS as exc:
            raise SourceError(f"{self.label} cannot be read: {_reason(exc)}") from None

    def close(self) -> None:
        try:
            self.connection.rollback()  # ends the read transaction; nothing was written
        finally:
            self.connection.close()


def _reason(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def open_source(database: str) -> ToolkitSource:
    """Open ``database`` (a SQLite file path, or a ``postgres://`` / ``postgresql://`` URL) read-only."""
    scheme = urlsplit(database).scheme if "://" in database else ""
    if scheme in ("postgres", "postgresql"):
        return _open_postgresql(database)
    if scheme:
        raise SourceError(f"{safe_label(database)}: give a SQLite file path or a postgres:// URL.")
    return _open_sqlite(database)


def _open_sqlite(path: str) -> ToolkitSource:
    label = safe_label(path)
    if not os.path.isfile(path):
        raise SourceError(f"{label}: no such file.")
    try:
        connection = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True,
                                     isolation_level=None, check_same_thread=False)
        connection.execute("BEGIN")  # one snapshot for the whole import
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        raise SourceError(f"{label} is not a readable SQLite database: {_reason(exc)}") from None
    return ToolkitSource(connection, "sqlite", label)


def _open_postgresql(url: str) -> ToolkitSource:
    label = safe_label(url)
    if psycopg is None:
        raise SourceError(f"{label}: reading PostgreSQL needs psycopg (pip install 'psycopg[binary]').")
    try:
        connection = psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=10)
        connection.read_only = True
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    except psycopg.Error as exc:
        raise SourceError(f"{label} cannot be opened: {_reason(exc)}") from None
    return ToolkitSource(connection, "postgresql", label)


# Values as each database returns them

def as_json(value):
    """A JSON column's value: SQLite returns text, PostgreSQL the decoded object."""
    if isinstance(value, (str, bytes)):
        text = value.strip()
        if text in ("", "{}"):
            return {}
        return json.loads(text)
    return value


def as_datetime(value) -> datetime | None:
    """An aware UTC datetime from a datetime (PostgreSQL) or the text Django's SQLite backend writes."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
