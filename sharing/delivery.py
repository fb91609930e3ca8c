"""Sending a continuous share's waiting deliveries: claimed, batched, retried with backoff, never echoed.

:func:`deliver` is what the task runs. It first checks that the share may
still send in its owner's name (``permissions.owner_problem``: the owner is
active and may still share the target); if not, the share is paused with the
reason and its deliveries wait. Then it claims every due delivery of the
share with a single conditional UPDATE (so two workers never send the same
rows; a claim left by a worker that died is taken over after
:func:`claim_timeout`), sends them as one batch through
``sharing.services.share_target`` (one ShareRecord per batch), then:

- sent: the deliveries are done and the share's counts grow;
- unreachable, timed out, 5xx: they wait, and the share backs off
  exponentially (``CONTINUOUS_SHARING_RETRY_SECONDS`` doubling up to
  ``..._MAX_SECONDS``) with a task enqueued for then;
- a permanent failure (destination removed or unconfigured, credentials
  refused, a redirect, 4xx): they stop as failed with the reason, shown on the
  manage page until someone presses "Retry now".

Echoes: a datum is never sent to the TOM it came from (``sharing.echoes``:
by where it came from, never by a name). The receiver's fingerprint
constraint makes a resend harmless too: nothing is ever stored twice.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from dataproducts.models import ReducedDatum

from .clients.http import deadline_seconds
from .clients.tom import TomClient
from .continuous import pause_share, request_delivery
from .destinations import HermesDestination, TomDestination, destination, split_destination
from .echoes import echo_rule
from .errors import SharingError, bounded
from .models import Delivery, PersistentShare, ShareRecord
from .permissions import owner_problem
from .services import HermesText, share_target

logger = logging.getLogger(__name__)

PARTIAL_ATTEMPTS = 5  # a batch the peer took only partly is resent this often, then shown as failed


def claim_timeout() -> timedelta:
    """How long a claim holds: longer than a batch can take (learning the peer's id, then the share itself,
    each bounded by ``SHARING_DEADLINE_SECONDS``), with a margin for the database work around them."""
    return timedelta(seconds=2 * deadline_seconds() + 300)


def backoff(failures: int) -> timedelta:
    base = float(getattr(settings, "CONTINUOUS_SHARING_RETRY_SECONDS", 30))
    most = float(getattr(settings, "CONTINUOUS_SHARING_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(base * 2 ** max(failures - 1, 0), most))


def _claim(share: PersistentShare) -> tuple[str, list[Delivery]]:
    now = timezone.now()
    token = uuid.uuid4().hex
    due = Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - claim_timeout())
    # One UPDATE: on PostgreSQL a concurrent claimer waits for the row locks and then re-checks the status.
    Delivery.objects.filter(due, share=share).update(status=Delivery.Status.SENDING, claim=token, claimed_at=now)
    return token, list(Delivery.objects.filter(share=share, claim=token, status=Delivery.Status.SENDING))


def learn_peer_id(share: PersistentShare, dest) -> uuid.UUID | None:
    """The destination TOM's id, as it says at GET /api/ on its configured BASE_URL (asked until it gives one).

    Its name comes along, for people. A TOM Toolkit gives none, and is asked again at each delivery (one small
    GET, which the share makes anyway to learn what kind of TOM it talks to).
    """
    if isinstance(dest, TomDestination) and dest.configured and share.peer_id is None:
        client = TomClient(dest)
        try:
            about = client.about()
        finally:
            client.close()
        try:
            share.peer_id = uuid.UUID(str(about.get("id") or "")[:100])
        except ValueError:
            return None
        share.peer_name = str(about.get("name") or "")[:200]
        PersistentShare.objects.filter(pk=share.pk).update(peer_id=share.peer_id, peer_name=share.peer_name)
    return share.peer_id


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
    rule = echo_rule(dest, learn_peer_id(share, dest))
    if rule is None:
        return datums.values("pk"), 0
    total = datums.count()
    kept = datums.exclude(rule.q())
    return kept.values("pk"), total - kept.count()


def deliver(share_id: int) -> str:
    """Send every due delivery of one share as one batch; what happened, in a few words (the task's result)."""
    share = PersistentShare.objects.select_related("target", "user").filter(pk=share_id).first()
    if share is None:
        return "share deleted"
    if not share.enabled:
        return "disabled"  # switched off in the admin: its deliveries wait until it is switched on again
    if share.paused:
        return f"paused: {share.paused_reason}"  # its deliveries wait for someone to resume it
    problem = owner_problem(share)
    if problem:  # the owner was deactivated or lost the right since: nothing goes in their name
        pause_share(share, problem)
        return f"paused: {problem}"
    if share.retry_at and share.retry_at > timezone.now():
        return "backing off"  # the task enqueued for retry_at sends these and anything newer
    token, deliveries = _claim(share)
    if not deliveries:
        return "nothing to send"
    # A row written the TOM Toolkit 2.x way ("hermes:<topic>", e.g. in the admin) names its topic in the destination.
    key, named_topic = split_destination(share.destination)
    dest = destination(key)
    topic = share.topic or named_topic
    try:
        datum_pks, skipped = selection(share, deliveries, dest)
        n_datums = datum_pks.count()
    except SharingError as exc:  # could not even ask the peer its id
        return _failed(share, deliveries, exc.message, exc.permanent)
    if not n_datums and not any(d.existing for d in deliveries):
        _done(share, deliveries, None, 0, skipped)
        return f"nothing new for {share.destination} ({skipped} came from there)"
    outcome = share_target(share.user, share.target, key, data="selected", datum_ids=datum_pks, via="continuous",
                           hermes=HermesText(topic=topic) if topic else None)
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
    message = bounded(message)
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
            request_delivery(share, run_after=retry_at)
    return f"will retry at {retry_at:%H:%M:%S}: {message}"


def _can_defer() -> bool:
    from django_tasks import default_task_backend

    return getattr(default_task_backend, "supports_defer", False)


def deliver_due() -> list[str]:
    """Run every share with deliveries due now (``manage.py deliver_shares``: after a crash, or from cron)."""
    now = timezone.now()
    ids = (Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
           .filter(Q(share__retry_at__isnull=True) | Q(share__retry_at__lte=now), share__paused_reason="")
           .values_list("share_id", flat=True).distinct())
    return [f"{pk}: {deliver(pk)}" for pk in sorted(set(ids))]
