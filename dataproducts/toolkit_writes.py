"""ReducedDatum rows written the TOM Toolkit's way, stored the one way datums are stored here.

A TOM Toolkit processor or alert handler writes ``ReducedDatum.objects.create(target=..., data_type=...,
timestamp=..., value={...}, source_name=..., source_location=..., data_product=...)``, ``get_or_create`` with
the same fields, ``bulk_create([...])`` or ``ReducedDatum(...).save()``, with ``value`` holding 2.x keys
(``magnitude``, ``error``, ``filter``...) or 3.x ones (``brightness``, ``bandpass``...). Those rows have no
``Ingest`` and no fingerprint; the queryset and ``save()`` of ``ReducedDatum`` hand them here, and they go through
``datums.parse_datum`` and ``services.save_datums`` exactly as the API's datums do: the same columns, the same
fingerprint, duplicates skipped by the database, an ``Ingest`` with the provenance of the code that ran them
(``dataproducts.provenance``), and ``datums_created`` after commit, so continuous sharing queues them once.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .datums import DatumError, parse_datum
from .models import ReducedDatum
from .provenance import current
from .services import save_datums

# Our photometry columns, read too: code that sets them (rather than ``value``) keeps them.
COLUMNS = ("bandpass", "brightness", "brightness_error", "limit", "unit", "telescope", "instrument", "exposure_time")


def _raw(datum: ReducedDatum) -> dict:
    """The row as ``parse_datum`` reads a datum sent to the API: fields, with the value's keys lifted."""
    raw = {"data_type": datum.data_type, "timestamp": datum.timestamp, "source_name": datum.source_name,
           "source_location": datum.source_location, "value": datum.value}
    for column in COLUMNS:
        value = getattr(datum, column)
        if value is not None and value != "":
            raw[column] = value
    return raw


def _stored(datums: list[ReducedDatum], numbered: bool) -> list[tuple[bool, ReducedDatum]]:
    """Store ``datums`` (all or nothing); for each, whether it was new and the stored row (new or already there).

    A bad datum raises ``ValidationError`` naming its field (and its 1-based row when ``numbered``).
    """
    parsed = []
    for row, datum in enumerate(datums, start=1):
        where = row if numbered else None
        if datum.target_id is None:
            raise ValidationError(str(DatumError("target", "is required.", row=where)))
        try:
            parsed.append(parse_datum(_raw(datum)))
        except DatumError as exc:
            raise ValidationError(str(DatumError(exc.field, exc.message, row=where))) from None
    groups: dict[tuple[int, int | None], list[int]] = {}
    for index, datum in enumerate(datums):
        groups.setdefault((datum.target_id, datum.data_product_id), []).append(index)
    provenance = current()
    outcome: list = [None] * len(datums)
    with transaction.atomic():
        for (target_id, _), indexes in groups.items():
            first = datums[indexes[0]]
            result = save_datums(first.target, [parsed[i] for i in indexes], origin=provenance.origin,
                                 user=provenance.user, received_from=provenance.received_from,
                                 claimed_tom_id=provenance.claimed_tom_id, stream_message=provenance.stream_message,
                                 data_product=first.data_product, default_source=provenance.default_source)
            provenance.results.append(result)
            fingerprints = result.fingerprints
            rows = {row.fingerprint: row for row in
                    ReducedDatum.objects.filter(target_id=target_id, fingerprint__in=set(fingerprints))}
            for index, status, fingerprint in zip(indexes, result.statuses, fingerprints):
                outcome[index] = (status == "created", rows[fingerprint])
    return outcome


def _become(datum: ReducedDatum, row: ReducedDatum) -> None:
    """``datum`` (the caller's object) now is the stored ``row``: its pk and every column as stored."""
    for f in ReducedDatum._meta.concrete_fields:
        setattr(datum, f.attname, getattr(row, f.attname))
    datum._state.adding = False
    datum._state.db = row._state.db


def store_one(datum: ReducedDatum, update: bool = False) -> tuple[bool, ReducedDatum]:
    """``create``/``get_or_create``/``save()`` of one datum: (new?, the stored row); ``update``: make ``datum`` it."""
    created, row = _stored([datum], numbered=False)[0]
    if update:
        _become(datum, row)
        return created, datum
    return created, row


def store_many(datums: list[ReducedDatum]) -> None:
    """``bulk_create``: the new ones become their stored rows; the ones already there keep ``pk`` None (skipped)."""
    for datum, (created, row) in zip(datums, _stored(datums, numbered=True)):
        if created:
            _become(datum, row)
