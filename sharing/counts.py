"""What a destination reports back about one share: how many items arrived, were already there or failed, and why.

The TOM client counts datums and files, the Hermes sender counts rows, ``share_target`` stores the sum on the
:class:`~sharing.models.ShareRecord` and continuous sharing decides from it whether to resend: one typed
object travels between them, not a dict whose keys each reads by memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Arrival = Literal["created", "existing", "failed"]  # what became of one item sent (a file, a datum)
REASONS_KEPT = 5  # a peer's reasons quoted in a share's message: the first few say enough


@dataclass
class Counts:
    """Items sent in one share: new there, already there (not stored twice), failed; the peer's first reasons."""

    created: int = 0
    existing: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, arrival: Arrival, n: int = 1) -> None:
        setattr(self, arrival, getattr(self, arrival) + n)

    def __iadd__(self, other: Counts) -> Counts:
        self.created += other.created
        self.existing += other.existing
        self.failed += other.failed
        self.reasons = (self.reasons + other.reasons)[:REASONS_KEPT]
        return self

    @property
    def arrived(self) -> int:
        """Items the destination holds now (new or already there)."""
        return self.created + self.existing


@dataclass
class Sent:
    """What a destination reports back after a share: a sentence for people, counts, and ids at the destination."""

    message: str
    counts: Counts = field(default_factory=Counts)
    remote_id: str = ""
    message_ids: list[str] = field(default_factory=list)
