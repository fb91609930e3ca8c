"""Hermes as a destination: through its API with a key, or straight to HOPSKOTCH topics with SCiMMA credentials.

A share builds the messages (``sharing.hermes``: the target table and the rows, validated and split to fit on a
topic), then sends them through the Hermes API when the destination has an API key (``HERMES_API_KEY``), else
straight to the topic with hop-client (``CREDENTIAL_USERNAME`` / ``CREDENTIAL_PASSWORD``, or ``BROKER_AUTH: False``
for a local broker), and reports what arrived. Nothing is sent when any row would be refused: the message names
the row. Data product files are not sent (Hermes takes files only as uploads we do not make); the outcome says
so. What came off an alert stream is never published back to one.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from dataproducts.models import Origin
from targets.models import Target
from core.placeholders import has_value

from ..counts import Counts, Sent
from ..errors import SharingError, summary
from ..preview import SHOWN, Preview, pretty
from ..selection import Selection
from .base import Destination, EchoRule, base_url, flag


def _via_api(destination: HermesDestination, messages: list[dict]) -> list[tuple[str, str]]:
    """Hermes checks every part before any is published, so a refusal publishes nothing."""
    from ..clients.hermes.api import HermesApi  # loaded where it is used: see sharing.destinations.base

    api = HermesApi(destination)
    try:
        for number, message in enumerate(messages, start=1):
            problems = api.validate(message)
            if problems:
                where = f"part {number} of {len(messages)}: " if len(messages) > 1 else ""
                raise SharingError(f"{destination.display_name} would refuse {where}the message; nothing was "
                                   f"sent: {summary(problems)}", permanent=True)
        outcomes: list[tuple[str, str]] = []
        for message in messages:
            try:
                outcomes.append((api.submit(message), ""))
            except SharingError as exc:
                if not outcomes:
                    raise
                outcomes.append(("", exc.message))
        return outcomes
    finally:
        api.close()


@dataclass(frozen=True)
class HermesDestination(Destination):
    """Hermes: through its API with a key, or straight to HOPSKOTCH topics with SCiMMA credentials."""

    api_key: str = field(default="", repr=False)
    credential_username: str = field(default="", repr=False)
    credential_password: str = field(default="", repr=False)
    topics: tuple[str, ...] = ()
    broker_url: str = ""
    broker_auth: bool = True

    kind = "hermes"
    kind_label = "Hermes"
    KEYS = ("HERMES_API_KEY", "CREDENTIAL_USERNAME", "CREDENTIAL_PASSWORD", "USER_TOPICS", "BROKER_URL", "BROKER_AUTH")
    names_topics = True
    takes_message_text = True
    # Parts already published cannot be taken back, and a resend would publish them again under new _ids (Hermes
    # has no duplicate check).
    resend_is_harmless = False

    @classmethod
    def from_entry(cls, key: str, display: str, entry: dict) -> HermesDestination:
        problems: list[str] = []
        url = base_url(entry, problems) if entry.get("BASE_URL") else ""
        api_key = entry.get("HERMES_API_KEY")
        username, password = entry.get("CREDENTIAL_USERNAME"), entry.get("CREDENTIAL_PASSWORD")
        topics = tuple(entry.get("USER_TOPICS") or ())
        broker_auth = flag(entry.get("BROKER_AUTH"))
        broker_url = str(entry.get("BROKER_URL") or "kafka://kafka.scimma.org/")
        if not has_value(api_key) and not broker_url.startswith("kafka://"):
            problems.append(f"BROKER_URL {broker_url!r} is not a kafka:// URL.")
        if has_value(api_key):
            if not url:
                problems.append("BASE_URL is not set (the Hermes API's address).")
        elif broker_auth and not (has_value(username) and has_value(password)):
            problems.append("Set HERMES_API_KEY, or CREDENTIAL_USERNAME and CREDENTIAL_PASSWORD (SCiMMA credentials).")
        if not has_value(api_key) and not topics:
            problems.append("USER_TOPICS lists no topic to publish to.")
        return cls(key, display, url, tuple(problems), api_key=api_key if has_value(api_key) else "",
                   credential_username=username if has_value(username) else "",
                   credential_password=password if has_value(password) else "", topics=topics,
                   broker_url=broker_url, broker_auth=broker_auth)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, self.credential_password) if s)

    @property
    def via_api(self) -> bool:
        return bool(self.api_key)

    def share_choices(self) -> list[tuple[str, str]]:
        """One choice per topic of ``USER_TOPICS``, as ``key:topic`` (the TOM Toolkit's choice values)."""
        if not self.topics:
            return super().share_choices()
        return [(f"{self.key}:{topic}", f"{self.display_name}: {topic}") for topic in self.topics]

    def topic_for(self, requested: str = "") -> str:
        """The topic a share publishes to: ``requested`` when it is one of ``USER_TOPICS``, else the first of them."""
        if not self.topics:
            raise SharingError(f"{self.display_name} has no USER_TOPICS to publish to.", permanent=True)
        if requested and requested not in self.topics:
            raise SharingError(f"{requested!r} is not one of {self.display_name}'s USER_TOPICS "
                               f"({', '.join(self.topics)}).", permanent=True)
        return requested or self.topics[0]

    def stored_topic(self, topic: str) -> str:
        """A continuous share always stores its topic (the first of ``USER_TOPICS`` when none is named), so a later
        reordering of the setting moves nothing; the same rule as :meth:`topic_for`, refused as a form field."""
        try:
            return self.topic_for(topic)
        except SharingError as exc:
            raise ValidationError({"topic" if self.topics else "destination": exc.message}) from None

    def echo_rule(self, peer_id: uuid.UUID | None) -> EchoRule | None:
        """What came off an alert stream is not published back to it."""
        return EchoRule(Origin.STREAM)

    def send(self, user, target: Target, chosen: Selection, lists: tuple[str, ...], text) -> Sent:
        """Send ``target`` and the chosen datums; a ``Sent`` with one UUID per published message."""
        if not self.configured:
            raise SharingError(f"{self.display_name} is not configured: {' '.join(self.problems)}", permanent=True)
        from ..hermes import SENT_TYPES, build_messages, message_rows  # see sharing.destinations.base

        datums, products = chosen.datums, chosen.products
        messages = build_messages(self, user, target, datums, text)
        topic = messages[0]["topic"]
        if self.via_api:
            outcomes = _via_api(self, messages)
            how = f"through {self.display_name}"
        else:
            from ..clients.hermes import kafka  # loaded where it is used: see sharing.destinations.base

            sender = self.credential_username or settings.TOM_NAME
            outcomes = kafka.publish(self, topic, messages, sender)
            how = f"straight to {kafka.topic_url(self, topic)}"
        sent_rows = sum(message_rows(m) for m, (_, error) in zip(messages, outcomes) if not error)
        failed_rows = sum(message_rows(m) for m, (_, error) in zip(messages, outcomes) if error)
        published = [message_id for message_id, error in outcomes if not error]
        if not published:
            raise SharingError(f"Nothing was published to {topic}: {outcomes[0][1]}")
        skipped = datums.exclude(data_type__in=SENT_TYPES).count()
        n = len(messages)
        counted = f"{len(published)} of {n} messages" if n > 1 else "1 message"
        text_out = f"Published {counted} to {topic} {how} ({sent_rows} row{'s' * (sent_rows != 1)})."
        errors = [f"part {i} of {n}: {error.rstrip('.')}" for i, (_, error) in enumerate(outcomes, start=1) if error]
        if errors:
            text_out += (ngettext(" Not published (%(count)d row): ", " Not published (%(count)d rows): ", failed_rows)
                         % {"count": failed_rows}) + "; ".join(errors[:3]) + "."
        if skipped:
            text_out += f" {skipped} datum{'s' * (skipped != 1)} of other kinds than photometry and spectra not sent."
        if products:
            text_out += f" Data product files are not sent to Hermes ({len(products)} not sent)."
        # Datums of other kinds are not failures (Hermes has no place for them): counting them failed would make
        # continuous sharing retry, publishing the same rows again.
        return Sent(text_out, counts=Counts(created=sent_rows, failed=failed_rows), message_ids=published)

    def preview(self, user, target: Target, chosen: Selection, lists: tuple[str, ...], text) -> Preview:
        from ..hermes import build_messages, encoded  # see sharing.destinations.base

        result = Preview("hermes")
        if chosen.products:
            result.summary.append("Data product files are not sent to Hermes; only datums are.")
        try:
            messages = build_messages(self, user, target, chosen.datums, text)
        except SharingError as exc:  # a row Hermes would reject, named: shown, nothing sent
            result.errors.append(exc.message)
            return result
        result.summary.append(ngettext("%(count)d message to %(name)s.", "%(count)d messages to %(name)s.",
                                       len(messages)) % {"count": len(messages), "name": self.display_name}
                              + (f" The first {SHOWN} are shown below." if len(messages) > SHOWN else ""))
        for number, message in enumerate(messages[:SHOWN], start=1):
            size = len(encoded(message))  # the bytes hop-client writes, which the Kafka limit applies to
            shown = json.loads(json.dumps(message, default=str))
            for table in ("photometry", "spectroscopy"):
                rows = shown.get("data", {}).get(table) or []
                if len(rows) > SHOWN:
                    more = len(rows) - SHOWN
                    rest = ngettext("... %(count)d more %(table)s row", "... %(count)d more %(table)s rows", more)
                    shown["data"][table] = rows[:SHOWN] + [rest % {"count": more, "table": table}]
            result.documents.append((f"Message {number} of {len(messages)} ({size:,} bytes)", pretty(shown)))
        return result
