"""PostgreSQL's fastest way in for many rows: ``COPY``, straight into the table while every row is new.

``executemany`` of one ``INSERT`` per row (what SQLite is fastest at) makes PostgreSQL parse, plan and run each
row as a statement even when psycopg pipelines them; ``COPY`` streams every row in one command. ``COPY`` has no
``ON CONFLICT``, so when a row's key is already there the rows go through a session-local staging table
instead, and one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` moves them: duplicates are decided by the same
unique constraint as the plain path, and its row count says how many were new, what
``services.save_datums_many`` needs to tell created from existing, inside the caller's transaction (a rollback
takes the staged rows with it).
"""
from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Iterable, Sequence

import psycopg
from psycopg.copy import QueuedLibpqWriter
from django.db import connection, transaction


def staging_table(table: str) -> str:
    """The session's staging table for ``table`` (temporary: other connections never see it)."""
    return f"copy_staging_{table}"[:63]


@lru_cache(maxsize=8)
def _statements(table: str, columns: tuple[str, ...], conflict: tuple[str, ...]) -> tuple[str, str, str, str, str]:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    staging = quote(staging_table(table))
    direct = f"COPY {quote(table)} ({names}) FROM STDIN"
    # Same column types as the real table (CREATE ... AS ... WITH NO DATA), none of its constraints or defaults;
    # ON COMMIT DELETE ROWS keeps it empty between transactions even if a caller skipped the TRUNCATE below.
    create = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS "
              f"AS SELECT {names} FROM {quote(table)} WITH NO DATA")
    copy = f"COPY {staging} ({names}) FROM STDIN"
    insert = (f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {staging} "
              f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING")
    return direct, create, copy, insert, f"TRUNCATE {staging}"


def _copy(cursor, sql: str, chunks: Iterable[Sequence[tuple]], sent: list[Sequence[tuple]]) -> None:
    """COPY every row of ``chunks``, keeping each chunk in ``sent`` as it goes (the staging way needs them again).

    The rows are sent from psycopg's writer thread (``QueuedLibpqWriter``): while PostgreSQL writes one chunk
    into the table and its indexes, this thread makes the next (the caller's chunks are lazy), instead of the
    two taking turns.
    """
    psycopg_cursor = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
    with psycopg_cursor.copy(sql, writer=QueuedLibpqWriter(psycopg_cursor)) as copy:
        for chunk in chunks:
            sent.append(chunk)
            for row in chunk:
                copy.write_row(row)


def copy_insert(table: str, columns: Sequence[str], conflict: Sequence[str],
                chunks: Iterable[Sequence[tuple]]) -> int:
    """Insert the rows of ``chunks`` (tuples in ``columns``' order, no two with the same ``conflict`` key) into
    ``table``, skipping those whose key is already there; returns how many were inserted. Every chunk is taken,
    whatever happens to the first ``COPY``.

    First straight into the table, under a savepoint: when every row is new (a first upload, new points of a
    stream) that is all, and it costs about half of the staging table's way (the rows are written once, and
    without ``ON CONFLICT``'s speculative insertion). When a key is already there the unique constraint stops
    the ``COPY``, the savepoint undoes it, and the rows go through the staging table.

    Call it inside a transaction (``save_datums_many``'s ``atomic``): the staging table is emptied again before
    it returns, so several calls in one transaction do not see each other's rows.
    """
    direct, create, copy_sql, insert, truncate = _statements(table, tuple(columns), tuple(conflict))
    sent: list[Sequence[tuple]] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _copy(cursor, direct, chunks, sent)
        return sum(map(len, sent))
    except psycopg.errors.UniqueViolation:
        pass
    rows = [row for chunk in chain(sent, chunks) for row in chunk]  # the chunks not yet made, too
    with connection.cursor() as cursor:
        cursor.execute(create)
        _copy(cursor, copy_sql, [rows], [])
        cursor.execute(insert)
        inserted = max(cursor.rowcount, 0)
        cursor.execute(truncate)
    return inserted
