"""On PostgreSQL the target list checks permissions row by row, as it reads the page, never by first hashing the
id of every target the user may view (which made the page take 0.5 to 1.8 s at 10⁶ targets: docs/benchmarks.md).

PostgreSQL chooses a hashed subplan from the rows its scan would read without the page's LIMIT, so even a few
hundred targets make the old filter hash; the plans are read with EXPLAIN (no ANALYZE: nothing is timed).
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets.models import Target

from .test_query_counts import add_visible_targets

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="PostgreSQL's plans: runs in the PostgreSQL pass of .ci/run")


def plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE targets_target, targets_targetgroupobjectpermission, targets_targetuserobjectpermission")


@pytest.mark.parametrize("params", [{}, {"sort": "name", "page": "3"}, {"q": "bulk"}])
def test_target_list_page_checks_permissions_row_by_row(client_for, viewers, settings, params):
    settings.TARGET_LIST_PAGE_SIZE = 5
    add_visible_targets(viewers, 300)
    analyze()
    with CaptureQueriesContext(connection) as ctx:
        assert client_for("viewer").get("/targets/", params).status_code == 200
    target_queries = [q["sql"] for q in ctx.captured_queries
                      if 'FROM "targets_target"' in q["sql"] and "targetgroupobjectpermission" in q["sql"]]
    assert len(target_queries) >= 2  # the page and its capped count
    for sql in target_queries:
        assert "hashed SubPlan" not in plan(sql), sql


def test_other_uses_keep_the_shape_postgresql_may_hash(users, viewers):
    """What reads every visible target (the export, the neighbour search's EXISTS run for each imported target:
    ``having_neighbours``) keeps the filter PostgreSQL may turn into one hashed set: checking row by row there
    made an import of a few hundred targets run for minutes."""
    add_visible_targets(viewers, 300)
    analyze()
    sql, params = Target.objects.visible_to(users["viewer"]).query.sql_with_params()
    assert "hashed SubPlan" in plan(sql, params)
