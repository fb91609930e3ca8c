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
