"""Hermes messages: built from a target and its data, validated as Hermes would, split to fit on a topic.

Sending them is the destination's (``sharing.destinations.HermesDestination``), through the clients in
``sharing.clients.hermes`` (its web API, or straight to a HOPSKOTCH topic).
"""
from ..selection import HermesText
from .messages import SENT_TYPES
from .share import build_messages, message_rows
from .validation import MAX_MESSAGE_BYTES, encoded, validation_errors

__all__ = ["MAX_MESSAGE_BYTES", "SENT_TYPES", "HermesText", "build_messages", "encoded",
           "message_rows", "validation_errors"]
