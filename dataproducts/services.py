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
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, groupby, repeat
from typing import Iterator, Sequence

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone as dj_timezone

from core.gcpause import gc_paused
from targets.models import Target

from . import files, provenance
from .datums import DatumColumns, DatumError, fingerprints, iso_times
from .models import DataProduct, Ingest, Origin, ReducedDatum, data_product_types
from .pgcopy import copy_insert
from .processors import run_processor
from .processors.errors import ProcessingError
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
    ingest: Ingest | None = None  # may be shared with other targets saved in the same call
    target: Target | None = None
    # (all the call's (target id, fingerprint) keys, first, last): this result's share, read only when asked
    _keys: tuple[list, int, int] = ([], 0, 0)

    @property
    def fingerprints(self) -> list[int]:
        """``fingerprints[i]`` identifies the i-th datum given (what ``ReducedDatum.fingerprint`` holds)."""
        keys, first, last = self._keys
        return [fp for _, fp in keys[first:last]]

    @classmethod
    def combined(cls, results: Sequence["SaveResult"]) -> "SaveResult":
        """Several saves of one target as one result (statuses in order; the first ingest that holds new datums)."""
        merged = cls(target=results[0].target if results else None)
        for result in results:
            merged.statuses += result.statuses
            merged.ingest = merged.ingest or result.ingest
        return merged

    @property
    def created(self) -> int:
        return self.statuses.count("created")

    @property
    def existing(self) -> int:
        return len(self.statuses) - self.created

    def created_datums(self):
        if self.ingest is None:
            return ReducedDatum.objects.none()
        return self.ingest.reduced_data.filter(target=self.target) if self.target else self.ingest.reduced_data.all()


def _database_times(times: np.ndarray, iso: list[str]) -> list:
    """UTC times (``iso`` holds them as 'YYYY-MM-DDTHH:MM:SS.ffffff') as the ORM would send them to this database."""
    if connection.vendor == "sqlite":
        # Django's SQLite backend stores str(naive UTC datetime): no ".000000" when the microseconds are 0.
        return [f"{t[:10]} {t[11:19]}" if t.endswith(".000000") else f"{t[:10]} {t[11:]}" for t in iso]
    # PostgreSQL: the rows go in by COPY, whose text format the server parses (a datetime object per row cost
    # more to make than the whole row's COPY).
    return [f"{t}+00:00" for t in iso]


