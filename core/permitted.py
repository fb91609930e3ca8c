"""Querysets that know who may see their rows: the one implementation of the object-permission rule.

**The rule**: an active user may ``action`` (view, change, delete, share...) an object when they are a
superuser, hold the model-level permission (``targets.change_target``: every object), or hold the object
permission in django-guardian's direct foreign-key tables (``TargetUserObjectPermission``,
``TargetGroupObjectPermission``), themselves or through a group. Anonymous and inactive users may nothing.

Pages, the API, sharing and the commands all ask through this module: :meth:`PermittedQuerySet.permitted` for
a list (one SQL condition), :meth:`PermittedQuerySet.allows` / :func:`allows` for one object (one small
statement). guardian's own ``user.has_perm(perm, obj)`` answers the same, but takes two queries per object
and cannot filter a list, so it is not used.

Guardian's generic tables join on a text ``object_pk``; the direct foreign-key tables are what keeps the
target list fast on large databases (the TOM Toolkit's issue #598).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull


def has_global_perm(user, app_label: str, codename: str) -> bool:
    """The model-level permission, from the user's own and groups' permissions, loaded in one query and kept
    on the user object for the rest of the request (Django's ModelBackend takes two)."""
    perms = getattr(user, "_perm_cache", None) or getattr(user, "_tom_global_perms", None)
    if perms is None:
        rows = Permission.objects.filter(Q(user=user) | Q(group__user=user)).values_list(
            "content_type__app_label", "codename")
        perms = user._tom_global_perms = {f"{app}.{code}" for app, code in rows}
    return f"{app_label}.{codename}" in perms


def _permission_filter(model_user_perm, model_group_perm, user, codename: str, per_row: bool = False) -> Q:
    """Rows the user holds ``codename`` on, directly or through a group, as one SQL condition.

    PostgreSQL runs each ``EXISTS`` either as a *hashed* subplan (the set of every permitted id, built once
    per statement: right when the whole table is read, or when the filter sits inside another correlated
    subquery, as in the neighbour search) or row by row (two index probes for each row read: right when the
    statement stops after a page). It picks between them from the row count the scan would read without its
    ``LIMIT``, so a list page always got the hashed set: 500,000 ids hashed for a 25-row page at 10⁶ targets
    (docs/benchmarks.md). ``per_row`` makes each subquery also test the outer row (``id IS NOT NULL``, always
    true), which PostgreSQL cannot hash; SQLite checks row by row either way.
    """
    probe = Q(IsNull(OuterRef("pk"), False)) if per_row else Q()
    # The permission's id and the user's groups as uncorrelated subqueries, which PostgreSQL runs once per
    # statement, not joined in each probe (auth_permission was scanned again for every permitted row).
    opts = model_user_perm._meta.get_field("content_object").related_model._meta
    permission = Subquery(Permission.objects.filter(
        content_type__app_label=opts.app_label, content_type__model=opts.model_name, codename=codename).values("pk"))
    groups = get_user_model().groups.through.objects.filter(user_id=user.pk).values("group_id")
    user_perm = model_user_perm.objects.filter(
        probe, content_object=OuterRef("pk"), user_id=user.pk, permission_id=permission
    )
    group_perm = model_group_perm.objects.filter(
        probe, content_object=OuterRef("pk"), group_id__in=groups, permission_id=permission
    )
    return Q(Exists(user_perm)) | Q(Exists(group_perm))


class PermittedQuerySet(models.QuerySet):
    """``visible_to`` / ``permitted`` for a model with guardian direct-FK permission tables."""

    user_perm_model_name: str = ""
    group_perm_model_name: str = ""

    def _global_rule(self, user, action: str) -> tuple[str, bool | None]:
        """The permission's codename, and True/False when the user's standing decides it for every object."""
        codename = f"{action}_{self.model._meta.model_name}"
        if user is None or not user.is_authenticated or not user.is_active:
            return codename, False
        if user.is_superuser or has_global_perm(user, self.model._meta.app_label, codename):
            return codename, True
        return codename, None

    def perm_model(self, kind: str):
        """Guardian's direct-FK table of this model: kind "user" or "group"."""
        opts = self.model._meta
        name = self.user_perm_model_name if kind == "user" else self.group_perm_model_name
        return opts.apps.get_model(opts.app_label, name)

    def permitted(self, user, action: str = "view", *, per_row: bool = False):
        """Objects ``user`` may ``action`` (view, change, delete), filtered in SQL.

        Superusers and holders of the global permission see everything; the
        cost is a constant number of queries whatever the table size. ``per_row``
        for a statement that stops early (a page: ``ORDER BY … LIMIT``, a capped
        count): each row read is checked by index probes instead of against the
        set of every permitted id (``_permission_filter``).
        """
        codename, decided = self._global_rule(user, action)
        if decided is not None:
            return self if decided else self.none()
        return self.filter(_permission_filter(self.perm_model("user"), self.perm_model("group"), user, codename,
                                              per_row))

    def visible_to(self, user, *, per_row: bool = False):
        return self.permitted(user, "view", per_row=per_row)

    def allows(self, user, action: str, pk) -> bool:
        """Whether ``user`` may ``action`` the object ``pk`` (same rules as ``permitted``), for one object.

        One small statement with indexed lookups instead of ``permitted(...).filter(pk=pk)``: on the
        API's one-datum-per-request path, building that ORM query cost more than running it.
        """
        codename, decided = self._global_rule(user, action)
        if decided is not None:
            return decided
        with connection.cursor() as cursor:
            cursor.execute(self._object_perm_sql(), [pk, user.pk, codename, pk, user.pk, codename])
            return cursor.fetchone() is not None

    def _object_perm_sql(self) -> str:
        """One statement over guardian's two direct-FK tables (SQL written once per model, then reused)."""
        cached = _OBJECT_PERM_SQL.get(self.model)
        if cached is None:
            q = connection.ops.quote_name
            user_table = q(self.perm_model("user")._meta.db_table)
            group_table = q(self.perm_model("group")._meta.db_table)
            perm_table = q(Permission._meta.db_table)
            user_groups = q(get_user_model().groups.through._meta.db_table)
            cached = _OBJECT_PERM_SQL[self.model] = (
                f"SELECT 1 FROM {user_table} u JOIN {perm_table} p ON p.id = u.permission_id "
                "WHERE u.content_object_id = %s AND u.user_id = %s AND p.codename = %s "
                f"UNION ALL SELECT 1 FROM {group_table} g JOIN {perm_table} p ON p.id = g.permission_id "
                f"JOIN {user_groups} ug ON ug.group_id = g.group_id "
                "WHERE g.content_object_id = %s AND ug.user_id = %s AND p.codename = %s LIMIT 1"
            )
        return cached


_OBJECT_PERM_SQL: dict = {}


def allows(user, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may ``action`` ``obj``, for any model whose manager is a :class:`PermittedQuerySet`."""
    return type(obj)._default_manager.allows(user, action, obj.pk)
