"""The one way reduced data gets stored, and the data-product upload that feeds it.

``save_datums`` serves every path (processors, the API, streams, the manual
form): it checks every datum before writing any, inserts in bulk with the
database skipping duplicates (``ON CONFLICT DO NOTHING`` on the fingerprint),
reports what was created and what was already there, and announces the new
datums after the transaction commits.
"""
from __future__ import annotations

import hashlib
import json
from datetime import timezone
from dataclasses import dataclass, field
from typing import Sequence

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from targets.models import Target

from .datums import DatumError, FLOAT_COLUMNS, fingerprint
from .models import DataProduct, Ingest, ReducedDatum, data_product_types
from .signals import datums_created

INSERT_COLUMNS = (
    "target_id", "data_product_id", "data_type", "timestamp", "value", "source_name", "source_location",
    "bandpass", "brightness", "brightness_error", "limit", "unit", "telescope", "instrument", "exposure_time",
    "ingest_id", "fingerprint",
)
CHUNK = 5000


@dataclass
class SaveResult:
    """``statuses[i]`` is "created" or "existing" for the i-th datum given; ``ingest`` holds the new ones."""

    statuses: list[str] = field(default_factory=list)
    ingest: Ingest | None = None

    @property
    def created(self) -> int:
        return self.statuses.count("created")

    @property
    def existing(self) -> int:
        return len(self.statuses) - self.created

    def created_datums(self):
        return self.ingest.reduced_data.all() if self.ingest else ReducedDatum.objects.none()


def _time_adapter():
    """How a timestamp goes into the raw INSERT: exactly as the ORM would store it, without its per-call overhead."""
    if connection.vendor == "sqlite":
        # Django's SQLite backend stores str(naive UTC datetime); doing the same keeps text comparisons right.
        def adapt(moment):
            if moment.tzinfo is not timezone.utc:
                moment = moment.astimezone(timezone.utc)
            return str(moment.replace(tzinfo=None))

        return adapt
    return connection.ops.adapt_datetimefield_value


def _insert_sql() -> str:
    table = connection.ops.quote_name(ReducedDatum._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(INSERT_COLUMNS))
    return (f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({connection.ops.quote_name('target_id')}, {connection.ops.quote_name('fingerprint')}) DO NOTHING")


def save_datums(target: Target, datums: Sequence[dict], *, origin: str, user=None, received_from: str = "",
                stream_message: str = "", data_product: DataProduct | None = None) -> SaveResult:
    """Store canonical datums (from ``datums.parse_datum`` or a processor) for one target, all or nothing.

    A bad datum raises ``ValidationError`` naming its row (1-based) and field;
    nothing is written then. Duplicates (already stored, or repeated in
    ``datums``) are skipped by the database's unique constraint.
    """
    result = SaveResult()
    if not datums:
        return result
    adapt_time = _time_adapter()
    with transaction.atomic():
        ingest = Ingest.objects.create(origin=origin, user=user if user and user.is_authenticated else None,
                                       received_from=received_from[:200], stream_message=stream_message[:200],
                                       data_product=data_product)
        target_id, dp_id, ingest_id = target.pk, (data_product.pk if data_product else None), ingest.pk
        fingerprints, rows, first_seen = [], [], set()
        for index, datum in enumerate(datums):
            try:
                timestamp = datum.get("timestamp")
                if timestamp is None or timestamp.tzinfo is None:
                    raise DatumError("timestamp", "needs a time zone-aware date and time.")
                for column in FLOAT_COLUMNS:
                    number = datum.get(column)
                    if number is not None and number.__class__ is not float:
                        raise DatumError(column, f"{number!r} is not a number.")
                fp = fingerprint(datum)
            except DatumError as exc:
                raise ValidationError(f"Row {index + 1}: {exc.field}: {exc.message}") from None
            fingerprints.append(fp)
            if fp in first_seen:
                continue  # repeated within this batch
            first_seen.add(fp)
            value = datum.get("value")
            rows.append((
                target_id, dp_id, datum["data_type"], adapt_time(timestamp),
                json.dumps(value, cls=DjangoJSONEncoder) if value else "{}", datum.get("source_name", ""),
                datum.get("source_location", ""), datum.get("bandpass", ""), datum.get("brightness"),
                datum.get("brightness_error"), datum.get("limit"), datum.get("unit", ""), datum.get("telescope", ""),
                datum.get("instrument", ""), datum.get("exposure_time"), ingest_id, fp,
            ))
        inserted = 0
        sql = _insert_sql()
        with connection.cursor() as cursor:
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(sql, rows[start:start + CHUNK])
                inserted += max(cursor.rowcount, 0)
        if inserted == len(rows):
            new = first_seen  # every distinct datum was new: no need to ask which
        else:
            new = set(ReducedDatum.objects.filter(ingest=ingest).values_list("fingerprint", flat=True))
        seen = set()
        for fp in fingerprints:
            result.statuses.append("created" if fp in new and fp not in seen else "existing")
            seen.add(fp)
        if new:
            result.ingest = ingest
            count = len(new)
            transaction.on_commit(lambda: datums_created.send(sender=ReducedDatum, target=target, ingest=ingest,
                                                              count=count))
        else:
            ingest.delete()
    return result


# Data products

class ProcessingError(ValueError):
    """A file its processor cannot read; the message names the row or column."""


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@dataclass
class UploadResult:
    data_product: DataProduct
    saved: SaveResult
    already_uploaded: bool = False


def upload_data_product(target: Target, upload, data_product_type: str, *, user=None, product_id: str | None = None,
                        extra_data: str = "", origin: str = "upload", received_from: str = "") -> UploadResult:
    """Keep the file, run its processor, store its datums: all of it, or nothing (not even the file).

    The same file uploaded again for the same target (same SHA-256), or a known
    ``product_id``, returns the existing product and creates nothing.
    """
    from .processors import run_processor

    if data_product_type not in data_product_types():
        raise ValidationError({"data_product_type": "Unknown type %r; choose one of: %s." % (
            data_product_type, ", ".join(data_product_types()))})
    digest = sha256_of(upload)
    product_id = (product_id or "").strip() or None
    existing = DataProduct.objects.filter(target=target, sha256=digest).first()
    if existing is None and product_id:
        existing = DataProduct.objects.filter(product_id=product_id).first()
        if existing is not None and existing.target_id != target.pk:
            raise ValidationError({"product_id": f"{product_id!r} already names a data product of another target."})
    if existing is not None:
        return UploadResult(existing, SaveResult(), already_uploaded=True)
    product = DataProduct(target=target, product_id=product_id, data_product_type=data_product_type,
                          extra_data=extra_data or "", sha256=digest,
                          uploaded_by=user if user and user.is_authenticated else None)
    try:
        with transaction.atomic():
            product.data.save(upload.name, upload, save=False)
            product.save()
            try:
                datums = run_processor(product)
            except ProcessingError as exc:
                raise ValidationError({"data": f"{product.filename}: {exc}"}) from None
            saved = save_datums(target, datums, origin=origin, user=user, received_from=received_from,
                                data_product=product)
    except BaseException:
        if product.data.name:
            product.data.storage.delete(product.data.name)
        raise
    return UploadResult(product, saved)


def delete_data_product(product: DataProduct) -> None:
    """Delete a product, its datums, and its file (after the transaction commits)."""
    name, storage = product.data.name, product.data.storage
    with transaction.atomic():
        product.delete()
        transaction.on_commit(lambda: storage.delete(name))
