"""API tokens (for scripts and peers that should not hold a password) and this TOM's own identity."""
from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models

TOKEN_PREFIX = "tom_"


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def create_for(self, user, name: str) -> tuple["ApiToken", str]:
        """A new token and its key; only the key's digest is stored, so it is shown once."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(30)
        token = self.create(user=user, name=name.strip()[:100] or "token", digest=token_digest(key), prefix=key[:8])
        return token, key


class ApiToken(models.Model):
    """``Authorization: Token <key>``, as TOM Toolkit clients send it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False, help_text="The key's first characters, to tell tokens apart")
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TomIdentity(models.Model):
    """This TOM's stable identity: a UUID made once (by a migration), sent with every share and shown at GET /api/.

    Names are not identities: two TOMs may both keep the default ``TOM_NAME``. Continuous sharing tells
    which peer a datum came from by this id (``sharing.echoes``). One row; ``core.identity.tom_id()`` reads it,
    and the ``TOM_ID`` setting overrides it (to keep the id when the database is rebuilt).
    """

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "TOM identity"
        verbose_name_plural = "TOM identity"

    def __str__(self) -> str:
        return str(self.uuid)
