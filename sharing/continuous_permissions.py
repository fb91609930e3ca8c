"""Who may see and manage continuous shares: the TOM Toolkit's rule, checked in one place.

Model permissions ``sharing.view_persistentshare`` / ``add_`` / ``delete_``
(global, given with guardian's ``assign_perm(perm, user_or_group)``), plus
change permission on the target itself to create or delete one. A share of a
target the user may not view does not exist for them (404); an action they
may not take on a share they can see is a 403.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from targets.models import Target
from tom.permissions import has_object_perm

from .models import PersistentShare

VIEW = "sharing.view_persistentshare"
ADD = "sharing.add_persistentshare"
DELETE = "sharing.delete_persistentshare"


def may(user, perm: str) -> bool:
    return bool(user and user.is_active and user.has_perm(perm))


def shares_visible_to(user, target: Target | None = None):
    """Shares of targets the user may view, if they may view shares at all; with their target and creator."""
    if not may(user, VIEW):
        return PersistentShare.objects.none()
    shares = PersistentShare.objects.filter(target__in=Target.objects.visible_to(user).values("pk"))
    if target is not None:
        shares = shares.filter(target=target)
    return shares.select_related("target", "user")


def can_create(user, target: Target) -> bool:
    return may(user, ADD) and has_object_perm(user, "change", target)


def can_delete(user, share: PersistentShare) -> bool:
    return may(user, DELETE) and has_object_perm(user, "change", share.target)


def can_retry(user, share: PersistentShare) -> bool:
    return may(user, VIEW) and has_object_perm(user, "change", share.target)


def share_for(user, pk, action: str = "view", target: Target | None = None) -> PersistentShare:
    """The share ``pk`` (of ``target``, if given) if ``user`` may ``action`` it: 404 unseen, 403 not allowed."""
    share = get_object_or_404(shares_visible_to(user, target), pk=pk)
    allowed = {"view": lambda: True, "delete": lambda: can_delete(user, share),
               "retry": lambda: can_retry(user, share)}[action]
    if not allowed():
        raise PermissionDenied(f"You may not {action} this continuous share.")
    return share
