"""Where datums come from when code written the TOM Toolkit's way stores them through the ORM.

Our own paths tell ``services.save_datums`` where their data came from. A TOM Toolkit user's custom processor or
alert handler writes ``ReducedDatum.objects.create(...)`` / ``get_or_create`` / ``bulk_create`` instead, and says
nothing; ``dataproducts.toolkit_writes`` stores those rows through ``save_datums`` with the provenance of the code
that called it, which the caller sets here: the upload running a processor (its origin, account and sending TOM,
so a file a peer sent is not shared back to it), readstreams around a handler (the stream message, so stream
data are not published back to Hermes). Anything else (a script, a shell) is ``Origin.CODE``, made here.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterator

from django.conf import settings

from .models import Origin


@dataclass
class Provenance:
    """``save_datums``' provenance arguments; ``results`` collects what was stored under it (the upload counts it)."""

    origin: str
    user: object = None
    received_from: str = ""
    claimed_tom_id: uuid.UUID | None = None
    stream_message: str = ""
    default_source: str = ""
    results: list = field(default_factory=list)


_current: ContextVar[Provenance | None] = ContextVar("datum_provenance", default=None)


def current() -> Provenance:
    """The provenance set by the code running now, else data written by code here (stamped with this TOM's name,
    like uploads and hand entries: data made here are "from" this TOM)."""
    return _current.get() or Provenance(Origin.CODE, default_source=settings.TOM_NAME)


@contextmanager
def using(provenance: Provenance) -> Iterator[Provenance]:
    """Datums written through the ORM inside the block have ``provenance``."""
    token = _current.set(provenance)
    try:
        yield provenance
    finally:
        _current.reset(token)
