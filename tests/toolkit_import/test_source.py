"""Opening a TOM Toolkit database: what is refused, and how it is said (never with a password)."""
from __future__ import annotations

import os
import sqlite3
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from toolkit_import.source import as_datetime, as_json, safe_label


def test_a_missing_file_is_named(tmp_path, db):
    with pytest.raises(CommandError, match=r"no-such\.sqlite3: no such file"):
        call_command("import_toolkit", str(tmp_path / "no-such.sqlite3"))


def test_a_file_that_is_not_sqlite_is_named(tmp_path, db):
    path = tmp_path / "notes.txt"
    path.write_text("hello, not a database " * 100)
    with pytest.raises(CommandError, match="is not a readable SQLite database"):
        call_command("import_toolkit", str(path))


def test_a_sqlite_database_without_toolkit_tables_is_refused(tmp_path, db):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE auth_user (id integer)")
    with pytest.raises(CommandError, match="is not a TOM Toolkit database"):
        call_command("import_toolkit", str(path))


def test_an_unknown_url_scheme_and_a_missing_media_folder_are_refused(tmp_path, db):
    with pytest.raises(CommandError, match="give a SQLite file path or a postgres:// URL"):
        call_command("import_toolkit", "mysql://user:secret@127.0.0.1/tom")
    with pytest.raises(CommandError, match="--media-root .*: no such folder"):
        call_command("import_toolkit", str(tmp_path / "db.sqlite3"), "--media-root", str(tmp_path / "nowhere"))


def test_an_unreachable_postgresql_server_is_named_without_the_password(db):
    with pytest.raises(CommandError) as caught:
        call_command("import_toolkit", "postgres://tom:s3cret-pw@127.0.0.1:9/toolkit")  # nothing listens on 9
    message = str(caught.value)
    assert "postgres://tom@127.0.0.1:9/toolkit cannot be opened" in message and "s3cret" not in message


def test_labels_values_and_times_as_each_database_returns_them():
    assert safe_label("postgresql://u:pw@db.example.org:5433/tom?sslmode=require") == (
        "postgresql://u@db.example.org:5433/tom")
    assert as_json('{"a": 1}') == {"a": 1} and as_json("{}") == {} and as_json({"b": 2}) == {"b": 2}
    assert as_datetime("2026-04-01 03:00:00.5").isoformat() == "2026-04-01T03:00:00.500000+00:00"
    assert as_datetime("not a date") is None and as_datetime(None) is None


def test_a_refused_postgresql_password_is_named_without_the_password(db):
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs the PostgreSQL server of the PostgreSQL run")
    parts = urlsplit(server)
    wrong = urlunsplit(parts._replace(netloc=f"{parts.username}:n0t-the-pw@{parts.hostname}:{parts.port}"))
    with pytest.raises(CommandError) as caught:
        call_command("import_toolkit", wrong)
    assert "cannot be opened" in str(caught.value) and "n0t-the-pw" not in str(caught.value)