@lru_cache(maxsize=4)
def _insert_sql(vendor: str = "") -> str:
    table = connection.ops.quote_name(ReducedDatum._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    placeholders = ", ".join(["%s"] * len(INSERT_COLUMNS))
    return (f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({connection.ops.quote_name('target_id')}, {connection.ops.quote_name('fingerprint')}) DO NOTHING")


@lru_cache(maxsize=4)
def _ingest_sql(vendor: str) -> str:
    table = connection.ops.quote_name(Ingest._meta.db_table)
    names = ("origin", "user_id", "received_from", "claimed_tom_id", "stream_message", "data_product_id", "created")
    columns = ", ".join(connection.ops.quote_name(c) for c in names)
    placeholders = ", ".join(["%s"] * len(names))
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {connection.ops.quote_name('id')}"


def _new_ingest(origin: str, user, received_from: str, claimed_tom_id: uuid.UUID | None, stream_message: str,
                data_product) -> Ingest:
    """One Ingest row by a plain INSERT ... RETURNING: the ORM's create() cost more than the datums of a small
    stream message (readstreams stores one batch per message)."""
    now = dj_timezone.now()
    tom_id_field = Ingest._meta.get_field("claimed_tom_id")
    with connection.cursor() as cursor:
        cursor.execute(_ingest_sql(connection.vendor), [
            origin, user.pk if user is not None else None, received_from,
            tom_id_field.get_db_prep_value(claimed_tom_id, connection), stream_message,
            data_product.pk if data_product is not None else None,
            connection.ops.adapt_datetimefield_value(now)])
        pk = cursor.fetchone()[0]
    ingest = Ingest(pk=pk, origin=origin, user=user, received_from=received_from, claimed_tom_id=claimed_tom_id,
                    stream_message=stream_message, data_product=data_product, created=now)
    ingest._state.adding = False
    ingest._state.db = connection.alias
    return ingest


def save_datums(target: Target, datums: Sequence[dict] | DatumColumns, *, origin: str, user=None,
                received_from: str = "", claimed_tom_id: uuid.UUID | None = None, stream_message: str = "",
                data_product: DataProduct | None = None, default_source: str = "",
                savepoint: bool = True) -> SaveResult:
    """Store datums for one target, all or nothing: canonical dicts (``datums.parse_datum``'s) or columns.

    A bad datum raises ``ValidationError`` naming its row (1-based) and field;
    nothing is written then. Duplicates (already stored, or repeated in
    ``datums``) are skipped by the database's unique constraint. ``savepoint=False`` is for a caller whose
    own transaction is rolled back whole on any error (readstreams' batch): two statements fewer per call.
    ``received_from`` and ``claimed_tom_id`` are what a sending TOM said it is (name, id), recorded on the Ingest.
    """
    return save_datums_many([(target, datums)], origin=origin, user=user, received_from=received_from,
                            claimed_tom_id=claimed_tom_id, stream_message=stream_message, data_product=data_product,
                            default_source=default_source, savepoint=savepoint)[0]


def save_datums_many(batches: Sequence[tuple[Target, Sequence[dict] | DatumColumns]], *, origin: str, user=None,
                     received_from: str = "", claimed_tom_id: uuid.UUID | None = None, stream_message: str = "",
                     data_product: DataProduct | None = None, default_source: str = "",
                     savepoint: bool = True) -> list[SaveResult]:
    """``save_datums`` for several targets at once: one Ingest, one INSERT statement, one result per target.

    What readstreams needs: a batch of stream messages is about many targets, and per-call costs (the
    Ingest row, the statement, the savepoint) were most of the time of a 10-row message. Each target with
    new datums still gets its own ``datums_created`` after commit.
    """
    targets = [target for target, _ in batches]
    columns, sizes = _columns_of([datums for _, datums in batches])
    results = [SaveResult(target=target) for target in targets]
    if not len(columns):
        return results
    if origin in (Origin.UPLOAD, Origin.MANUAL):
        # Data made here are "from" this TOM: stamped so, a copy shared out and echoed back (a peer keeps
        # source_name as sent) is recognised as the same datum instead of stored twice.
        columns.source_name = _or_default(columns.source_name, settings.TOM_NAME[:100])
    elif default_source:
        # Rows that came in without a source (a data product's, through the API) are stamped like the API's
        # single datums (the sending TOM, else the account): a file and the same points shared one by one match.
        columns.source_name = _or_default(columns.source_name, default_source[:100])
    owners = list(chain.from_iterable(repeat(target.pk, size) for target, size in zip(targets, sizes)))
    keys: list[tuple[int, int]] = []  # (target id, fingerprint) of every datum given, filled as rows are made
    distinct: set[tuple[int, int]] = set()
    with transaction.atomic(savepoint=savepoint):
        ingest = _new_ingest(origin, user if user and user.is_authenticated else None, received_from[:200],
                             claimed_tom_id, stream_message[:200], data_product)
        _hold(targets, sizes, data_product)
        chunks = _row_chunks(columns, owners, data_product.pk if data_product else None, ingest.pk, keys, distinct)
        if connection.vendor == "postgresql":  # COPY: what PostgreSQL is fastest at (pgcopy's docstring)
            inserted = copy_insert(ReducedDatum._meta.db_table, INSERT_COLUMNS, ("target_id", "fingerprint"), chunks)
        else:
            inserted = 0
            sql = _insert_sql(connection.vendor)
            with connection.cursor() as cursor:
                for rows in chunks:
                    cursor.executemany(sql, rows)
                    inserted += max(cursor.rowcount, 0)
        if inserted == len(distinct):
            new = distinct  # every distinct datum was new: no need to ask which
        else:
            new = set(ReducedDatum.objects.filter(ingest=ingest).values_list("target_id", "fingerprint"))
        all_created = new is distinct and len(distinct) == len(keys)
        seen = set()
        offset = 0
        for result, target, size in zip(results, targets, sizes):
            result._keys = (keys, offset, offset + size)
            if all_created:  # the usual case (new data, none repeated): no need to look at each key
                result.statuses = ["created"] * size
                created = size
            else:
                created = 0
                for key in keys[offset:offset + size]:
                    is_new = key in new and key not in seen
                    result.statuses.append("created" if is_new else "existing")
                    created += is_new
                    seen.add(key)
            offset += size
            if created:
                result.ingest = ingest
                _announce(target, ingest, created)
        if not new:
            ingest.delete()
    return results


def _or_default(names: list[str], default: str) -> list[str]:
    return [name or default for name in names]


def _row_chunks(columns: DatumColumns, owners: list[int], product: int | None, ingest: int,
                keys: list[tuple[int, int]], distinct: set[tuple[int, int]]) -> Iterator[list[tuple]]:
    """The insert's rows, ``CHUNK`` at a time, made as the database takes them; ``keys`` and ``distinct`` grow as
    they go (every datum's key; the keys sent).

    Made lazily so that PostgreSQL writes one chunk (its table and five indexes: the larger part of an upload's
    time) while the next chunk's fingerprints and rows are computed here: ``pgcopy`` sends from another thread.
    A datum repeated within the call (or within the chunks before) is sent once.
    """
    for start in range(0, len(owners), CHUNK):
        stop = start + CHUNK
        part, part_owners = columns.part(start, stop), owners[start:stop]
        part_iso = iso_times(part.times)
        fps = fingerprints(part, part_iso)
        chunk_keys = list(zip(part_owners, fps))
        keys += chunk_keys
        values = [json.dumps(v, cls=DjangoJSONEncoder) if v else "{}" for v in part.value]
        rows = zip(
            part_owners, repeat(product), part.data_type, _database_times(part.times, part_iso), values,
            part.source_name, part.source_location, part.bandpass, part.brightness, part.brightness_error,
            part.limit, part.unit, part.telescope, part.instrument, part.exposure_time, repeat(ingest), fps,
        )
        fresh = set(chunk_keys)
        if len(fresh) == len(chunk_keys) and distinct.isdisjoint(fresh):
            distinct |= fresh
            yield list(rows)
            continue
        unsent = []
        for row, key in zip(rows, chunk_keys):
            if key not in distinct:
                distinct.add(key)
                unsent.append(row)
        yield unsent


def _hold(targets: Sequence[Target], sizes: Sequence[int], data_product: DataProduct | None) -> None:
    """What the datum table's foreign-key constraints checked (``ReducedDatum``'s comment says why it has none):
    the targets that get datums, and the product, still exist, and cannot be deleted before this transaction
    ends. One statement per table, with the lock PostgreSQL's own check takes (``FOR KEY SHARE``: it does not
    block an edit of the target, only its deletion); SQLite has one writer at a time, and a delete committed
    after this transaction read makes its insert fail."""
    wanted = sorted({target.pk for target, size in zip(targets, sizes) if size})
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        found: set[int] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start:start + CHUNK]
            cursor.execute(f"SELECT {quote('id')} FROM {quote(Target._meta.db_table)} "
                           f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(chunk))}){lock}", chunk)
            found.update(row[0] for row in cursor.fetchall())
        if data_product is not None:
            cursor.execute(f"SELECT 1 FROM {quote(DataProduct._meta.db_table)} WHERE {quote('id')} = %s{lock}",
                           [data_product.pk])
            if cursor.fetchone() is None:
                raise ValidationError({"data_product": [f"Data product {data_product.pk} no longer exists."]})
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({"target": [f"Target {missing[0]} no longer exists"
                                          + (f" (nor {len(missing) - 1} more)." if len(missing) > 1 else ".")]})


