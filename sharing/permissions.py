"""Who may share: one rule for one-off and continuous sharing, checked here and nowhere else.

The target half of the rule (``may_share``, ``share_view``...) lives in ``targets.permissions`` with the other
target rules, so pages of targets and data can show a Share button without depending on this app.

**May share a target** (:func:`may_share`): an active user who is a superuser or holds ``targets.change_target``
or ``targets.share_target`` on it (per target, or globally, directly or through a group). It opens the Share
page (every tab), the list share page's members, ``manage.py share --user`` and every continuous-sharing
action. ``change_target`` is enough because that is what the TOM Toolkit's continuous-sharing documentation
asks for; ``share_target`` lets an administrator grant sharing without editing.

**Continuous sharing** adds the TOM Toolkit's model permissions (global, ``sharing.*_persistentshare``, or the
same under the TOM Toolkit's names ``tom_targets.*_persistentshare``, which its documentation assigns: either
grants the same, :func:`may`):

==========================  =========================================================
see shares                  ``view_persistentshare``, of targets the user may view
create one                  may share the target + ``add_persistentshare``
change one (API PATCH)      may share the target + ``change_persistentshare`` (as the
                            TOM Toolkit asks; a new destination makes them its owner)
delete one                  may share the target + ``delete_persistentshare``
"Retry now"                 may share the target + ``view_persistentshare``
"Resume as me" (paused)     may share the target + ``add_persistentshare`` (the
                            resumer becomes its owner, as if they created it)
==========================  =========================================================

**At delivery** the share's owner must still be active and still may share the target
(:func:`owner_problem`); otherwise the share is paused, with the reason in words, and sends nothing until
someone who may resume it does.

Pages, the REST API, the template tags, the commands and the delivery worker all call these functions. A
share of a target the user may not view does not exist for them (404); an action they may not take on a
share or target they can see is a 403.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from targets.models import Target
from targets.permissions import SHARE_NEEDS, may_share, shareable_targets

from .models import PersistentShare

VIEW = "sharing.view_persistentshare"
ADD = "sharing.add_persistentshare"
CHANGE = "sharing.change_persistentshare"
DELETE = "sharing.delete_persistentshare"
# The TOM Toolkit files these permissions under its targets app; the ``tom_targets`` compat app's proxy model holds
# them under those names (``assign_perm('tom_targets.add_persistentshare', user)``, as its documentation writes).
TOOLKIT_NAMES = {perm: perm.replace("sharing.", "tom_targets.", 1) for perm in (VIEW, ADD, CHANGE, DELETE)}


def may(user, perm: str) -> bool:
    """A global model permission of an active user, under our name or the TOM Toolkit's (``TOOLKIT_NAMES``)."""
    if user is None or not user.is_active:
        return False
    return user.has_perm(perm) or (perm in TOOLKIT_NAMES and user.has_perm(TOOLKIT_NAMES[perm]))


def shares_visible_to(user, target: Target | None = None) -> QuerySet:
    """Shares of targets the user may view, if they may view shares at all; with their target and owner."""
    if not may(user, VIEW):
        return PersistentShare.objects.none()
    shares = PersistentShare.objects.filter(target__in=Target.objects.visible_to(user).values("pk"))
    if target is not None:
        shares = shares.filter(target=target)
    return shares.select_related("target", "user")


def can_create(user, target: Target) -> bool:
    return may(user, ADD) and may_share(user, target)


def may_create_any(user) -> bool:
    """Whether to offer the manage page's create form: the target, chosen in it, is checked with ``can_create``."""
    return may(user, ADD)


def can_delete(user, share: PersistentShare) -> bool:
    return may(user, DELETE) and may_share(user, share.target)


def can_change(user, share: PersistentShare) -> bool:
    return may(user, CHANGE) and may_share(user, share.target)


def can_retry(user, share: PersistentShare) -> bool:
    return may(user, VIEW) and may_share(user, share.target)


def can_resume(user, share: PersistentShare) -> bool:
    return share.paused and may(user, ADD) and may_share(user, share.target)


ACTIONS = {"view": lambda user, share: True, "change": can_change, "delete": can_delete, "retry": can_retry,
           "resume": can_resume}


def share_for(user, pk, action: str = "view", target: Target | None = None) -> PersistentShare:
    """The share ``pk`` (of ``target``, if given) if ``user`` may ``action`` it: 404 unseen, 403 not allowed."""
    share = get_object_or_404(shares_visible_to(user, target), pk=pk)
    if not ACTIONS[action](user, share):
        needs = {"change": f"{CHANGE} and {SHARE_NEEDS}", "delete": f"{DELETE} and {SHARE_NEEDS}",
                 "retry": f"{VIEW} and {SHARE_NEEDS}",
                 "resume": f"a paused share, {ADD} and {SHARE_NEEDS}"}[action]
        raise PermissionDenied(f"You may not {action} this continuous share (that needs {needs}).")
    return share


def mark_abilities(user, shares: list[PersistentShare]) -> None:
    """Set ``may_retry`` / ``may_delete`` / ``may_resume`` on each share the user sees (one query for them all)."""
    shareable = set(shareable_targets(user).filter(pk__in={s.target_id for s in shares})
                    .values_list("pk", flat=True)) if shares else set()
    view, delete, add = may(user, VIEW), may(user, DELETE), may(user, ADD)
    for share in shares:
        allowed = share.target_id in shareable
        share.may_retry = allowed and view
        share.may_delete = allowed and delete
        share.may_resume = allowed and add and share.paused


def owner_problem(share: PersistentShare) -> str:
    """Why the share may not deliver in its owner's name now ("" if it may), in words for its table row."""
    owner = share.user
    if owner is None:
        return "it has no owner (it was set up without one, or its owner was deleted)"
    name = owner.get_username()
    if not owner.is_active:
        return f"its owner {name} was deactivated"
    if not may_share(owner, share.target):
        return f"its owner {name} may no longer share {share.target.name}"
    return ""
