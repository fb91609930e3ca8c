"""Sending a continuous share's waiting deliveries: the task, the one way it is enqueued, and what it runs.

:func:`request_delivery` is the only place the task is enqueued (after the current transaction commits);
the queue (``queue``), the share services (``shares``) and a retry after an outage all go through it, and the
task, what it runs and its re-enqueueing for a backoff live here together, so nothing imports back up.

:func:`deliver` is what the task runs. It first checks that the share may
still send in its owner's name (``permissions.owner_problem``: the owner is
active and may still share the target); if not, the share is paused with the
reason and its deliveries wait. Then it claims every due delivery of the
share (:func:`_claim`: rows another worker is claiming are skipped, so two
workers never send the same rows; a worker killed mid-batch leaves a task
that lets another take its batch over once the claim expires,
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
by where it came from, never by a name). The worker decides which rows a
batch carries once (:func:`selection`: one query counts them and the echoes
among them) and hands that selection, with its count, to ``share_target``. The receiver's fingerprint
constraint makes a resend harmless too: nothing is ever stored twice.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from dataproducts.models import ReducedDatum

from ..destinations import destination, split_destination
from ..echoes import share_echo_rule
from ..errors import SharingError, bounded, deadline_seconds
from ..models import Delivery, PersistentShare, ShareRecord
from ..permissions import owner_problem
from ..selection import Selection
from ..services import HermesText, share_target
from .pausing import pause_share

logger = logging.getLogger(__name__)

PARTIAL_ATTEMPTS = 5  # a batch the peer took only partly is resent this often, then shown as failed


def request_delivery(share: PersistentShare, run_after=None) -> None:
    """Enqueue the delivery task for ``share`` once the current transaction commits (never raises)."""
    pk = share.pk

    def enqueue():
        try:
            queued = deliver_persistent_share.using(run_after=run_after) if run_after else deliver_persistent_share
            queued.enqueue(pk)
        except Exception:  # the Delivery rows are stored: "Retry now" or the next data will send them
            logger.exception("Could not enqueue the continuous-sharing delivery of share %s", pk)

    transaction.on_commit(enqueue)


def claim_timeout() -> timedelta:
    """How long a claim holds (``CONTINUOUS_SHARING_CLAIM_SECONDS``): longer than a batch can take (learning the
    peer's id, then the share itself, each bounded by ``SHARING_DEADLINE_SECONDS``), so a live worker never loses
    its batch to another; once it passes, the batch of a worker that died is sent by another."""
    default = 2 * deadline_seconds() + 300
    return timedelta(seconds=float(getattr(settings, "CONTINUOUS_SHARING_CLAIM_SECONDS", default)))


def backoff(failures: int) -> timedelta:
    base = float(getattr(settings, "CONTINUOUS_SHARING_RETRY_SECONDS", 30))
    most = float(getattr(settings, "CONTINUOUS_SHARING_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(base * 2 ** max(failures - 1, 0), most))


def _claim(share: PersistentShare) -> tuple[str, list[Delivery]]:
    """Take the share's due deliveries for this worker: (the claim's token, the deliveries it holds).

    Rows another worker is claiming right now are skipped, not waited for (``SKIP LOCKED`` on PostgreSQL; SQLite
    has one writer at a time), and the UPDATE re-checks that each row is still due, so two workers never hold the
    same row. With a worker that runs deferred tasks (``db_worker``), the same transaction enqueues this share's
    task for just after the claim expires: if this worker is killed mid-batch (its own task is then never run
    again), another worker takes the batch over then. When the batch went, that task finds nothing to send.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    expires = now + claim_timeout()
    due = Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - claim_timeout())
    with transaction.atomic():
        free = list(Delivery.objects.select_for_update(skip_locked=True).filter(due, share=share)
                    .values_list("pk", flat=True))
        if not free or not Delivery.objects.filter(due, pk__in=free).update(
                status=Delivery.Status.SENDING, claim=token, claimed_at=now):
            return token, []
        if _can_defer():  # in the claim's transaction: no claim without its takeover
            deliver_persistent_share.using(run_after=expires + timedelta(seconds=1)).enqueue(share.pk)
    return token, list(Delivery.objects.filter(share=share, claim=token, status=Delivery.Status.SENDING))


def learn_peer_id(share: PersistentShare, dest) -> uuid.UUID | None:
    """The destination's id, as it says itself (a TOM of ours at GET /api/ on its configured BASE_URL), asked
    until it gives one.

    Its name comes along, for people. A TOM Toolkit gives none, and is asked again at each delivery (one small
    GET, which the share makes anyway to learn what kind of TOM it talks to).
    """
    if dest is not None and share.peer_id is None:
        peer_id, peer_name = dest.identify()
        if peer_id is None:
            return None
        share.peer_id, share.peer_name = peer_id, peer_name
        PersistentShare.objects.filter(pk=share.pk).update(peer_id=share.peer_id, peer_name=share.peer_name)
    return share.peer_id


