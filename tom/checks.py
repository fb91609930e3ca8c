"""``manage.py check --deploy`` flags the demo SECRET_KEY, which Django's own check (length) lets through."""
from __future__ import annotations

from django.conf import settings
from django.core import checks

from .production import DEMO_SECRET_KEY


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
