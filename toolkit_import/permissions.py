"""The TOM Toolkit's permissions, mapped to ours: model permissions, per-object permissions, public targets.

The TOM Toolkit keeps per-object permissions in django-guardian's generic tables (a text ``object_pk``
and a content type); we keep them in guardian's direct foreign-key tables for Target and TargetList.
Its permission names are ours with its app labels (``tom_targets.view_target`` is ``targets.view_target``),
and it lets whoever may change a target share it, where we have a separate ``share_target``: holders of
``change_target`` there get ``share_target`` here too, so nobody loses what they could do.

A 3.x target can also be PUBLIC (every logged-in user may view it) or OPEN (anonymous visitors too).
This TOM has no such flag: such targets are viewable by a group called "Public" holding every imported
user, which is how the TOM Toolkit itself did it before 2.x's flag (and we always ask visitors to log in).
Its pages also let every logged-in user change and delete a PUBLIC target (its ``targets_for_user`` checks
nothing for them); that is not carried over: here changing takes change permission, as for any target.
"""
from __future__ import annotations

from collections import Counter

from django.contrib.auth.models import Group, Permission, User

from targets.models import (
    TargetGroupObjectPermission,
    TargetListGroupObjectPermission,
    TargetListUserObjectPermission,
    TargetUserObjectPermission,
)

from .report import CHANGED, NOT_MAPPED
from .run import ImportRun

TARGET_MODELS = {("tom_targets", "basetarget"), ("tom_targets", "target")}
ACTIONS = ("add", "view", "change", "delete")
# (TOM Toolkit app label, model) -> (our app label, model) for the models both TOMs have.
SAME_MODELS = {
    ("tom_targets", "targetlist"): ("targets", "targetlist"),
    ("tom_targets", "targetname"): ("targets", "targetname"),
    ("tom_targets", "targetextra"): ("targets", "targetextra"),
    ("tom_targets", "persistentshare"): ("sharing", "persistentshare"),
    ("tom_dataproducts", "dataproduct"): ("dataproducts", "dataproduct"),
    ("tom_dataproducts", "reduceddatum"): ("dataproducts", "reduceddatum"),
    ("tom_dataproducts", "photometryreduceddatum"): ("dataproducts", "reduceddatum"),
    ("tom_dataproducts", "spectroscopyreduceddatum"): ("dataproducts", "reduceddatum"),
    ("tom_dataproducts", "astrometryreduceddatum"): ("dataproducts", "reduceddatum"),
}
PUBLIC_GROUP = "Public"
OBJECT_TABLES = {"user": "guardian_userobjectpermission", "group": "guardian_groupobjectpermission"}


