"""tom-alertstreams' base class path. Our ``AlertStream`` reads through ``open``/``refresh_topics``/``poll``/
``commit`` (a subclass that only implements tom-alertstreams' ``listen()`` is refused at start, naming it)."""
from __future__ import annotations

from alertstreams.streams import AlertStream

__all__ = ["AlertStream"]
