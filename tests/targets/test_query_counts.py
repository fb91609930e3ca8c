"""The target list costs a constant number of queries, however many targets there are."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets.models import Target, TargetGroupObjectPermission, TargetName
from targets.names import simplify_name


def add_visible_targets(group, count: int, start: int = 0) -> None:
    targets = Target.objects.bulk_create(
        Target(name=f"Bulk {i:05d}", ra=(i * 7.3) % 360, dec=((i * 3.1) % 180) - 90) for i in range(start, start + count)
    )
    TargetName.objects.bulk_create(TargetName(target=t, name=t.name, key=simplify_name(t.name), primary=True) for t in targets)
    view = Permission.objects.get(codename="view_target")
    TargetGroupObjectPermission.objects.bulk_create(
        TargetGroupObjectPermission(group=group, permission=view, content_object=t) for t in targets
    )


def queries_for(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [
    {}, {"q": "bulk"}, {"cone_ra": "10", "cone_dec": "0", "cone_radius": "180 deg"}, {"sort": "name", "page": "2"},
])
@pytest.mark.parametrize("role", ["viewer", "superuser"])
def test_target_list_query_count_does_not_grow(client_for, viewers, target_list, params, role, settings,
                                               django_assert_max_num_queries):
    settings.TARGET_LIST_PAGE_SIZE = 5  # both sizes fill several pages
    client = client_for(role)
    add_visible_targets(viewers, 30)
    small = queries_for(client, "/targets/", params)
    add_visible_targets(viewers, 300, start=30)
    with django_assert_max_num_queries(small):
        client.get("/targets/", params)
    assert small <= 12


def test_export_query_count_is_constant_per_chunk(client_for, viewers):
    client = client_for("viewer")
    add_visible_targets(viewers, 20)
    with CaptureQueriesContext(connection) as small:
        b"".join(client.get("/targets/export.csv").streaming_content)
    add_visible_targets(viewers, 200, start=20)
    with CaptureQueriesContext(connection) as large:
        body = b"".join(client.get("/targets/export.csv").streaming_content)
    assert body.count(b"\n") == 221
    assert len(large.captured_queries) == len(small.captured_queries)