class PermissionMap:
    """The TOM Toolkit's content types and permissions (by its ids), and what each one is here."""

    def __init__(self, run: ImportRun):
        source = run.source
        run.read_tables |= {"django_content_type", "auth_permission"}
        self.content_types = {pk: (app, model) for pk, app, model in
                              source.select("django_content_type", ["id", "app_label", "model"])}
        self.target_types = {pk for pk, (app, model) in self.content_types.items()
                             if (app, model) in TARGET_MODELS or f"{app}_{model}" in run.custom_target_tables}
        ours = {(p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")}
        self.names: dict[int, str] = {}
        self.mapped: dict[int, list[Permission]] = {}
        for pk, content_type_id, codename in source.select("auth_permission", ["id", "content_type_id", "codename"]):
            app, model = self.content_types.get(content_type_id, ("?", "?"))
            self.names[pk] = f"{app}.{codename}"
            self.mapped[pk] = [ours[key] for key in self._translate(content_type_id, app, model, codename)
                               if key in ours]

    def _translate(self, content_type_id: int, app: str, model: str, codename: str) -> list[tuple[str, str]]:
        action, _, suffix = codename.partition("_")
        if action not in ACTIONS:
            return []
        if content_type_id in self.target_types:  # view_target and view_basetarget alike (and a custom model's)
            keys = [("targets", f"{action}_target")]
            return keys + [("targets", "share_target")] if action == "change" else keys
        if app == "auth":
            return [("auth", codename)]
        if (app, model) in SAME_MODELS and suffix == model:
            our_app, our_model = SAME_MODELS[(app, model)]
            return [(our_app, f"{action}_{our_model}")]
        return []

    def ours(self, toolkit_permission_id: int) -> list[Permission]:
        return self.mapped.get(toolkit_permission_id, [])

    def name(self, toolkit_permission_id: int) -> str:
        return self.names.get(toolkit_permission_id, f"permission #{toolkit_permission_id}")

    def object_kind(self, content_type_id: int) -> str | None:
        """"target" or "targetlist" for the objects whose permissions we keep; None for the others."""
        if content_type_id in self.target_types:
            return "target"
        if self.content_types.get(content_type_id) == ("tom_targets", "targetlist"):
            return "targetlist"
        return None


def import_object_permissions(run: ImportRun, perms: PermissionMap) -> None:
    """Per-object view/change/delete on targets and target lists, for users and groups, as the TOM Toolkit had them."""
    models = {
        ("user", "target"): TargetUserObjectPermission, ("group", "target"): TargetGroupObjectPermission,
        ("user", "targetlist"): TargetListUserObjectPermission,
        ("group", "targetlist"): TargetListGroupObjectPermission,
    }
    objects = {"target": run.targets, "targetlist": run.lists}
    holders = {"user": run.users, "group": run.groups}
    wanted: dict[type, set[tuple[int, int, int]]] = {model: set() for model in models.values()}
    not_mapped: Counter = Counter()
    skipped = 0
    for holder_kind, table in OBJECT_TABLES.items():
        if not run.source.has(table):
            continue
        run.read_tables.add(table)
        columns = ["object_pk", "content_type_id", "permission_id", f"{holder_kind}_id"]
        for object_pk, content_type_id, permission_id, holder_id in run.source.select(table, columns):
            kind = perms.object_kind(content_type_id)
            if kind is None:
                not_mapped[perms.name(permission_id)] += 1
                continue
            obj = objects[kind].get(_int(object_pk))
            holder = holders[holder_kind].get(holder_id)
            ours = [p for p in perms.ours(permission_id) if not p.codename.startswith("add_")]
            if obj is None or holder is None or not ours:
                skipped += 1  # its object, user or group was not imported (each is reported on its own)
                continue
            for permission in ours:
                wanted[models[(holder_kind, kind)]].add((holder.pk, permission.pk, obj.pk))
    new = existing = 0
    for model, rows in wanted.items():
        holder_field = "user_id" if "user" in model._meta.model_name else "group_id"
        holders_here = {row[0] for row in rows}  # few users and groups, where objects may be a hundred thousand
        have = set(model.objects.filter(**{f"{holder_field}__in": holders_here}).values_list(
            holder_field, "permission_id", "content_object_id")) if rows else set()
        missing = rows - have
        model.objects.bulk_create([model(**{holder_field: h, "permission_id": p, "content_object_id": o})
                                   for h, p, o in sorted(missing)], batch_size=2000)
        new += len(missing)
        existing += len(rows) - len(missing)
    run.report.count("object permissions", new=new, existing=existing, skipped=skipped)
    for name, n in sorted(not_mapped.items()):
        run.report.note(NOT_MAPPED, f"object permission {name}: {n:,} (data here follow their target's permissions; "
                                    "other objects are not imported)")


def grant_public_targets(run: ImportRun) -> None:
    """PUBLIC and OPEN targets there: the "Public" group may view them here, and every imported user is in it."""
    if not run.public_targets:
        return
    group, created = Group.objects.get_or_create(name=PUBLIC_GROUP)
    run.report.count("groups", new=int(created), existing=int(not created))
    view = Permission.objects.get(content_type__app_label="targets", codename="view_target")
    have = set(TargetGroupObjectPermission.objects.filter(group=group, permission=view).values_list(
        "content_object_id", flat=True))
    missing = [t for t in run.public_targets if t.pk not in have]
    TargetGroupObjectPermission.objects.bulk_create(
        [TargetGroupObjectPermission(group=group, permission=view, content_object=t) for t in missing], batch_size=2000)
    run.report.count("object permissions", new=len(missing), existing=len(run.public_targets) - len(missing))
    members = User.groups.through
    users = {u.pk for u in run.users.values()}
    in_group = set(members.objects.filter(group=group, user_id__in=users).values_list("user_id", flat=True))
    members.objects.bulk_create([members(user_id=pk, group_id=group.pk) for pk in sorted(users - in_group)])
    run.report.count("group memberships", new=len(users - in_group), existing=len(in_group))
    run.report.note(CHANGED, f"{len(run.public_targets):,} PUBLIC or OPEN target(s): the group {PUBLIC_GROUP!r} may "
                             "view them and every imported user is in it (add new users to it; visitors log in "
                             "here). Changing them takes change permission here, as for any target (the TOM "
                             "Toolkit's pages let every logged-in user change and delete them)")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

