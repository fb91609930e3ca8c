"""``manage.py check`` refuses a ``TOM_ID`` that is not a UUID (peers would not recognise this TOM by it)."""
from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .identity import configured_tom_id


@checks.register()
def tom_id_is_a_uuid(app_configs=None, **kwargs):
    try:
        configured_tom_id()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Leave TOM_ID empty (the database keeps one) or set a UUID.",
                             id="tom.E001")]
    return []
