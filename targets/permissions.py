"""Permission helpers for targets and target lists: every page and the API uses these.

Who may share a target is a target rule too (:func:`may_share`: active, and superuser, ``change_target`` or
``share_target``); the sharing app builds continuous sharing's rules on it (``sharing.permissions``).
"""
from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from guardian.shortcuts import assign_perm

from core.permissions import has_object_perm, object_for, object_view

from .models import Target, TargetList

TARGET_ACTIONS = ("view", "change", "delete")
SHARE_NEEDS = "change or share permission on the target"


def target_for(user, pk, action: str = "view") -> Target:
    return object_for(user, Target.objects.all(), pk, action)


def target_list_for(user, pk, action: str = "view") -> TargetList:
    return object_for(user, TargetList.objects.all(), pk, action)


def target_view(action: str = "view"):
    return object_view("target", target_for, action)


def target_list_view(action: str = "view"):
    return object_view("targetlist", target_list_for, action)


def may_share(user, target: Target) -> bool:
    """The rule (see the module's docstring): active, and superuser, ``change_target`` or ``share_target``."""
    if user is None or not user.is_active:
        return False
    return has_object_perm(user, "change", target) or has_object_perm(user, "share", target)


def shareable_targets(user) -> QuerySet:
    """The targets ``user`` may share, filtered in SQL (:func:`may_share` for a whole list)."""
    if user is None or not user.is_active:
        return Target.objects.none()
    return Target.objects.permitted(user, "change") | Target.objects.permitted(user, "share")


def target_to_share(user, pk, action: str = "share") -> Target:
    """The target ``pk`` if ``user`` may share it: 404 if they may not view it, 403 if they may only view it."""
    target = object_for(user, Target.objects.all(), pk)
    if not may_share(user, target):
        raise PermissionDenied(f"You may not share {target.name}: that needs {SHARE_NEEDS}.")
    return target


def share_view():
    """The decorator of every page that shares a target (declared as ``Access("target", "share")``)."""
    return object_view("target", target_to_share, "share")


def groups_for(user):
    """The groups a user may hand access to: their own, or all for a superuser."""
    return Group.objects.all() if user.is_superuser else user.groups.all()


def grant_access(obj, owner=None, view_groups=(), change_groups=()) -> None:
    """The creator may view, change and delete; chosen groups may view, or view and change."""
    model = obj._meta.model_name
    if owner is not None and owner.is_authenticated:
        for action in TARGET_ACTIONS:
            assign_perm(f"{action}_{model}", owner, obj)
        if model == "target":
            assign_perm("share_target", owner, obj)  # the creator may share what they created
    for group in {*view_groups, *change_groups}:
        assign_perm(f"view_{model}", group, obj)
    for group in change_groups:
        assign_perm(f"change_{model}", group, obj)


def groups_with(obj, action: str) -> list:
    """Groups holding ``action`` on ``obj`` (for the edit form's initial values)."""
    model = obj._meta.model_name
    perm_model = type(obj).objects.perm_model("group")
    return [
        p.group
        for p in perm_model.objects.filter(content_object=obj, permission__codename=f"{action}_{model}").select_related("group")
    ]


def set_group_access(obj, view_groups, change_groups, editor) -> None:
    """Set the view/change permissions on ``obj`` of the groups ``editor`` could choose (``groups_for``).

    Only those groups change: a group the editor is not in keeps whatever an administrator granted it,
    since the edit form never showed it (unticked is not the same as unseen). Users' own permissions are
    kept too.
    """
    model = obj._meta.model_name
    perm_model = type(obj).objects.perm_model("group")
    choosable = groups_for(editor)
    perm_model.objects.filter(
        content_object=obj, permission__codename__in=[f"view_{model}", f"change_{model}"],
        group__in=choosable.values("pk"),
    ).delete()
    allowed = set(choosable.values_list("pk", flat=True))
    grant_access(obj, None, [g for g in view_groups if g.pk in allowed], [g for g in change_groups if g.pk in allowed])
