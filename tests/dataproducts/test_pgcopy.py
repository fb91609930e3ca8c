"""On PostgreSQL datums go in by COPY (dataproducts/pgcopy.py) with every guarantee of the plain path."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, transaction

from dataproducts.datums import parse_datum
from dataproducts.models import Ingest, ReducedDatum
from dataproducts.pgcopy import staging_table
from dataproducts.services import save_datums, save_datums_many
from targets.services import create_target
from tests.conftest import sidereal

pytestmark = pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                                reason="the COPY path is PostgreSQL's (the PostgreSQL pass of .ci/run runs it)")

WHEN = "2024-04-01T06:00:00+00:00"


def phot(magnitude: float, band: str = "g", **extra) -> dict:
    return parse_datum({"data_type": "photometry", "timestamp": WHEN, "source_name": "ZTF",
                        "value": {"magnitude": magnitude, "filter": band, **extra}})


@contextmanager
def statements():
    """The SQL that goes through Django's cursor (COPY itself goes through psycopg's, so it is not seen)."""
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def staged() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(staging_table('dataproducts_reduceddatum'))}")
        return cursor.fetchone()[0]


def test_a_mixed_batch_goes_in_by_copy_with_the_statuses_the_plain_path_gives(target, users):
    assert ReducedDatum._meta.db_table == "dataproducts_reduceddatum"
    other = create_target(users["superuser"], sidereal("Other 1"))
    old = phot(18.0)
    save_datums(target, [old], origin="api")
    new, limit = phot(18.5, "r"), parse_datum({"data_type": "photometry", "timestamp": WHEN,
                                               "value": {"limit": 20.5, "filter": "i", "note": "null\tcopy\\N"}})
    with statements() as seen:
        first, second = save_datums_many([(target, [old, new, new, limit, old]), (other, [old, old])],
                                         origin="api", user=users["editor"], received_from="Peer TOM")
    # existing, new, repeated within the call; per target, in order (what SQLite's executemany path gives)
    assert first.statuses == ["existing", "created", "existing", "created", "existing"]
    assert second.statuses == ["created", "existing"]
    inserts = [sql for sql in seen if sql.startswith("INSERT INTO \"dataproducts_reduceddatum\"")]
    assert len(inserts) == 1 and f'FROM "{staging_table("dataproducts_reduceddatum")}"' in inserts[0]
    assert not any("VALUES" in sql for sql in inserts)
    assert first.ingest == second.ingest and first.ingest.received_from == "Peer TOM"
    stored = {(d.target_id, d.bandpass): d for d in first.ingest.reduced_data.all()}
    assert sorted(stored) == sorted([(target.pk, "r"), (target.pk, "i"), (other.pk, "g")])
    # COPY's text format escapes tabs and backslashes; the values come back as sent
    assert stored[target.pk, "i"].value == {"note": "null\tcopy\\N"} and stored[target.pk, "i"].brightness is None
    assert stored[target.pk, "r"].timestamp == ReducedDatum.objects.get(target=target, bandpass="g").timestamp
    assert stored[target.pk, "r"].fingerprint == first.fingerprints[1]
    assert staged() == 0


def test_calls_in_one_transaction_do_not_see_each_others_staged_rows(target, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        a = save_datums(target, [phot(17.0), phot(17.1)], origin="stream", savepoint=False)
        b = save_datums(target, [phot(17.1), phot(17.2)], origin="stream", savepoint=False)
        c = save_datums(target, [phot(17.0)], origin="stream", savepoint=False)
    assert (a.statuses, b.statuses, c.statuses) == (["created"] * 2, ["existing", "created"], ["existing"])
    assert len(callbacks) == 2  # one announcement per call with new datums, after the commit
    assert ReducedDatum.objects.filter(target=target).count() == 3
    assert Ingest.objects.count() == 2  # c's ingest, with nothing new, was removed


def staging_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"pg_temp.{staging_table('dataproducts_reduceddatum')}"])
        return cursor.fetchone()[0]


def test_new_datums_go_straight_into_the_table_and_a_repeat_through_the_staging_table(target, users):
    """A batch of new datums is one COPY into the table itself (no staging table, no INSERT ... SELECT); the
    same batch again hits the unique constraint, is undone to the savepoint and goes the staging way, with the
    statuses, the single ingest and the announcement of the plain path."""
    with connection.cursor() as cursor:  # none left in this session by another test
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging_table('dataproducts_reduceddatum')}")
    datums = [phot(17.0 + i / 100) for i in range(50)]
    with statements() as seen:
        first = save_datums(target, datums, origin="upload", user=users["editor"])
    assert first.statuses == ["created"] * 50 and not staging_exists()
    assert not any(sql.startswith('INSERT INTO "dataproducts_reduceddatum"') for sql in seen)
    second = save_datums(target, [*datums[:10], phot(19.0)], origin="upload", user=users["editor"])
    assert second.statuses == ["existing"] * 10 + ["created"] and staging_exists()
    assert ReducedDatum.objects.filter(target=target).count() == 51
    assert set(second.ingest.reduced_data.values_list("brightness", flat=True)) == {19.0}
    assert ReducedDatum.objects.filter(ingest=first.ingest).count() == 50


def test_datums_have_no_foreign_key_checks_left_for_the_commit(db):
    """PostgreSQL checked the datum table's three foreign keys row by row at commit: a third of a large insert
    (docs/benchmarks.md). The columns keep Django's cascade; save_datums_many checks and locks the targets."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'dataproducts_reduceddatum'::regclass "
                       "AND contype = 'f'")
        assert cursor.fetchone()[0] == 0
