"""Sharing a target list: each chosen member goes to the destination and, there, into a list of the same name.

Members the user may not share are shown but cannot be chosen (``sharing.permissions``, the rule of
the target's own Share page); each member's share is recorded like any other.
"""
from __future__ import annotations

from django.db.models import QuerySet

from targets.models import Target, TargetList
from targets.permissions import shareable_targets

from .services import HermesText, ShareOutcome, share_target

LIST_SHARE_LIMIT = 1000  # members listed (and shared) at once; a bigger list is shared by command, in parts


def members(user, target_list: TargetList) -> QuerySet:
    return target_list.targets.visible_to(user).order_by("name", "pk")


def shareable_ids(user, target_list: TargetList) -> set[int]:
    return set(members(user, target_list).filter(pk__in=shareable_targets(user).values("pk"))
               .values_list("pk", flat=True)[:LIST_SHARE_LIMIT])


def share_list(user, target_list: TargetList, target_ids, destination_key: str, data: str = "none",
               hermes: HermesText | None = None, via: str = "list") -> list[tuple[Target, ShareOutcome]]:
    """Share the chosen members (only those ``user`` may share) one by one; every outcome, in name order."""
    allowed = shareable_ids(user, target_list) & {int(pk) for pk in target_ids}
    targets = Target.objects.filter(pk__in=allowed).order_by("name", "pk")
    return [(t, share_target(user, t, destination_key, data=data, lists=(target_list.name,), hermes=hermes, via=via))
            for t in targets]
