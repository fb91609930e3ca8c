"""This TOM's own system checks.

- ``manage.py check`` refuses a ``TOM_ID`` that is not a UUID (peers would not recognise this TOM by it).
- ``manage.py check --deploy`` flags the demo SECRET_KEY, which Django's own check (length) lets through.
"""
from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .identity import configured_tom_id
from .production import DEMO_SECRET_KEY


@checks.register()
def tom_id_is_a_uuid(app_configs=None, **kwargs):
    try:
        configured_tom_id()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Leave TOM_ID empty (the database keeps one) or set a UUID.",
                             id="tom.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def demo_secret_key(app_configs=None, **kwargs):
    if settings.SECRET_KEY != DEMO_SECRET_KEY:
        return []
    return [checks.Warning(
        "SECRET_KEY is the demo key: anyone can forge this TOM's sessions, CSRF tokens and password-reset links.",
        hint="Set SECRET_KEY in the environment to at least 50 random characters "
             "(python -c \"import secrets; print(secrets.token_urlsafe(50))\").",
        id="tom.W001",
    )]
