"""Which TOM this is: a stable UUID, not a name (see :class:`core.models.TomIdentity`)."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import TomIdentity


def configured_tom_id() -> str:
    """``TOM_ID`` from the settings as a canonical UUID string; "" when unset. Raises for a value that is not a UUID."""
    value = str(getattr(settings, "TOM_ID", "") or "").strip()
    if not value:
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ImproperlyConfigured(f"TOM_ID {value[:60]!r} is not a UUID.") from None


def tom_id() -> str:
    """This TOM's id: ``TOM_ID`` when set, else the one made by the migration (made now if the row is gone).

    Read on every call (one indexed query): the id is asked for once per share, not per datum.
    """
    configured = configured_tom_id()
    if configured:
        return configured
    row = TomIdentity.objects.order_by("pk").first()
    if row is None:  # a database emptied after migrating (test flushes); get_or_create survives a race
        row, _ = TomIdentity.objects.get_or_create(pk=1)
    return str(row.uuid)
