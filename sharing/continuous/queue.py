"""The one place continuous-sharing deliveries are queued: one Delivery row per share, then its task.

Every path that stores datums goes through ``dataproducts.services.save_datums``, whose ``datums_created``
signal lands in :func:`queue_new_data`. A custom processor that writes rows some other way calls
:func:`continuous_share_data`. "Share existing data" queues the target's data so far (:func:`queue_existing_data`).
Whether a row came from the share's destination is decided by ``sharing.echoes.share_echo_rule``, here as in the
worker. Each queued share gets its task through ``delivery.request_delivery``, after the data's transaction
commits; a paused share gets its Delivery (it waits) but no task.
"""
from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from typing import Iterable

from django.db import connection, transaction
from django.db.models import F, Max

from dataproducts.models import ReducedDatum
from targets.models import Target

from ..echoes import share_echo_rule
from ..models import Delivery, PersistentShare
from .delivery import request_delivery

logger = logging.getLogger(__name__)


def queue_existing_data(share: PersistentShare) -> None:
    """Send the target itself and every datum it holds now (the TOM Toolkit's "share existing data")."""
    # The target itself goes too, so this works for a target without data yet.
    upto = ReducedDatum.objects.filter(target_id=share.target_id).aggregate(m=Max("pk"))["m"]
    Delivery.objects.create(share=share, existing=True, existing_upto=upto)
    request_delivery(share)


def _enabled_shares(target_ids: list[int]) -> dict[int, list[PersistentShare]]:
    """The targets' enabled shares (what deciding echoes and pauses needs), by plain indexed SELECTs.

    This runs after every save of datums, nearly always to find none: building the ORM query cost several
    times more than running it, and a stream's batch asks for all its targets at once (``batched``).
    """
    table = connection.ops.quote_name(PersistentShare._meta.db_table)
    found: dict[int, list[PersistentShare]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(target_ids), SHARES_CHUNK):
            chunk = target_ids[start:start + SHARES_CHUNK]
            cursor.execute(f"SELECT id, destination, peer_id, paused_reason, target_id FROM {table} "
                           f"WHERE target_id IN ({', '.join(['%s'] * len(chunk))}) AND enabled = %s", [*chunk, True])
            for pk, key, peer, paused, target_id in cursor.fetchall():
                found.setdefault(target_id, []).append(PersistentShare(
                    pk=pk, destination=key, peer_id=uuid.UUID(str(peer)) if peer else None, paused_reason=paused,
                    target_id=target_id))
    return found


SHARES_CHUNK = 500  # target ids per SELECT (SQLite's limit on parameters is far above)
_pending = threading.local()  # while ``batched`` is active on this thread: the announcements it holds back


@contextmanager
def batched():
    """Hold back this thread's ``datums_created`` announcements and queue them together when the block ends.

    readstreams wraps each batch's transaction in this: a batch announces new datums for hundreds of targets
    after its commit, and asking for their shares one target at a time was one query per target (20,000 for
    20,000 messages). Announcements only come after a commit, so a rolled-back batch leaves none; those that
    came are queued even if the block then fails (their data are committed). Nested blocks queue with the
    outermost.
    """
    if getattr(_pending, "items", None) is not None:
        yield
        return
    _pending.items = []
    try:
        yield
    finally:
        _flush()
        _pending.items = None


def _flush() -> None:
    """Queue the announcements ``batched`` is holding back (none outside it)."""
    items = getattr(_pending, "items", None)
    if not items:
        return
    _pending.items = []
    try:
        shares = _enabled_shares(sorted({target.pk for target, _, _ in items}))
    except Exception:
        logger.exception("Could not queue continuous sharing of new datums of %d targets", len(items))
        return
    for target, ingest, count in items:
        if shares.get(target.pk):
            _queue(target, ingest, count, shares[target.pk])


def queue_new_data(sender, target: Target, ingest, count: int, **kwargs) -> None:
    """``datums_created`` receiver: one Delivery per enabled share of the target, then a task per share.

    A batch that came from a share's destination (``sharing.echoes``) is not queued for it at all. A paused
    share gets its Delivery (it waits) but no task. Runs after the data committed, so it must never raise
    into the code that saved them. Inside ``batched``, held back until the block ends.
    """
    items = getattr(_pending, "items", None)
    if items is not None:
        items.append((target, ingest, count))
        return
    try:
        shares = _enabled_shares([target.pk]).get(target.pk)
    except Exception:
        logger.exception("Could not queue continuous sharing of %s new datums of target %s", count, target.pk)
        return
    if shares:
        _queue(target, ingest, count, shares)


def _queue(target: Target, ingest, count: int, shares: list[PersistentShare]) -> None:
    try:
        echoes = []
        for share in shares:
            rule = share_echo_rule(share)
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
    _flush()  # the ingests' own deliveries first (held back by ``batched``), so these datums are not queued twice
    try:
        shares = list(PersistentShare.objects.filter(target=target, enabled=True))
        if not shares:
            return 0
        queued = 0
        with transaction.atomic():
            for share in shares:
                rows = ReducedDatum.objects.filter(target=target, pk__in=pks)
                rule = share_echo_rule(share)
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
