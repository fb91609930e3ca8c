"""``DATA_SHARING``, parsed once into destination objects.

The setting keeps the TOM Toolkit's documented shape: a dict keyed by
destination, with ``DISPLAY_NAME`` and ``BASE_URL``, then ``USERNAME`` /
``PASSWORD`` for a TOM, or ``HERMES_API_KEY`` or ``CREDENTIAL_USERNAME`` /
``CREDENTIAL_PASSWORD`` plus ``USER_TOPICS`` for Hermes. An entry's keys decide
which it is, never its name: "hermes-mirror" with a USERNAME and PASSWORD is a
TOM, "scimma" with SCiMMA credentials is Hermes. A destination whose
values are missing or still the documentation's placeholders
("set ... value in environment") is kept, marked not configured, with the
reason in words: pages show it disabled and ``manage.py check`` warns; nothing
raises. Credentials never appear in ``repr``, messages or pages.

Each kind is a class of the family (``base.Destination``, ``tom.TomDestination``, ``hermes.HermesDestination``):
its ``KEYS`` say which entries are of its kind, its ``from_entry`` reads one, and the rest of the code asks a
destination to send, preview or tell its echoes, never which kind it is.

A Hermes destination with a topic is written ``<key>:<topic>``, as the TOM
Toolkit names its sharing choices and as 2.x stored ``PersistentShare.destination``
(``hermes:tomtoolkit.test``): :func:`split_destination` reads it.
"""
from __future__ import annotations

from django.conf import settings

from .base import Destination, EchoRule
from .hermes import HermesDestination
from .tom import TomDestination

FAMILY = (TomDestination, HermesDestination)

__all__ = ["Destination", "EchoRule", "HermesDestination", "TomDestination", "destination", "destinations", "parse",
           "split_destination"]


def parse(key: str, entry) -> Destination:
    """One ``DATA_SHARING`` entry as the destination of the kind its keys name (never its name)."""
    if not isinstance(entry, dict):
        return Destination(key, key, "", ("The entry is not a dictionary.",))
    display = str(entry.get("DISPLAY_NAME") or key)
    matching = [(kind, [k for k in kind.KEYS if k in entry]) for kind in FAMILY]
    matching = [(kind, keys) for kind, keys in matching if keys]
    if len(matching) > 1:
        (_, tom_keys), (_, hermes_keys) = matching
        return Destination(key, display, "", (
            f"It has both a TOM's keys ({', '.join(tom_keys)}) and Hermes' ({', '.join(hermes_keys)}): "
            "keep USERNAME and PASSWORD for another TOM, or HERMES_API_KEY / CREDENTIAL_USERNAME and "
            "CREDENTIAL_PASSWORD with USER_TOPICS for Hermes.",))
    if not matching:
        return Destination(key, display, "", (
            "Set USERNAME and PASSWORD (another TOM), or HERMES_API_KEY, or CREDENTIAL_USERNAME and "
            "CREDENTIAL_PASSWORD with USER_TOPICS (Hermes).",))
    kind, _ = matching[0]
    return kind.from_entry(key, display, entry)


_parsed: list = [None, {}]  # [the DATA_SHARING dict parsed (kept, so it is compared by identity), its destinations]


def destinations() -> dict[str, Destination]:
    """All destinations of ``settings.DATA_SHARING``, in its order (parsed once per value of the setting)."""
    raw = getattr(settings, "DATA_SHARING", None) or {}
    if _parsed[0] is not raw:
        _parsed[1] = {str(key): parse(str(key), entry) for key, entry in raw.items()}
        _parsed[0] = raw
    return _parsed[1]


def destination(key: str) -> Destination | None:
    """Only configured destinations can be shared to: nothing a request names is ever fetched."""
    return destinations().get(key)


def split_destination(text: str) -> tuple[str, str]:
    """A destination as written (``key`` or ``key:topic``) as (DATA_SHARING key, topic; "" for none).

    A key of ``DATA_SHARING`` is taken whole, even one holding a colon; otherwise ``<key>:<topic>`` names a
    topic of a destination that has topics (Hermes: the TOM Toolkit's choice values, and 2.x's stored
    destinations). Text that is neither comes back as it is, for the caller to refuse by name.
    """
    text = str(text)
    known = destinations()
    if text in known or ":" not in text:
        return text, ""
    key, topic = text.split(":", 1)
    found = known.get(key)
    if found is not None and found.names_topics:
        return key, topic
    return text, ""
