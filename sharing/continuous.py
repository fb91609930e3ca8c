"""Continuous sharing: a target's new data go to a destination by themselves, as they arrive.

The TOM Toolkit shares inside ``post_save``: an unreachable peer breaks the
upload that saved the datum, and a processor's bulk insert shares nothing.
Here, new data only *queue* a :class:`~sharing.models.Delivery` row per
:class:`~sharing.models.PersistentShare` (after the data's transaction
commits), and a task sends it later (``sharing.delivery``): ingestion never
waits on a peer, and a delivery survives restarts and outages until it is
sent or fails for a reason retrying cannot fix.

Every path that stores datums goes through ``dataproducts.services.save_datums``,
whose ``datums_created`` signal lands in :func:`queue_new_data`. A custom
processor that writes rows some other way calls :func:`continuous_share_data`.

A share sends in its owner's name while the owner may share the target
(``sharing.permissions``). An owner deactivated or deleted pauses their shares
at once (:func:`owner_saved`, :func:`owner_deleted`); one who lost the right is
caught at the next delivery. A paused share keeps queueing, sends nothing, and
says why until someone who may share resumes it as theirs (:func:`resume_share`).
"""
from __future__ import annotations

import logging
import uuid
from typing import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import ngettext

from dataproducts.models import ReducedDatum
from targets.models import Target

from .destinations import HermesDestination, destination, split_destination
from .echoes import echo_rule
from .errors import bounded
from .models import Delivery, PersistentShare

logger = logging.getLogger(__name__)


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
    if not isinstance(dest, HermesDestination):
        if topic:
            raise ValidationError({"topic": f"{dest.display_name} is a TOM: only a Hermes destination has topics."})
        return key, ""
    if not dest.topics:
        raise ValidationError({"destination": f"{dest.display_name} has no USER_TOPICS to publish to."})
    if topic and topic not in dest.topics:
        raise ValidationError({"topic": f"{topic!r} is not one of {dest.display_name}'s USER_TOPICS "
                                        f"({', '.join(dest.topics)})."})
    return key, topic or dest.topics[0]


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


def queue_existing_data(share: PersistentShare) -> None:
    """Send the target itself and every datum it holds now (the TOM Toolkit's "share existing data")."""
    # The target itself goes too, so this works for a target without data yet.
    upto = ReducedDatum.objects.filter(target_id=share.target_id).aggregate(m=Max("pk"))["m"]
    Delivery.objects.create(share=share, existing=True, existing_upto=upto)
    request_delivery(share)


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


def pause_share(share: PersistentShare, reason: str) -> None:
    """Stop sending (its deliveries wait) and say why; the reason shows as "paused: <reason>"."""
    reason = bounded(reason, PersistentShare._meta.get_field("paused_reason").max_length)
    PersistentShare.objects.filter(pk=share.pk).update(paused_reason=reason, paused_at=timezone.now())
    share.paused_reason = reason
    logger.info("Continuous share %s paused: %s", share.pk, reason)


def pause_shares_of(user, reason: str) -> int:
    """Pause every share ``user`` owns that is not paused yet; how many."""
    reason = bounded(reason, PersistentShare._meta.get_field("paused_reason").max_length)
    count = PersistentShare.objects.filter(user=user, paused_reason="").update(paused_reason=reason,
                                                                              paused_at=timezone.now())
    if count:
        logger.info("%s of %s paused: %s", ngettext("%(count)d continuous share", "%(count)d continuous shares", count)
                    % {"count": count}, user.get_username(), reason)
    return count


def resume_share(share: PersistentShare, user) -> None:
    """``user`` becomes the share's owner and what waited is sent (callers check ``permissions.can_resume``)."""
    with transaction.atomic():
        PersistentShare.objects.filter(pk=share.pk).update(user=user, paused_reason="", paused_at=None, retry_at=None,
                                                           failures_in_a_row=0)
        share.user, share.paused_reason, share.paused_at = user, "", None
        request_delivery(share)


def owner_saved(sender, instance, **kwargs) -> None:
    """``post_save`` of a user: deactivating them pauses their shares now, not only at their next delivery."""
    if not instance.is_active:
        pause_shares_of(instance, f"its owner {instance.get_username()} was deactivated")


def owner_deleted(sender, instance, **kwargs) -> None:
    """``pre_delete`` of a user: their shares pause, named, before the owner column is emptied."""
    pause_shares_of(instance, f"its owner {instance.get_username()} was deleted")


def retry_now(share: PersistentShare) -> int:
    """Send what is waiting or failed now, without waiting for the backoff; how many deliveries are queued."""
    with transaction.atomic():
        count = share.deliveries.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED]).update(
            status=Delivery.Status.PENDING, attempts=0, last_error="")
        PersistentShare.objects.filter(pk=share.pk).update(retry_at=None, failures_in_a_row=0)
        request_delivery(share)
    return count