def _columns_of(batches) -> tuple[DatumColumns, list[int]]:
    """All batches' datums as one set of columns, and each batch's size; a bad datum is named by its batch row."""
    batches = [b if isinstance(b, DatumColumns) else list(b) for b in batches]
    parts = []
    for are_columns, run in groupby(batches, key=lambda b: isinstance(b, DatumColumns)):
        run = list(run)
        parts += run if are_columns else [_from_dicts(run)]  # consecutive lists of dicts: one conversion
    if not parts:
        return DatumColumns.from_dicts([]), []
    return DatumColumns.concatenate(parts), [len(b) for b in batches]


def _from_dicts(groups: list[list[dict]]) -> DatumColumns:
    try:
        return DatumColumns.from_dicts([d for group in groups for d in group])
    except DatumError as exc:
        row = exc.row
        for group in groups:  # the row number within the caller's own list
            if row is None or row <= len(group):
                break
            row -= len(group)
        raise ValidationError(str(DatumError(exc.field, exc.message, row=row))) from None


def _announce(target: Target, ingest: Ingest, count: int) -> None:
    transaction.on_commit(lambda: datums_created.send(sender=ReducedDatum, target=target, ingest=ingest, count=count))


# Data products

def check_upload_size(upload) -> None:
    """Refuse a file over ``DATA_PRODUCT_MAX_BYTES`` before anything reads it (the form, the API, any caller)."""
    limit = settings.DATA_PRODUCT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        size = "of unknown size" if upload.size is None else f"{upload.size:,} bytes"
        raise ValidationError({"file": [f"The file is {size}; this TOM accepts files of at most {limit:,} bytes "
                                        "(DATA_PRODUCT_MAX_BYTES)."]})


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
                        extra_data: str = "", origin: str = "upload", received_from: str = "",
                        claimed_tom_id: uuid.UUID | None = None, default_source: str = "") -> UploadResult:
    """Keep the file, run its processor, store its datums: all of it, or nothing (not even the file).

    A file over ``DATA_PRODUCT_MAX_BYTES`` is refused before it is read or saved; the processor checks
    what the file declares before reading its data (``processors.bounds``). A run killed outright
    (out of memory, a worker timeout) cannot delete its file: ``manage.py sweep_orphaned_files`` does.

    The same file uploaded again for the same target (same SHA-256), or a known
    ``product_id``, returns the existing product and creates nothing. A processor that writes datums itself
    (``ReducedDatum.objects.bulk_create``, the TOM Toolkit's way) writes them with this upload's provenance, and
    they are counted with the ones it returns.
    """
    check_upload_size(upload)
    if data_product_type not in data_product_types():
        raise ValidationError({"data_product_type": "Unknown type %r; choose one of: %s." % (
            data_product_type, ", ".join(data_product_types()))})
    product_id = (product_id or "").strip() or None
    check_text_lengths(product_id=product_id, extra_data=extra_data)
    digest = sha256_of(upload)
    existing = DataProduct.objects.filter(target=target, sha256=digest).first()
    if existing is None and product_id:
        existing = DataProduct.objects.filter(product_id=product_id).first()
        if existing is not None and existing.target_id != target.pk:
            raise ValidationError({"product_id": product_id_taken(product_id, existing, user)})
    if existing is not None:
        return UploadResult(existing, SaveResult(), already_uploaded=True)
    product = DataProduct(target=target, product_id=product_id, data_product_type=data_product_type,
                          extra_data=extra_data or "", sha256=digest,
                          uploaded_by=user if user and user.is_authenticated else None)
    try:
        with transaction.atomic():
            with files.store_errors("storing the file"):
                product.data.save(upload.name, upload, save=False)
            product.save()
            written = provenance.Provenance(origin, user if user and user.is_authenticated else None,
                                            received_from, claimed_tom_id, default_source=default_source)
            try:
                with gc_paused(), provenance.using(written):
                    datums = run_processor(product)
            except ProcessingError as exc:
                raise ValidationError({"data": f"{product.filename}: {exc}"}) from None
            with gc_paused():
                saved = save_datums(target, datums, origin=origin, user=user, received_from=received_from,
                                    claimed_tom_id=claimed_tom_id, data_product=product,
                                    default_source=default_source)
            if written.results:
                saved = SaveResult.combined([*written.results, saved])
    except BaseException:
        if product.data.name:
            files.delete_file(product.data.storage, product.data.name)
        raise
    return UploadResult(product, saved)


