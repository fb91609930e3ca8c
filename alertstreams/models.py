"""What readstreams keeps: the messages already ingested (so each is ingested once) and dead letters.

Kafka delivers at least once: after a crash, messages whose offsets were not
yet committed come again. ``IngestedMessage`` (unique on the message's
``_id``) is written in the same transaction as the message's data, so a
redelivered message is recognised and skipped whole.
"""
from __future__ import annotations

from django.db import models


class IngestedMessage(models.Model):
    """A message a handler has ingested, by its id (the Hermes ``_id`` header)."""

    message_id = models.UUIDField(unique=True)
    topic = models.CharField(max_length=249)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.topic} {self.message_id}"


class DeadLetter(models.Model):
    """A message its handler failed on every attempt: kept whole, so it can be read, fixed and replayed."""

    stream = models.CharField(max_length=200, help_text="The ALERT_STREAMS entry's NAME")
    topic = models.CharField(max_length=249)
    partition = models.IntegerField()
    offset = models.BigIntegerField()
    message_id = models.CharField(max_length=64, blank=True, default="", help_text="The _id header, when present")
    headers = models.JSONField(default=list, blank=True, help_text="[name, text] pairs")
    value = models.BinaryField(help_text="The message as received")
    handler = models.CharField(max_length=300, blank=True, default="")
    error = models.TextField(help_text="The last attempt's error")
    attempts = models.PositiveSmallIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "partition", "offset", "stream"], name="one_dead_letter_per_message"),
        ]

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"

    def value_text(self, limit: int = 2000) -> str:
        """The message as text for a page (undecodable bytes replaced), cut at ``limit`` characters."""
        text = bytes(self.value).decode("utf-8", errors="replace")
        return text if len(text) <= limit else text[:limit] + "…"
