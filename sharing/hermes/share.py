"""The messages a share to Hermes sends: built, validated, split; nothing is sent from here.

``build_messages`` is the whole of what will be sent (the Share tab previews exactly this, and
``sharing.destinations.HermesDestination`` sends it). A row Hermes would refuse makes a ``SharingError`` naming
the row, so nothing is sent.
"""
from __future__ import annotations

from targets.models import Target

from ..errors import SharingError, summary
from .messages import RowTooLarge, draft, split
from .validation import size_problem, validation_errors


def build_messages(destination, user, target: Target, datums, text) -> list[dict]:
    """The validated messages a share sends, split to fit on a topic; a SharingError names each bad row.

    ``destination``: a ``HermesDestination`` (its name and topic are asked); ``text``: a ``HermesText``.
    """
    topic = destination.topic_for(getattr(text, "topic", "") or "")
    message = draft(target, datums, topic, user, title=text.title, message_text=text.message, authors=text.authors)
    problems = validation_errors(message, check_size=False)
    if problems:
        raise SharingError(f"Hermes would refuse this message; nothing was sent: {summary(problems)}", permanent=True)
    try:
        parts = split(message)
    except RowTooLarge as exc:
        raise SharingError(f"Too large for Hermes; nothing was sent: {exc}", permanent=True) from None
    for number, part in enumerate(parts, start=1):
        problem = size_problem(part)  # the rows were checked above; a guard on split()'s arithmetic
        if problem:
            raise SharingError(f"Part {number} would be refused; nothing was sent: {problem}", permanent=True)
    return parts


def message_rows(message: dict) -> int:
    """The photometry and spectroscopy rows one message carries."""
    data = message.get("data", {})
    return len(data.get("photometry", [])) + len(data.get("spectroscopy", []))
