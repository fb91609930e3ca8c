"""What a TOM serving the public may not run with: the demo SECRET_KEY, or none worth the name.

Plain functions of plain values (nothing here reads Django's settings), so that
``tom/settings.py`` can refuse to start while it is being read, and the
``tom`` app can check the final settings again (an operator's
``local_settings.py`` may set ``ALLOWED_HOSTS`` or ``SECRET_KEY`` itself).
"""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

# Only for a local demo (`make run`); with it, anyone could forge sessions, password-reset links and CSRF tokens.
DEMO_SECRET_KEY = "insecure-local-demo-key-set-SECRET_KEY-in-production"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "testserver"})
MIN_SECRET_KEY_LENGTH = 50  # Django's own deployment check (security.W009) asks for this much
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5


def serves_the_public(debug: bool, allowed_hosts: Iterable[str]) -> bool:
    """DEBUG off and a host name other than this machine's own (``*`` and ``.example.org`` included)."""
    return not debug and any(host not in LOCAL_HOSTS for host in allowed_hosts)


def weak_secret_key(secret_key: str) -> str | None:
    """Why ``secret_key`` is unfit for a TOM serving the public, or None."""
    if not secret_key:
        return "it is not set"
    if secret_key == DEMO_SECRET_KEY:
        return "it is the demo key"
    if secret_key.startswith("django-insecure-"):
        return "it is one of Django's startproject keys"
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS:
        return f"it is shorter than {MIN_SECRET_KEY_LENGTH} characters or too repetitive"
    return None


def refuse_weak_secret_key(debug: bool, allowed_hosts: Iterable[str], secret_key: str) -> None:
    """Stop the start, in one line naming SECRET_KEY, if a TOM serving the public has a weak key."""
    hosts = list(allowed_hosts)
    reason = weak_secret_key(secret_key) if serves_the_public(debug, hosts) else None
    if reason:
        raise ImproperlyConfigured(
            f"SECRET_KEY: {reason}; a TOM serving {', '.join(hosts)} with DEBUG off needs its own secret of at "
            f"least {MIN_SECRET_KEY_LENGTH} random characters (python -c \"import secrets; "
            "print(secrets.token_urlsafe(50))\").")
