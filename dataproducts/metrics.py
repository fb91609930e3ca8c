"""Datums stored, by the route they came in (``Ingest.origin``: upload, api, stream, manual, import).

Counted from ``datums_created``, which ``services.save_datums_many`` sends once per target after the
transaction commits: only datums really stored count (not duplicates, not a rolled-back batch), and the
cost is one counter increment per target and call, never per datum. Each process counts what it stores:
the web's ``/metrics/`` shows upload, api and manual; readstreams' ``--metrics-port`` shows stream.
"""
from __future__ import annotations

from prometheus_client import Counter

from .models import Ingest, Origin

DATUMS_STORED = Counter("tom_datums_stored", "Reduced datums stored (new ones only), by the route they came in",
                        ["route"])
for _route in Origin.values:  # every route shows, at 0 until data come that way
    DATUMS_STORED.labels(_route)


def count_stored(sender, target, ingest: Ingest, count: int, **kwargs) -> None:
    """``datums_created`` receiver."""
    DATUMS_STORED.labels(ingest.origin).inc(count)
