"""Publishing Hermes messages straight to a HOPSKOTCH topic with hop-client, exactly as Hermes itself does.

Byte for byte what Hermes itself writes: the Kafka value is the message JSON
(hop-client's ``JSONBlob``), the headers ``topic``, ``_id`` (a fresh 16-byte
UUID), ``_format`` (``json``), ``title`` and ``_sender``. hop's ``write``
would add an ``_id`` we could not see, so each message is packed first (which
assigns the ``_id``), then written raw with exactly those headers: the UUID
we record is the one readers deduplicate on.

SCiMMA credentials (``CREDENTIAL_USERNAME`` / ``CREDENTIAL_PASSWORD``) sign in
with SCRAM; ``BROKER_AUTH: False`` is a local broker without authentication.
Writers never offload (``automatic_offload=False``): messages are split to
fit instead. Delivery is confirmed within ``PRODUCE_TIMEOUT``, so a broker
that is down is a failed share, not a hang.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Protocol

from hop import Stream
from hop.auth import Auth
from hop.models import JSONBlob

from ...errors import SharingError

PRODUCE_TIMEOUT = timedelta(seconds=15)


class KafkaAccount(Protocol):
    """What publishing needs of a destination (``sharing.destinations.HermesDestination`` is one)."""

    display_name: str
    broker_url: str
    broker_auth: bool
    credential_username: str
    credential_password: str


def _scrub(text: str, destination: KafkaAccount) -> str:
    if destination.credential_password:
        text = text.replace(destination.credential_password, "***")
    return text[:300]


def _text(error) -> str:
    """A librdkafka error in words (its ``str()`` is a repr with codes)."""
    return error.str() if hasattr(error, "str") else str(error)


def topic_url(destination: KafkaAccount, topic: str) -> str:
    base = destination.broker_url if destination.broker_url.endswith("/") else destination.broker_url + "/"
    return base + topic


def publish(destination: KafkaAccount, topic: str, messages: list[dict], sender: str,
            timeout: timedelta | None = None) -> list[tuple[str, str]]:
    """Write each message to ``topic``; for each, ``(its _id as a UUID string, "" or why it failed)``."""
    timeout = timeout or PRODUCE_TIMEOUT
    auth = (Auth(destination.credential_username, destination.credential_password)
            if destination.broker_auth else False)
    client_errors: list[str] = []
    try:
        writer = Stream(auth=auth).open(topic_url(destination, topic), "w", automatic_offload=False,
                                        produce_timeout=timeout,
                                        error_callback=lambda error: client_errors.append(_text(error)))
    except Exception as exc:  # hop and confluent-kafka raise many types for a bad URL or configuration
        raise SharingError(f"Could not open the topic {topic} at {destination.display_name}: "
                           f"{_scrub(str(exc), destination)}", permanent=True) from None
    outcomes: list[list] = []  # [message id, why it failed ("" when delivered), whether the broker answered]
    try:
        for message in messages:
            payload, headers = writer.pack(JSONBlob(message), headers=[("topic", topic.encode("utf-8"))])
            headers += [("title", message["title"].encode("utf-8")), ("_sender", sender.encode("utf-8"))]
            message_id = str(uuid.UUID(bytes=dict(headers)["_id"]))
            outcome = [message_id, "", False]
            outcomes.append(outcome)

            def delivered(error, _msg, outcome=outcome):
                outcome[2] = True
                if error is not None:
                    outcome[1] = f"not delivered: {_text(error)}"

            try:
                writer.write_raw(payload, headers, delivery_callback=delivered)
            except Exception as exc:  # refused before it left (a bad topic name, a full local queue...)
                outcome[1:] = [f"not sent: {_text(exc.args[0]) if exc.args else type(exc).__name__}", True]
        writer.flush(timeout + timedelta(seconds=5))  # librdkafka reports a timeout by then
    finally:
        writer.close()
    for outcome in outcomes:
        if not outcome[2]:
            outcome[1] = "not delivered: no answer from the broker in time"
    if client_errors:  # the broker's side of the story (refused connection, failed sign-in...)
        for outcome in outcomes:
            if outcome[1]:
                outcome[1] += f" ({client_errors[-1]})"
    return [(message_id, _scrub(error, destination) if error else "") for message_id, error, _ in outcomes]
