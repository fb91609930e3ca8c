"""On PostgreSQL the permission filter of a page runs row by row, not as a hash of every permitted id."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import connection

from targets.models import Target, TargetGroupObjectPermission

pytestmark = pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                                reason="a PostgreSQL planner choice (the PostgreSQL pass of .ci/run runs it)")


@pytest.mark.django_db
def test_a_page_of_visible_targets_does_not_hash_every_permitted_id_first():
    # A hashed subplan reads every row the user may see before the first row of the page (0.7 s at 10^6
    # targets in bench/targets.py); checked per row, the page reads about as many rows as it shows.
    group = Group.objects.create(name="Half")
    user = User.objects.create_user("member")
    user.groups.add(group)
    view = Permission.objects.get(codename="view_target", content_type__app_label="targets")
    targets = Target.objects.bulk_create(Target(name=f"Plan {i:05d}", ra=1.0, dec=1.0) for i in range(5000))
    TargetGroupObjectPermission.objects.bulk_create(
        TargetGroupObjectPermission(content_object=t, group=group, permission=view) for t in targets[::2])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the statistics a running database has (autovacuum); the plan depends on them
    page = Target.objects.visible_to(user).order_by("-created", "-id")[:25]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" in plan and "hashed SubPlan" not in plan, plan
    assert len(page) == 25
