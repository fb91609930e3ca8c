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

A Hermes destination with a topic is written ``<key>:<topic>``, as the TOM
Toolkit names its sharing choices and as 2.x stored ``PersistentShare.destination``
(``hermes:tomtoolkit.test``): :func:`split_destination` reads it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.conf import settings

from .errors import basic_credentials

PLACEHOLDER = re.compile(r"^\s*set\b.*\bin\s+environment\s*$", re.IGNORECASE)
HERMES_KEYS = ("HERMES_API_KEY", "CREDENTIAL_USERNAME", "CREDENTIAL_PASSWORD", "USER_TOPICS", "BROKER_URL",
               "BROKER_AUTH")
TOM_KEYS = ("USERNAME", "PASSWORD")
FALSE_WORDS = ("false", "0", "no", "off")


def _flag(value, default: bool = True) -> bool:
    """A boolean setting that may come from the environment as text ("false", "0", "no", "off")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def _present(value) -> bool:
    return value not in (None, "") and not (isinstance(value, str) and PLACEHOLDER.match(value))


@dataclass(frozen=True)
class Destination:
    key: str
    display_name: str
    base_url: str
    problems: tuple[str, ...] = ()

    kind = "destination"

    @property
    def configured(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        return self.display_name if self.configured else f"{self.display_name} (not configured)"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a message about a share to here (masked by ``errors.scrub``)."""
        return ()


@dataclass(frozen=True)
class TomDestination(Destination):
    """Another TOM: one of ours or a TOM Toolkit TOM, spoken to over its REST API (WIRE.md §2)."""

    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    kind = "tom"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.password, basic_credentials(self.username, self.password)) if self.password else ()


@dataclass(frozen=True)
class HermesDestination(Destination):
    """Hermes: through its API with a key, or straight to HOPSKOTCH topics with SCiMMA credentials (WIRE.md §3)."""

    api_key: str = field(default="", repr=False)
    credential_username: str = field(default="", repr=False)
    credential_password: str = field(default="", repr=False)
    topics: tuple[str, ...] = ()
    broker_url: str = ""
    broker_auth: bool = True

    kind = "hermes"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, self.credential_password) if s)

    @property
    def via_api(self) -> bool:
        return bool(self.api_key)


def _base_url(key: str, entry: dict, problems: list[str]) -> str:
    url = entry.get("BASE_URL")
    if not _present(url):
        problems.append("BASE_URL is not set.")
        return ""
    parsed = urlparse(str(url))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"BASE_URL {url!r} is not an http(s) URL.")
        return str(url)
    return str(url) if str(url).endswith("/") else f"{url}/"


def parse(key: str, entry) -> Destination:
    if not isinstance(entry, dict):
        return Destination(key, key, "", ("The entry is not a dictionary.",))
    problems: list[str] = []
    display = str(entry.get("DISPLAY_NAME") or key)
    hermes_keys = [k for k in HERMES_KEYS if k in entry]
    tom_keys = [k for k in TOM_KEYS if k in entry]
    if hermes_keys and tom_keys:
        return Destination(key, display, "", (
            f"It has both a TOM's keys ({', '.join(tom_keys)}) and Hermes' ({', '.join(hermes_keys)}): "
            "keep USERNAME and PASSWORD for another TOM, or HERMES_API_KEY / CREDENTIAL_USERNAME and "
            "CREDENTIAL_PASSWORD with USER_TOPICS for Hermes.",))
    if not hermes_keys and not tom_keys:
        return Destination(key, display, "", (
            "Set USERNAME and PASSWORD (another TOM), or HERMES_API_KEY, or CREDENTIAL_USERNAME and "
            "CREDENTIAL_PASSWORD with USER_TOPICS (Hermes).",))
    if hermes_keys:
        base_url = _base_url(key, entry, problems) if entry.get("BASE_URL") else ""
        api_key = entry.get("HERMES_API_KEY")
        username, password = entry.get("CREDENTIAL_USERNAME"), entry.get("CREDENTIAL_PASSWORD")
        topics = tuple(entry.get("USER_TOPICS") or ())
        broker_auth = _flag(entry.get("BROKER_AUTH"))
        broker_url = str(entry.get("BROKER_URL") or "kafka://kafka.scimma.org/")
        if not _present(api_key) and not broker_url.startswith("kafka://"):
            problems.append(f"BROKER_URL {broker_url!r} is not a kafka:// URL.")
        if _present(api_key):
            if not base_url:
                problems.append("BASE_URL is not set (the Hermes API's address).")
        elif broker_auth and not (_present(username) and _present(password)):
            problems.append("Set HERMES_API_KEY, or CREDENTIAL_USERNAME and CREDENTIAL_PASSWORD (SCiMMA credentials).")
        if not _present(api_key) and not topics:
            problems.append("USER_TOPICS lists no topic to publish to.")
        return HermesDestination(
            key, display, base_url, tuple(problems), api_key=api_key if _present(api_key) else "",
            credential_username=username if _present(username) else "",
            credential_password=password if _present(password) else "", topics=topics,
            broker_url=broker_url, broker_auth=broker_auth,
        )
    base_url = _base_url(key, entry, problems)
    username, password = entry.get("USERNAME"), entry.get("PASSWORD")
    for name, value in (("USERNAME", username), ("PASSWORD", password)):
        if not _present(value):
            problems.append(f"{name} is not set.")
    return TomDestination(key, display, base_url, tuple(problems),
                          username=str(username) if _present(username) else "",
                          password=str(password) if _present(password) else "")


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
    topic of a Hermes destination (the TOM Toolkit's choice values, and 2.x's stored destinations). Text that is
    neither comes back as it is, for the caller to refuse by name.
    """
    text = str(text)
    known = destinations()
    if text in known or ":" not in text:
        return text, ""
    key, topic = text.split(":", 1)
    if isinstance(known.get(key), HermesDestination):
        return key, topic
    return text, ""
