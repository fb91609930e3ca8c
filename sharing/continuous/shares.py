"""Continuous shares themselves: created, redirected, switched on or off, deleted, retried and resumed.

What the pages (``views``), the REST API (``api``) and the template tags call; each checks the destination
(:func:`where_to`) and leaves permissions to its caller (``sharing.permissions``). What waits to be sent is
queued by ``queue``; the task is enqueued by ``delivery.request_delivery``, after the change commits.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet

from targets.models import Target

from ..destinations import destination, split_destination
from ..models import Delivery, PersistentShare
from .delivery import request_delivery
from .queue import queue_existing_data


def annotated(queryset: QuerySet) -> QuerySet:
    """Each share with how many deliveries wait (one query for the whole page)."""
    waiting = Q(deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
    return queryset.annotate(waiting=Count("deliveries", filter=waiting)).order_by("-created", "-id")


def where_to(text: str, topic: str = "") -> tuple[str, str]:
    """The (DATA_SHARING key, topic) a share names, checked: ``text`` is a key or ``key:topic`` (the TOM Toolkit's
    form, e.g. ``hermes:tomtoolkit.test``), ``topic`` may name it apart. A Hermes share always gets its topic
    stored (the first of ``USER_TOPICS`` when none is named), so a later reordering of the setting moves nothing.

    Raises ``ValidationError`` naming the field: an unknown or unconfigured destination, a topic that is not one
    of its ``USER_TOPICS``, a topic for a TOM.
    """
    key, named = split_destination(str(text or "").strip())
    topic = str(topic or "").strip()
    if named and topic and named != topic:
        raise ValidationError({"topic": f"{text!r} already names the topic {named!r}; {topic!r} differs."})
    topic = topic or named
    dest = destination(key)
    if dest is None:
        raise ValidationError({"destination": f"{key!r} is not a destination in DATA_SHARING."})
    if not dest.configured:
        raise ValidationError({"destination": f"{dest.display_name} is not configured: {' '.join(dest.problems)}"})
    return key, dest.stored_topic(topic)


def duplicate_error(target: Target, key: str, topic: str) -> ValidationError:
    """The refusal of a second share of a target to one destination (and topic), as DRF words a unique set."""
    dest = destination(key)
    name = dest.display_name if dest is not None else key
    return ValidationError({"non_field_errors": [
        f"{target.name} is already shared continuously with {name}{f' (topic {topic})' if topic else ''}: "
        "the fields target, destination must make a unique set."]})


def create_persistent_share(user, target: Target, destination_key: str,
                            share_existing_data: bool = False, topic: str = "") -> PersistentShare:
    """Start sharing ``target``'s new data with a configured destination; optionally its data so far, now.

    ``destination_key`` is a ``DATA_SHARING`` key, or ``key:topic`` for a Hermes topic (see :func:`where_to`).
    Callers check permissions first. Raises ``ValidationError`` naming the field for an unknown or
    unconfigured destination or topic, or (under ``non_field_errors``, as the TOM Toolkit answers) a share that
    already exists; nothing is created then.
    """
    key, topic = where_to(destination_key, topic)
    try:
        with transaction.atomic():
            share = PersistentShare.objects.create(target=target, destination=key, topic=topic,
                                                   user=user if user and user.is_authenticated else None)
            if share_existing_data:
                queue_existing_data(share)
    except IntegrityError:
        raise duplicate_error(target, key, topic) from None
    return share


def change_persistent_share(share: PersistentShare, user, *, destination_key: str | None = None,
                            topic: str | None = None, enabled: bool | None = None,
                            share_existing_data: bool = False) -> PersistentShare:
    """The REST API's PATCH: send elsewhere (another destination or topic), switch on or off, send the data so far.

    A new destination or topic makes ``user`` the owner (they chose where the data go; the share sends in its
    owner's name) and forgets what was learnt about the old one (its id, errors, backoff); deliveries still
    waiting go to the new one. A paused share stays paused ("Resume as me"). Callers check permissions first;
    refusals are ``ValidationError`` naming the field, or ``non_field_errors`` for a duplicate. All or nothing.
    """
    fields: dict = {}
    if destination_key is not None or topic is not None:
        text = split_destination(share.destination)[0] if destination_key is None else destination_key
        key, topic = where_to(text, topic or "")
        if (key, topic) != (share.destination, share.topic):
            fields.update(destination=key, topic=topic, user=user if user and user.is_authenticated else None,
                          peer_id=None, peer_name="", last_error="", retry_at=None, failures_in_a_row=0)
    if enabled is not None and enabled != share.enabled:
        fields["enabled"] = bool(enabled)
    try:
        with transaction.atomic():
            if fields:
                PersistentShare.objects.filter(pk=share.pk).update(**fields)
                for name, value in fields.items():
                    setattr(share, name, value)
            if share_existing_data:
                queue_existing_data(share)
            elif fields.get("enabled") or "destination" in fields:
                request_delivery(share)  # what waited goes now, where it should
    except IntegrityError:
        raise duplicate_error(share.target, fields["destination"], fields["topic"]) from None
    return share


def delete_persistent_share(share: PersistentShare) -> None:
    """Stop sharing; deliveries not yet sent go with it (the data stay here, of course)."""
    share.delete()


def resume_share(share: PersistentShare, user) -> None:
    """``user`` becomes the share's owner and what waited is sent (callers check ``permissions.can_resume``)."""
    with transaction.atomic():
        PersistentShare.objects.filter(pk=share.pk).update(user=user, paused_reason="", paused_at=None, retry_at=None,
                                                           failures_in_a_row=0)
        share.user, share.paused_reason, share.paused_at = user, "", None
        request_delivery(share)


def retry_now(share: PersistentShare) -> int:
    """Send what is waiting or failed now, without waiting for the backoff; how many deliveries are queued."""
    with transaction.atomic():
        count = share.deliveries.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED]).update(
            status=Delivery.Status.PENDING, attempts=0, last_error="")
        PersistentShare.objects.filter(pk=share.pk).update(retry_at=None, failures_in_a_row=0)
        request_delivery(share)
    return count


