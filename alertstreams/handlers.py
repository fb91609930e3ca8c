"""Example handlers that only log what arrives: for trying a stream out before writing a real handler.

tom-alertstreams ships handlers of this kind (its ``heartbeat_handler`` and
``alert_logger``), and its users' settings name them; the ``tom_alertstreams``
package gives them those paths. A message these cannot read is a
``BadMessage`` (kept as a dead letter), never a crash of the stream.
"""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from .runner import BadMessage

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 300  # SCiMMA's sys.heartbeat beats once a second: one line every five minutes
SHOWN_CHARACTERS = 500  # of a message's content, in a log line


def _message_id(metadata) -> uuid.UUID | None:
    """hop's ``_id`` header (16 bytes); messages from hop-client before 0.8 have none."""
    for key, value in getattr(metadata, "headers", None) or ():
        if key == "_id" and isinstance(value, bytes) and len(value) == 16:
            return uuid.UUID(bytes=value)
    return None


def _shorten(value) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARACTERS else f"{text[:SHOWN_CHARACTERS]}... ({len(text)} characters)"


def heartbeat_handler(heartbeat, metadata) -> None:
    """``sys.heartbeat``: log every 300th beat (its time and count), so the log shows the stream is alive."""
    content = getattr(heartbeat, "content", None)
    try:
        count = int(content["count"])
        beat_time = datetime.fromtimestamp(content["timestamp"] / 1e6, tz=UTC)  # microseconds since the epoch
    except (TypeError, KeyError, ValueError, OverflowError, OSError) as exc:
        raise BadMessage(f"not a heartbeat (a count and a timestamp in microseconds): {exc!r}") from None
    if count % HEARTBEAT_EVERY == 0:
        logger.info("Heartbeat %s at %s on %s", count, beat_time.isoformat(), getattr(metadata, "topic", "?"))


def alert_logger(alert, metadata) -> None:
    """Any HOPSKOTCH message: log its topic, its hop message id and (the start of) its content."""
    logger.info("Alert (uuid=%s) received on topic %s: %s", _message_id(metadata), getattr(metadata, "topic", "?"),
                _shorten(getattr(alert, "content", alert)))


def gcn_alert_logger(message) -> None:
    """Any GCN Classic message (the Kafka message itself, as GCN handlers take it): log its topic and value."""
    logger.info("GCN message on topic %s: %s", message.topic(), _shorten(message.value()))