def request_delivery(share: PersistentShare, run_after=None) -> None:
    """Enqueue the delivery task for ``share`` once the current transaction commits (never raises)."""
    pk = share.pk

    def enqueue():
        from .tasks import deliver_persistent_share

        try:
            task = deliver_persistent_share.using(run_after=run_after) if run_after else deliver_persistent_share
            task.enqueue(pk)
        except Exception:  # the Delivery rows are stored: "Retry now" or the next data will send them
            logger.exception("Could not enqueue the continuous-sharing delivery of share %s", pk)

    transaction.on_commit(enqueue)


def _enabled_shares(target_id: int) -> list[PersistentShare]:
    """The target's enabled shares (what deciding echoes and pauses needs), by one plain indexed SELECT.

    This runs after every save of datums (a stream stores one batch per message), nearly always to find
    none: building the ORM query cost several times more than running it.
    """
    table = connection.ops.quote_name(PersistentShare._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, destination, peer_id, paused_reason FROM {table} WHERE target_id = %s "
                       "AND enabled = %s", [target_id, True])
        return [PersistentShare(pk=pk, destination=key, peer_id=uuid.UUID(str(peer)) if peer else None,
                                paused_reason=paused, target_id=target_id)
                for pk, key, peer, paused in cursor.fetchall()]


def queue_new_data(sender, target: Target, ingest, count: int, **kwargs) -> None:
    """``datums_created`` receiver: one Delivery per enabled share of the target, then a task per share.

    A batch that came from a share's destination (``sharing.echoes``) is not queued for it at all. A paused
    share gets its Delivery (it waits) but no task. Runs after the data committed, so it must never raise
    into the code that saved them.
    """
    try:
        shares = _enabled_shares(target.pk)
        if not shares:
            return
        echoes = []
        for share in shares:
            rule = echo_rule(destination(split_destination(share.destination)[0]), share.peer_id)
            if rule is not None and rule.matches(ingest):
                echoes.append(share.pk)
        if echoes:  # the whole batch came from that destination: nothing to send back, not even a task
            PersistentShare.objects.filter(pk__in=echoes).update(skipped_count=F("skipped_count") + count)
            shares = [s for s in shares if s.pk not in echoes]
        Delivery.objects.bulk_create([Delivery(share=s, ingest=ingest) for s in shares], ignore_conflicts=True)
        for share in shares:
            if not share.paused:
                request_delivery(share)
    except Exception:
        logger.exception("Could not queue continuous sharing of %s new datums of target %s", count, target.pk)


def continuous_share_data(target: Target, datums: Iterable) -> int | None:
    """Queue ``datums`` (ReducedDatum objects or pks) of ``target`` for every continuous share of it.

    The one call a custom data processor makes after storing datums by its own means (the TOM Toolkit's name and
    signature, also importable as ``tom_targets.sharing.continuous_share_data``). Datums already queued with their
    ingest are not queued again, nor are datums that came from a share's destination (``sharing.echoes``); datums
    of other targets, and objects never saved (``pk`` None: a ``bulk_create`` skipped them as already stored), are
    ignored. Cheap and safe to call: nothing is sent here.

    Inside a transaction (a processor runs inside the upload's) the queueing waits for the commit, after the
    datums' own ingests were queued (``queue_new_data``), so what this call names is not queued twice and
    nothing is queued for data that were rolled back; it returns None then. Otherwise it returns how many
    deliveries it queued.
    """
    pks = [d.pk if isinstance(d, ReducedDatum) else d for d in datums]
    pks = [int(pk) for pk in pks if pk is not None]
    if not pks:
        return 0
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _queue_datums(target, pks))
        return None
    return _queue_datums(target, pks)


def _queue_datums(target: Target, pks: list[int]) -> int:
    try:
        shares = list(PersistentShare.objects.filter(target=target, enabled=True))
        if not shares:
            return 0
        queued = 0
        with transaction.atomic():
            for share in shares:
                rows = ReducedDatum.objects.filter(target=target, pk__in=pks)
                rule = echo_rule(destination(split_destination(share.destination)[0]), share.peer_id)
                if rule is not None:
                    rows = rows.exclude(rule.q())
                rows = list(rows.values_list("pk", "ingest_id"))
                covered = set(share.deliveries.filter(ingest_id__in={i for _, i in rows}).values_list("ingest_id",
                                                                                                     flat=True))
                wanted = sorted(pk for pk, ingest_id in rows if ingest_id not in covered)
                if wanted:
                    Delivery.objects.create(share=share, datum_ids=wanted)
                    if not share.paused:
                        request_delivery(share)
                    queued += 1
        return queued
    except Exception:  # after the caller's commit nothing may raise into it; the data are stored either way
        logger.exception("Could not queue continuous sharing of %s datums of target %s", len(pks), target.pk)
        return 0
