"""Which data came from a destination (echoes, never sent back to it): decided here, by where they came from.

A datum's :class:`~dataproducts.models.Ingest` says how it arrived. For one continuous share's destination
D, :func:`echo_rule` is the whole decision, and each destination gives its part of it (``Destination.echo_rule``):

- **a TOM of ours**: D told us its id at ``GET /api/`` on its configured ``BASE_URL`` (learnt once per share,
  ``PersistentShare.peer_id``). A datum is an echo when it came in through our API from a caller that claimed
  that id (``X-TOM-Id``, recorded as ``Ingest.claimed_tom_id``): D sent it to us.
- **a TOM Toolkit TOM**: it has no id at ``/api/``, so nothing is an echo by id; everything new is sent. What it
  gave us and gets back is not stored twice there: a TOM Toolkit 3.x receiver checks a datum's target, type,
  time and value (``ReducedDatum.validate_unique``) and answers a repeat ``200 already_exists``, counted as
  "already there" (2.x answers 500, counted likewise).
- **Hermes / HOPSKOTCH**: what came off an alert stream is not published back to it.

Uploads and data entered by hand are always ours to send. Names never decide: two TOMs may both be called
"TOM" (``TOM_NAME``, ``X-TOM-Name`` and ``source_name`` are for people), and with names, a TOM whose peer
shared its name sent nothing at all.

Why a claimed id is safe to act on: a claim only ever *removes* data from what we send, and only the data the
claimer itself sent us (the ingest records the account that posted it too). A peer claiming to be D keeps
its own submissions from reaching D, which it could do anyway by not sending them; it cannot stop our own
uploads, another peer's data, or stream data from going anywhere. Likewise a destination that answers
``GET /api/`` with another TOM's id only keeps that TOM's data from itself.
"""
from __future__ import annotations

import uuid

from .destinations import Destination, EchoRule, destination, split_destination
from .models import PersistentShare

__all__ = ["EchoRule", "echo_rule", "share_echo_rule"]


def echo_rule(dest: Destination | None, peer_id: uuid.UUID | None) -> EchoRule | None:
    """What came from ``dest`` (``peer_id``: its id as it told us), or None when nothing counts as coming from it."""
    return dest.echo_rule(peer_id) if dest is not None else None


def share_echo_rule(share: PersistentShare) -> EchoRule | None:
    """The one decision, for the queue and the worker alike: what counts as having come from ``share``'s
    destination (by what it told us of itself, ``share.peer_id``), or None when nothing does."""
    return echo_rule(destination(split_destination(share.destination)[0]), share.peer_id)
