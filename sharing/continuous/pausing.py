"""A continuous share sends in its owner's name: when the owner may no longer share, the share pauses, saying why.

An owner deactivated or deleted pauses their shares at once (:func:`owner_saved`, :func:`owner_deleted`, connected
in ``sharing.apps``); one who lost the right is caught by the worker at the next delivery (:func:`pause_share`).
A paused share keeps queueing, sends nothing, and says why until someone who may share resumes it as theirs
(``shares.resume_share``).
"""
from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import ngettext

from ..errors import bounded
from ..models import PersistentShare

logger = logging.getLogger(__name__)


def _reason(reason: str) -> str:
    return bounded(reason, PersistentShare._meta.get_field("paused_reason").max_length)


def pause_share(share: PersistentShare, reason: str) -> None:
    """Stop sending (its deliveries wait) and say why; the reason shows as "paused: <reason>"."""
    reason = _reason(reason)
    PersistentShare.objects.filter(pk=share.pk).update(paused_reason=reason, paused_at=timezone.now())
    share.paused_reason = reason
    logger.info("Continuous share %s paused: %s", share.pk, reason)


def pause_shares_of(user, reason: str) -> int:
    """Pause every share ``user`` owns that is not paused yet; how many."""
    reason = _reason(reason)
    count = PersistentShare.objects.filter(user=user, paused_reason="").update(paused_reason=reason,
                                                                              paused_at=timezone.now())
    if count:
        logger.info("%s of %s paused: %s", ngettext("%(count)d continuous share", "%(count)d continuous shares", count)
                    % {"count": count}, user.get_username(), reason)
    return count


def owner_saved(sender, instance, **kwargs) -> None:
    """``post_save`` of a user: deactivating them pauses their shares now, not only at their next delivery."""
    if not instance.is_active:
        pause_shares_of(instance, f"its owner {instance.get_username()} was deactivated")


def owner_deleted(sender, instance, **kwargs) -> None:
    """``pre_delete`` of a user: their shares pause, named, before the owner column is emptied."""
    pause_shares_of(instance, f"its owner {instance.get_username()} was deleted")
