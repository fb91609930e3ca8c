"""A handler for the consumer-group tests: each message's (topic, partition, offset) recorded in the database.

Recorded in the batch's transaction, as a real handler's data is, with the reader that handled it
(``READER_NAME``) and whether the message was already there (``again``: a redelivery, which an idempotent
handler such as Hermes' skips). The table is the test's own, made by ``create_table`` before the readers start
(plain SQL, the same on SQLite and PostgreSQL), so no migration carries test code.
"""
from __future__ import annotations

import os

from django.db import connection

TABLE = "test_group_handled"
CREATE = (f"CREATE TABLE {TABLE} (topic varchar(249) NOT NULL, msg_partition integer NOT NULL, "
          "msg_offset bigint NOT NULL, reader varchar(20) NOT NULL, again boolean NOT NULL)")


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(CREATE)


def record(alert, metadata) -> None:
    key = [metadata.topic, metadata.partition, metadata.offset]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE topic = %s AND msg_partition = %s AND msg_offset = %s",
                       key)
        again = cursor.fetchone()[0] > 0
        cursor.execute(f"INSERT INTO {TABLE} (topic, msg_partition, msg_offset, reader, again) "
                       "VALUES (%s, %s, %s, %s, %s)", [*key, os.environ.get("READER_NAME", ""), again])
