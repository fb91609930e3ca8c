"""Every share is recorded: who sent what, to where, when, with what result."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from targets.models import Target


class ShareRecord(models.Model):
    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        PARTIAL = "partial", "Partly sent"
        FAILED = "failed", "Failed"

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="share_records")
    destination = models.CharField(max_length=200, help_text="A DATA_SHARING key")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    what = models.CharField(max_length=200, help_text="target, photometry, all data...")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    created_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    remote_id = models.CharField(max_length=100, blank=True, default="", help_text="The target's id at the destination")
    message = models.TextField(blank=True, default="")
    via = models.CharField(max_length=20, default="page", help_text="page, command, list, continuous...")
    message_ids = models.JSONField(default=list, blank=True, help_text="Hermes / Kafka message UUIDs, in order")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.target} → {self.destination}: {self.get_outcome_display()}"


class PersistentShare(models.Model):
    """A target that shares its new data with one destination as the data arrive (continuous sharing).

    The TOM Toolkit's model and permission names (view/add/delete persistentshare), plus what an operator
    needs to see: whether it is on, when it last delivered, its last error and its counts. Deliveries
    themselves are :class:`Delivery` rows, so nothing is lost while a peer is down.
    """

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="persistent_shares")
    destination = models.CharField(max_length=200, help_text="A DATA_SHARING key")
    topic = models.CharField(max_length=200, blank=True, default="",
                             help_text="For a Hermes destination: one of its USER_TOPICS (empty: the first)")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             help_text="Its owner: who set it up or last resumed it (the shares are sent in their "
                                       "name, while they may share the target)")
    created = models.DateTimeField(auto_now_add=True)
    enabled = models.BooleanField(default=True)
    peer_name = models.CharField(max_length=200, blank=True, default="",
                                 help_text="The destination TOM's own name (from its GET /api/), for people only")
    peer_id = models.UUIDField(null=True, blank=True,
                               help_text="The destination TOM's id, from its own GET /api/ at its BASE_URL: data it "
                                         "sent here are not sent back to it (None: a TOM Toolkit, or not asked yet)")
    paused_reason = models.CharField(max_length=300, blank=True, default="",
                                     help_text="Why it is paused (its owner may no longer share): nothing is sent "
                                               "until someone who may share resumes it")
    paused_at = models.DateTimeField(null=True, blank=True)
    last_delivery = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    retry_at = models.DateTimeField(null=True, blank=True, help_text="While the destination is unreachable")
    failures_in_a_row = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0, help_text="Datums the destination took (new or known)")
    skipped_count = models.PositiveIntegerField(default=0, help_text="Datums not sent back where they came from")
    failed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "continuous share"  # what the pages call it; the model keeps the TOM Toolkit's name
        constraints = [models.UniqueConstraint(fields=["target", "destination", "topic"],
                                               name="one_persistent_share_per_destination_and_topic")]

    def __str__(self) -> str:
        return f"{self.target} → {self.where} (continuous)"

    @property
    def where(self) -> str:
        """The destination as the TOM Toolkit writes it: ``key``, or ``key:topic`` for a Hermes topic."""
        return f"{self.destination}:{self.topic}" if self.topic else self.destination

    @property
    def paused(self) -> bool:
        return bool(self.paused_reason)


class Delivery(models.Model):
    """New data of one target waiting to go (or gone) to one destination: stored, so a restart loses nothing.

    What to send is one of: the datums of an ``ingest`` (the usual case, queued when they are saved), the
    ``datum_ids`` a custom processor named, or, for "share existing data", the target itself and every datum
    up to ``existing_upto`` (None with ``existing`` set: the target had no data yet).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    share = models.ForeignKey(PersistentShare, on_delete=models.CASCADE, related_name="deliveries")
    ingest = models.ForeignKey("dataproducts.Ingest", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    datum_ids = models.JSONField(default=list, blank=True)
    existing = models.BooleanField(default=False, help_text="Share the target and its data as they were")
    existing_upto = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="")
    sent_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    record = models.ForeignKey(ShareRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            # A batch of new data is queued once per share, whichever path announced it.
            models.UniqueConstraint(fields=["share", "ingest"], condition=models.Q(ingest__isnull=False),
                                    name="one_delivery_per_ingest_and_share"),
        ]
        indexes = [models.Index(fields=["share", "status"], name="delivery_share_status_idx")]

    def __str__(self) -> str:
        return f"{self.share}: {self.get_status_display()}"
