"""Sharing to Hermes and HOPSKOTCH topics (shared/WIRE.md §3): messages, their validation, the API and Kafka."""
from .share import build_messages, choose_topic, share_to_hermes
from .validation import MAX_MESSAGE_BYTES, encoded, validation_errors

__all__ = ["MAX_MESSAGE_BYTES", "build_messages", "encoded", "choose_topic", "share_to_hermes", "validation_errors"]
