"""A datum as it travels between TOMs: one function decides the fields, for our API's answers and for the sender.

Both speak the TOM Toolkit's "legacy wire format" (``data_type``, ``timestamp`` in ISO 8601, ``source_name``,
``source_location``, ``data_product``, and a ``value`` dict; photometry under the 2.x keys ``magnitude``,
``error``, ``filter``, ``limit``, ``telescope``, ``instrument``, ``unit``, which both TOM Toolkit generations store
and plot). What differs is the audience, a parameter of :func:`datum_wire`:

- **our API's answers** (``Audience.API``) say everything we hold: the datum's ``id`` and ``target``, every
  photometry key (``null`` when empty), ``exposure_time`` when known, and any other keys stored in ``value``;
- **a share to another TOM** (``Audience.PEER``) sends only what a receiver stores as the datum: no ids of ours,
  no empty keys (the filter always), and a ``source_name`` (this TOM's name when the datum has none). A TOM Toolkit
  3.x receiver recognises a datum it holds by its target, type, time and value, so this value stays exactly what
  earlier versions sent: adding a key would make every datum shared before look new there.
"""
from __future__ import annotations

import enum

from django.conf import settings

from .models import ReducedDatum


class Audience(enum.Enum):
    API = "api"
    PEER = "peer"


# What datum_wire reads for a peer: a ReducedDatum, or (10,000 at a time, 4x cheaper) a values_list(named=True) row
# of these.
PEER_FIELDS = ("data_type", "timestamp", "source_name", "source_location", "value", "brightness", "brightness_error",
               "bandpass", "limit", "telescope", "instrument", "unit")


def datum_wire(datum: ReducedDatum, audience: Audience = Audience.API) -> dict:
    """One datum in the wire format, for ``audience`` (see the module's docstring for what each gets)."""
    peer = audience is Audience.PEER
    if datum.data_type == "photometry":
        if peer:
            value = {"magnitude": datum.brightness, "error": datum.brightness_error, "filter": datum.bandpass,
                     "limit": datum.limit, "telescope": datum.telescope, "instrument": datum.instrument,
                     "unit": datum.unit}
            value = {k: v for k, v in value.items() if v not in (None, "")} | {"filter": datum.bandpass}
        else:
            value = {"magnitude": datum.brightness, "error": datum.brightness_error, "filter": datum.bandpass,
                     "telescope": datum.telescope, "instrument": datum.instrument, "unit": datum.unit}
            if datum.limit is not None:
                value["limit"] = datum.limit
            if datum.exposure_time is not None:
                value["exposure_time"] = datum.exposure_time
            value.update(datum.value or {})
    else:
        value = dict(datum.value or {})
        for key in ("telescope", "instrument"):
            if getattr(datum, key):
                value.setdefault(key, getattr(datum, key))
    if peer:
        return {"data_type": datum.data_type, "timestamp": datum.timestamp.isoformat(),
                "source_name": datum.source_name or settings.TOM_NAME, "source_location": datum.source_location,
                "data_product": None, "value": value}
    return {"id": datum.pk, "target": datum.target_id, "data_product": None, "data_type": datum.data_type,
            "source_name": datum.source_name, "source_location": datum.source_location,
            "timestamp": datum.timestamp.isoformat(), "value": value}
