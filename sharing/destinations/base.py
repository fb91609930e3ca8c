"""The destination family's common part: what every ``DATA_SHARING`` entry is, and what it is asked.

A :class:`Destination` knows its key, name, address and what keeps it from being configured. Each kind (another
TOM, Hermes) is a subclass that says what is different: the entry keys that make one (``KEYS``), how it is read
from its entry (``from_entry``), how it ``send``\\ s a selection, how it ``preview``\\ s one, and which data came
from it (``echo_rule``: those are never sent back to it). The base class itself is an entry that is neither kind
(or both): never configured, it refuses to send and has nothing to preview. Code outside the family asks these
methods and never which kind it holds.

Every process loads the family as it starts (the system checks read ``DATA_SHARING``, pages list destinations),
and most never share: the kinds import what sending needs (the HTTP and Kafka clients, the Hermes message builder
with its validators) inside the methods that send or preview, so that a web worker or ``manage.py`` does not pay
for requests, hop-client and dateutil at start (about 0.1 s of CPU and 10 MiB each; nothing imports back).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.db.models import Q

from core.placeholders import has_value

from ..counts import Sent
from ..errors import SharingError
from ..preview import Preview

FALSE_WORDS = ("false", "0", "no", "off")


def flag(value, default: bool = True) -> bool:
    """A boolean setting that may come from the environment as text ("false", "0", "no", "off")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def base_url(entry: dict, problems: list[str]) -> str:
    """The entry's ``BASE_URL``, ending with "/"; what is wrong with it goes to ``problems``."""
    url = entry.get("BASE_URL")
    if not has_value(url):
        problems.append("BASE_URL is not set.")
        return ""
    parsed = urlparse(str(url))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"BASE_URL {url!r} is not an http(s) URL.")
        return str(url)
    return str(url) if str(url).endswith("/") else f"{url}/"


@dataclass(frozen=True)
class EchoRule:
    """An ingest that matches came from the destination: its datums are not sent there (``sharing.echoes``)."""

    origin: str
    claimed_tom_id: uuid.UUID | None = None

    def _fields(self) -> dict:
        fields = {"origin": self.origin}
        if self.claimed_tom_id is not None:
            fields["claimed_tom_id"] = self.claimed_tom_id
        return fields

    def matches(self, ingest) -> bool:
        """For one ingest (a batch just saved): whether all of it came from the destination."""
        if ingest.origin != self.origin:
            return False
        if self.claimed_tom_id is None:
            return True
        return ingest.claimed_tom_id is not None and uuid.UUID(str(ingest.claimed_tom_id)) == self.claimed_tom_id

    def q(self) -> Q:
        """For datums in SQL: those whose ingest came from the destination."""
        return Q(**{f"ingest__{name}": value for name, value in self._fields().items()})


@dataclass(frozen=True)
class Destination:
    key: str
    display_name: str
    base_url: str
    problems: tuple[str, ...] = ()

    kind = "destination"
    kind_label = "destination"  # how a menu of destinations names the kind
    KEYS: tuple[str, ...] = ()  # the DATA_SHARING keys that make an entry this kind
    names_topics = False  # whether "<key>:<topic>" names one of its topics (the TOM Toolkit's Hermes choices)
    takes_message_text = False  # whether a share to it carries a title, message and authors
    resend_is_harmless = True  # whether sending a batch again stores nothing twice there

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

    @property
    def topics(self) -> tuple[str, ...]:
        return ()

    def share_choices(self) -> list[tuple[str, str]]:
        """What a continuous share may name it as: (value, label) pairs."""
        return [(self.key, self.display_name)]

    def stored_topic(self, topic: str) -> str:
        """The topic a continuous share to here stores, checked; a ``ValidationError`` naming the field."""
        if topic:
            raise ValidationError({"topic": f"{self.display_name} is a TOM: only a Hermes destination has topics."})
        return ""

    def identify(self) -> tuple[uuid.UUID | None, str]:
        """Its own id and name, as it tells them (asked once per continuous share); (None, "") when it has none."""
        return None, ""

    def echo_rule(self, peer_id: uuid.UUID | None) -> EchoRule | None:
        """What came from here (``peer_id``: the id it told us), or None when nothing counts as coming from it."""
        return None

    def send(self, user, target, chosen, lists: tuple[str, ...], text) -> Sent:
        """Send ``chosen`` (a ``sharing.selection.Selection`` of ``target``'s data); what arrived, or a SharingError."""
        raise SharingError(f"{self.key!r} is not a destination in DATA_SHARING.", permanent=True)

    def preview(self, user, target, chosen, lists: tuple[str, ...], text) -> Preview:
        """Exactly what :meth:`send` would send, contacting nothing."""
        return Preview("none", errors=["Choose a destination."])