def check_text_lengths(product_id: str | None, extra_data: str | None) -> None:
    """Refuse, naming the field, text longer than its column (PostgreSQL would fail on ``product_id``, SQLite keep
    it) or than ``TEXT_VALUE_MAX_LENGTH`` for the free-text ``extra_data``."""
    limits = {"product_id": (product_id, DataProduct._meta.get_field("product_id").max_length),
              "extra_data": (extra_data, settings.TEXT_VALUE_MAX_LENGTH)}
    errors = {field: f"is {len(text):,} characters long; at most {limit:,} are accepted."
              for field, (text, limit) in limits.items() if text and len(text) > limit}
    if errors:
        raise ValidationError(errors)


def product_id_taken(product_id: str, existing: DataProduct, user) -> str:
    """The refusal of a ``product_id`` another target's product holds: naming that target only to a user who may
    view it (a refusal must not reveal what the caller may not see). "already" stays: senders read it as "exists"."""
    if user is not None and Target.objects.visible_to(user).filter(pk=existing.target_id).exists():
        return f"{product_id!r} already names a data product of target {existing.target.name!r} ({existing.filename})."
    return f"{product_id!r} is already taken by another data product."


def delete_data_product(product: DataProduct) -> None:
    """Delete a product, its datums, and its file (after the transaction commits)."""
    name, storage = product.data.name, product.data.storage
    with transaction.atomic():
        product.delete()
        transaction.on_commit(lambda: files.delete_file(storage, name))