def selection(share: PersistentShare, deliveries: list[Delivery], dest) -> tuple[Selection, int]:
    """The datums these deliveries carry, minus echoes, counted once: (what to send, how many were echoes).

    One aggregate counts the rows and the echoes among them; the selection handed on keeps the rows as a
    subquery (a first share of existing data can name 100,000 of them) with its count, so nothing downstream
    counts them again.
    """
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
    learn_peer_id(share, dest)
    rule = share_echo_rule(share)
    if rule is None:
        return Selection(datums.order_by("timestamp", "id"), [], count=datums.count()), 0
    counted = datums.aggregate(total=Count("pk"), echoes=Count("pk", filter=rule.q()))
    kept = datums.exclude(rule.q()).order_by("timestamp", "id")
    return Selection(kept, [], count=counted["total"] - counted["echoes"]), counted["echoes"]


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
        chosen, skipped = selection(share, deliveries, dest)
        n_datums = chosen.count
    except SharingError as exc:  # could not even ask the peer its id
        return _failed(share, deliveries, exc.message, exc.permanent)
    if not n_datums and not any(d.existing for d in deliveries):
        _done(share, deliveries, None, 0, skipped)
        return f"nothing new for {share.destination} ({skipped} came from there)"
    outcome = share_target(share.user, share.target, key, chosen=chosen, via="continuous",
                           hermes=HermesText(topic=topic) if topic else None)
    record = outcome.record
    if record.outcome == ShareRecord.Outcome.SENT:
        _done(share, deliveries, record, record.created_count + record.existing_count, skipped)
        return f"sent {n_datums} to {share.destination}"
    if record.outcome == ShareRecord.Outcome.PARTIAL and dest is not None and not dest.resend_is_harmless:
        # What arrived cannot be taken back, and a resend would store it again there (Hermes publishes parts again
        # under new _ids): stop, with the reason, until someone decides ("Retry now").
        return _failed(share, deliveries, record.message, True, record)
    if record.outcome == ShareRecord.Outcome.PARTIAL and max(d.attempts for d in deliveries) + 1 >= PARTIAL_ATTEMPTS:
        return _failed(share, deliveries, record.message, True, record)
    return _failed(share, deliveries, record.message, outcome.permanent, record)


def _still_ours(deliveries: list[Delivery]):
    """The batch's rows while this worker's claim on them holds.

    A worker that outlived its claim (a batch slower than ``CONTINUOUS_SHARING_CLAIM_SECONDS``, a process that
    was paused) finds its rows taken over by another worker, which now sends them: it leaves them, and the
    share's counts, to that worker rather than marking them done (or waiting) under it.
    """
    return Delivery.objects.filter(pk__in=[d.pk for d in deliveries], claim=deliveries[0].claim,
                                   status=Delivery.Status.SENDING)


def _done(share, deliveries, record, sent: int, skipped: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        if not _still_ours(deliveries).update(status=Delivery.Status.SENT, finished=now, record=record,
                                               last_error="", attempts=F("attempts") + 1):
            return
        first = deliveries[0]
        Delivery.objects.filter(pk=first.pk).update(sent_count=sent, skipped_count=skipped)
        PersistentShare.objects.filter(pk=share.pk).update(
            last_delivery=now, last_error="", retry_at=None, failures_in_a_row=0,
            sent_count=F("sent_count") + sent, skipped_count=F("skipped_count") + skipped)


def _failed(share, deliveries, message: str, permanent: bool, record=None) -> str:
    now = timezone.now()
    message = bounded(message)
    with transaction.atomic():
        if permanent:
            failed = _still_ours(deliveries).update(status=Delivery.Status.FAILED, finished=now, record=record,
                                                    last_error=message, attempts=F("attempts") + 1, claim="")
            if failed:
                PersistentShare.objects.filter(pk=share.pk).update(
                    last_error=message, retry_at=None, failed_count=F("failed_count") + failed)
            return f"failed for good: {message}"
        failures = share.failures_in_a_row + 1
        retry_at = now + backoff(failures)
        if not _still_ours(deliveries).update(status=Delivery.Status.PENDING, record=record, last_error=message,
                                              attempts=F("attempts") + 1, claim=""):
            return f"taken over by another worker: {message}"
        PersistentShare.objects.filter(pk=share.pk).update(last_error=message, retry_at=retry_at,
                                                           failures_in_a_row=failures)
        if _can_defer():
            request_delivery(share, run_after=retry_at)
    return f"will retry at {retry_at:%H:%M:%S}: {message}"


def _can_defer() -> bool:
    return getattr(default_task_backend, "supports_defer", False)


def deliver_due() -> list[str]:
    """Run every share with deliveries due now (``manage.py deliver_shares``: after a crash, or from cron)."""
    now = timezone.now()
    ids = (Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
           .filter(Q(share__retry_at__isnull=True) | Q(share__retry_at__lte=now), share__paused_reason="")
           .values_list("share_id", flat=True).distinct())
    return [f"{pk}: {deliver(pk)}" for pk in sorted(set(ids))]


@task()
def deliver_persistent_share(share_id: int) -> str:
    """The task (Django's Tasks API, through the django-tasks backport): with the database backend (``TASKS`` in
    settings) an enqueued task is a row in this TOM's database that ``manage.py db_worker`` runs; the deliveries it
    sends are rows too, so the task carries only the share's id and running it twice is harmless."""
    return deliver(share_id)
