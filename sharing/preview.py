"""Exactly what a share will send, shown before sending: nothing is contacted to build it.

Each destination builds its own (``Destination.preview``: the target body and datums for a TOM, the messages for
Hermes); this holds what a preview is and the one call the Share tab makes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

SHOWN = 5  # datums or rows shown in full; the rest are counted


@dataclass
class Preview:
    kind: str
    summary: list[str] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (caption, pretty JSON)
    errors: list[str] = field(default_factory=list)


def pretty(value) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def preview(dest, user, target, chosen, lists: tuple[str, ...], text) -> Preview:
    """What a share of ``chosen`` to ``dest`` (a destination, or None when none was chosen) would send."""
    if dest is None:
        return Preview("none", errors=["Choose a destination."])
    return dest.preview(user, target, chosen, lists, text)
