"""Sending a continuous share's waiting deliveries: claimed, batched, retried with backoff, never echoed.

:func:`deliver` is what the task runs. It claims every due delivery of one
share with a single conditional UPDATE (so two workers never send the same
rows; a claim left by a worker that died is taken over after
``CLAIM_TIMEOUT``), sends them as one batch through
``sharing.services.share_target`` (one ShareRecord per batch), then:

- sent: the deliveries are done and the share's counts grow;
- unreachable, timed out, 5xx: they wait, and the share backs off
  exponentially (``CONTINUOUS_SHARING_RETRY_SECONDS`` doubling up to
  ``..._MAX_SECONDS``) with a task enqueued for then;
- a permanent failure (destination removed or unconfigured, credentials
  refused, 4xx): they stop as failed with the reason, shown on the manage
  page until someone presses "Retry now".

Echoes: a datum is never sent to the TOM it came from. Data received from a
TOM carry that TOM's name (``Ingest.received_from``, from the X-TOM-Name our
senders send, and ``source_name``); the destination's name is what it says at
``GET /api/`` (else its display name). So when two TOMs share a target with
each other, each datum crosses once. The receiver's fingerprint constraint
makes a resend harmless too: nothing is ever stored twice.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from dataproducts.models import Origin, ReducedDatum

from .clients.tom import TomClient
from .destinations import HermesDestination, TomDestination, destination
from .errors import SharingError
from .models import Delivery, PersistentShare, ShareRecord
from .services import share_target

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=15)  # longer than any batch takes (TomClient's read timeout is 60 s per call)
PARTIAL_ATTEMPTS = 5  # a batch the peer took only partly is resent this often, then shown as failed


def backoff(failures: int) -> timedelta:
    base = float(getattr(settings, "CONTINUOUS_SHARING_RETRY_SECONDS", 30))
    most = float(getattr(settings, "CONTINUOUS_SHARING_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(base * 2 ** max(failures - 1, 0), most))


def _claim(share: PersistentShare) -> tuple[str, list[Delivery]]:
    now = timezone.now()
    token = uuid.uuid4().hex
    due = Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    # One UPDATE: on PostgreSQL a concurrent claimer waits for the row locks and then re-checks the status.
    Delivery.objects.filter(due, share=share).update(status=Delivery.Status.SENDING, claim=token, claimed_at=now)
    return token, list(Delivery.objects.filter(share=share, claim=token, status=Delivery.Status.SENDING))


def peer_names(share: PersistentShare, dest) -> set[str]:
    """The names data from this destination carry here (its TOM_NAME, learnt once, and its display name)."""
    names = {dest.display_name, dest.key} if dest is not None else {share.destination}
    if isinstance(dest, TomDestination) and dest.configured and not share.peer_name:
        client = TomClient(dest)
        try:
            name = str(client.about().get("name") or "")[:200]
        finally:
            client.close()
        if name:
            share.peer_name = name
            PersistentShare.objects.filter(pk=share.pk).update(peer_name=name)
    if share.peer_name:
        names.add(share.peer_name)
    return {n for n in names if n}


def selection(share: PersistentShare, deliveries: list[Delivery], dest) -> tuple[QuerySet, int]:
    """The datums these deliveries carry, minus echoes: (a queryset of pks to send, how many were skipped)."""
    wanted = Q(pk__in=[])
    ingests = [d.ingest_id for d in deliveries if d.ingest_id]
    if ingests:
        wanted |= Q(ingest_id__in=ingests)
    explicit = [pk for d in deliveries for pk in d.datum_ids]
    if explicit:
        wanted |= Q(pk__in=explicit)
    for d in deliveries:
        if d.existing and d.existing_upto is not None:
            wanted |= Q(pk__lte=d.existing_upto)
    datums = ReducedDatum.objects.filter(wanted, target_id=share.target_id)
    if isinstance(dest, HermesDestination):
        echo = Q(ingest__origin=Origin.STREAM)  # what came off a stream is not published back to it
    else:
        names = peer_names(share, dest)
        echo = Q(ingest__received_from__in=names) | Q(source_name__in=names)
    total = datums.count()
    kept = datums.exclude(echo)
    return kept.values("pk"), total - kept.count()


def deliver(share_id: int) -> str:
    """Send every due delivery of one share as one batch; what happened, in a few words (the task's result)."""
    share = PersistentShare.objects.select_related("target", "user").filter(pk=share_id).first()
    if share is None:
        return "share deleted"
    if not share.enabled:
        return "disabled"  # switched off in the admin: its deliveries wait until it is switched on again
    if share.retry_at and share.retry_at > timezone.now():
        return "backing off"  # the task enqueued for retry_at sends these and anything newer
    token, deliveries = _claim(share)
    if not deliveries:
        return "nothing to send"
    dest = destination(share.destination)
    try:
        datum_pks, skipped = selection(share, deliveries, dest)
        n_datums = datum_pks.count()
    except SharingError as exc:  # could not even ask the peer its name
        return _failed(share, deliveries, exc.message, exc.permanent)
    if not n_datums and not any(d.existing for d in deliveries):
        _done(share, deliveries, None, 0, skipped)
        return f"nothing new for {share.destination} ({skipped} came from there)"
    outcome = share_target(share.user, share.target, share.destination, data="selected", datum_ids=datum_pks,
                           via="continuous")
    record = outcome.record
    if record.outcome == ShareRecord.Outcome.SENT:
        _done(share, deliveries, record, record.created_count + record.existing_count, skipped)
        return f"sent {n_datums} to {share.destination}"
    if record.outcome == ShareRecord.Outcome.PARTIAL and isinstance(dest, HermesDestination):
        # Parts already published cannot be taken back, and a resend would publish them again under new _ids
        # (Hermes has no duplicate check): stop, with the reason, until someone decides ("Retry now").
        return _failed(share, deliveries, record.message, True, record)
    if record.outcome == ShareRecord.Outcome.PARTIAL and max(d.attempts for d in deliveries) + 1 >= PARTIAL_ATTEMPTS:
        return _failed(share, deliveries, record.message, True, record)
    return _failed(share, deliveries, record.message, outcome.permanent, record)


def _done(share, deliveries, record, sent: int, skipped: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=Delivery.Status.SENT, finished=now, record=record, last_error="", attempts=F("attempts") + 1)
        first = deliveries[0]
        Delivery.objects.filter(pk=first.pk).update(sent_count=sent, skipped_count=skipped)
        PersistentShare.objects.filter(pk=share.pk).update(
            last_delivery=now, last_error="", retry_at=None, failures_in_a_row=0,
            sent_count=F("sent_count") + sent, skipped_count=F("skipped_count") + skipped)


def _failed(share, deliveries, message: str, permanent: bool, record=None) -> str:
    now = timezone.now()
    ids = [d.pk for d in deliveries]
    with transaction.atomic():
        if permanent:
            Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.FAILED, finished=now, record=record,
                                                       last_error=message, attempts=F("attempts") + 1, claim="")
            PersistentShare.objects.filter(pk=share.pk).update(
                last_error=message, retry_at=None, failed_count=F("failed_count") + len(ids))
            return f"failed for good: {message}"
        failures = share.failures_in_a_row + 1
        retry_at = now + backoff(failures)
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.PENDING, record=record, last_error=message,
                                                   attempts=F("attempts") + 1, claim="")
        PersistentShare.objects.filter(pk=share.pk).update(last_error=message, retry_at=retry_at,
                                                           failures_in_a_row=failures)
        if _can_defer():
            from .continuous import request_delivery

            request_delivery(share, run_after=retry_at)
    return f"will retry at {retry_at:%H:%M:%S}: {message}"


def _can_defer() -> bool:
    from django_tasks import default_task_backend

    return getattr(default_task_backend, "supports_defer", False)


def deliver_due() -> list[str]:
    """Run every share with deliveries due now (``manage.py deliver_shares``: after a crash, or from cron)."""
    now = timezone.now()
    ids = (Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
           .filter(Q(share__retry_at__isnull=True) | Q(share__retry_at__lte=now))
           .values_list("share_id", flat=True).distinct())
    return [f"{pk}: {deliver(pk)}" for pk in sorted(set(ids))]
