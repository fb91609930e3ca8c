"""A share that did not go through, the rules for any words about a share that get stored or shown, and how long
a share may take."""
from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

from django.conf import settings

MESSAGE_MAX = 2000  # characters of a share's message, last error or reason kept (a peer's answer is quoted short)
SECRET_MIN = 4  # shorter "secrets" (test placeholders) are not masked: masking every "p" would garble the text


def deadline_seconds() -> float:
    """``SHARING_DEADLINE_SECONDS`` (600 when a settings module leaves it out): the most one share may spend talking
    to its destination, all calls together; past it, the share fails saying so."""
    return float(getattr(settings, "SHARING_DEADLINE_SECONDS", 600))


def bounded(message: str, limit: int = MESSAGE_MAX) -> str:
    message = str(message)
    return message if len(message) <= limit else message[:limit - 1] + "…"


def scrub(text: str, secrets=()) -> str:
    """``text`` with each secret masked, also as a URL or form would encode it (a peer may echo our request)."""
    for secret in secrets:
        if not secret or len(secret) < SECRET_MIN:
            continue
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, "***")
    return text


def basic_credentials(username: str, password: str) -> str:
    """What HTTP Basic puts on the wire for these credentials (a peer reflecting our headers would show it)."""
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def summary(lines: list[str], shown: int = 8) -> str:
    """Problems on one line, the first ``shown`` of them (a peer or a validator may list thousands)."""
    text = "; ".join(lines[:shown])
    return text + (f" (and {len(lines) - shown} more)" if len(lines) > shown else "")


class SharingError(Exception):
    """A share that did not go through, in words for the user; ``permanent`` says whether retrying can help."""

    def __init__(self, message: str, permanent: bool = False):
        message = bounded(message)
        super().__init__(message)
        self.message = message
        self.permanent = permanent
