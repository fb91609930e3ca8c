"""Data products (their files copied and checksummed) and reduced data (every datum table of both generations).

Files are copied from the TOM Toolkit's media folder into our storage with their SHA-256; the same file of
the same target is kept once here (a database constraint), which is also how a second import recognises
it. The file is not processed again: the TOM Toolkit's datums of that product are imported as they are and
linked to the copy (its processors may differ from ours, and reading the file again would store its points
twice or differently). A product whose file is missing is reported; its datums still come, unlinked.

Datums go through ``dataproducts.services.save_datums_many``, the one way datums are stored here: the same
fingerprints (so a datum already here, or repeated there, is stored once), the same provenance (an Ingest
with origin "import") and continuous-sharing announcements. Where they come from:
- 2.x: one table, ``tom_dataproducts_reduceddatum``, the values as JSON (``magnitude``/``error``/``filter``...);
- 3.x: typed tables for photometry, spectroscopy and astrometry, and the old table for other types (and for
  rows of a TOM upgraded from 2.x without running ``migrate_reduced_datums``).
Every row but the typed photometry goes through ``dataproducts.datums.parse_datum``, the API's reading of
both generations' keys. Typed photometry columns already have our canonical names, so a million of them are
checked as columns (``checked_column``: the same rules) instead of as a million dicts; a chunk with a bad
value is read row by row to name it. 3.x's ``reduction_version`` is kept in the datum's value. Types other
than photometry and spectroscopy (astrometry, a project's own) are stored like the API stores them: values
as JSON, listed by the API and exports, not drawn.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.core.files import File

from core.gcpause import gc_paused
from dataproducts.datums import DatumColumns, DatumError, checked_column, parse_datum
from dataproducts.models import DataProduct, Origin, data_product_path, data_product_types
from dataproducts.services import save_datums_many

from .report import CHANGED, NOT_MAPPED, SKIPPED
from .run import ImportRun
from .source import GENERIC_DATUM_TABLE, TYPED_DATUM_TABLES, as_datetime, as_json
from .targets import has_nul

PRODUCT_TABLE = "tom_dataproducts_dataproduct"
PRODUCT_COLUMNS = ("id", "target_id", "product_id", "data", "extra_data", "data_product_type", "featured", "created",
                   "observation_record_id", "thumbnail")
COMMON = ("id", "target_id", "data_product_id", "timestamp", "value", "source_name", "source_location", "telescope",
          "instrument", "reduction_version")
TYPED = {  # the typed tables' own columns (the TOM Toolkit's names)
    "photometry": ("brightness", "brightness_error", "limit", "unit", "bandpass", "exposure_time"),
    "spectroscopy": ("flux", "wavelength", "error", "flux_unit", "wavelength_unit", "setup", "exposure_time"),
    "astrometry": ("ra", "dec", "ra_error", "dec_error", "ra_error_units", "dec_error_units"),
}
# Typed spectroscopy columns -> keys of the spectrum value parse_datum reads.
SPECTRUM_KEYS = {"flux_unit": "flux_units", "wavelength_unit": "wavelength_units"}
DRAWN_TYPES = ("photometry", "spectroscopy")
FIRST_TIME, LAST_TIME = np.datetime64("0001-01-01T00:00:00", "us"), np.datetime64("9999-12-31T23:59:59.999999", "us")
PHOTOMETRY_TEXT = ("bandpass", "unit", "telescope", "instrument", "source_name", "source_location")
PHOTOMETRY_FLOATS = ("brightness", "brightness_error", "limit", "exposure_time")


# Data products

def import_data_products(run: ImportRun) -> None:
    source, report = run.source, run.report
    if not source.has(PRODUCT_TABLE):
        return
    run.read_tables.add(PRODUCT_TABLE)
    columns = [c for c in PRODUCT_COLUMNS if source.has(PRODUCT_TABLE, c)]
    rows = [dict(zip(columns, row)) for row in source.select(PRODUCT_TABLE, columns)]
    known_types = data_product_types()
    other_types: Counter = Counter()
    observed = thumbnails = 0
    made_here: set[int] = set()
    run.progress.start("data products", len(rows))
    for row in rows:
        run.progress.advance(1)
        product = _import_product(run, row, made_here)
        if product is not None:
            observed += row.get("observation_record_id") is not None
            thumbnails += bool(row.get("thumbnail"))
            if product.data_product_type not in known_types:
                other_types[product.data_product_type] += 1
    for kind, n in sorted(other_types.items()):
        report.note(CHANGED, f"{n:,} data product(s) of type {kind!r}, not in this TOM's DATA_PRODUCT_TYPES: "
                             "imported with their type (add it to DATA_PRODUCT_TYPES to upload more)")
    if observed:
        report.note(NOT_MAPPED, f"the observation record of {observed:,} data product(s) (observation records "
                                "are not imported; the products are)")
    if thumbnails:
        report.note(NOT_MAPPED, f"thumbnails of {thumbnails:,} data product(s) (images made from the files)")


def _import_product(run: ImportRun, row: dict, made_here: set[int]) -> DataProduct | None:
    report = run.report
    target = run.targets.get(row["target_id"])
    if target is None:
        report.count("data products", skipped=1)  # its target was skipped, and named
        return None
    name = row.get("data") or ""
    label = f"data product {os.path.basename(name) or row['id']!r} of target {target.name!r}"
    if has_nul(name, row.get("product_id"), row.get("extra_data"), row.get("data_product_type")):
        path, problem = None, "a field has a NUL character"
    else:
        path, problem = _file_of(run, name)
    if path is None:
        report.note(SKIPPED, f"{label}: {problem}; its datums are imported without it")
        report.count("data products", skipped=1)
        return None
    digest = _sha256(path)
    existing = DataProduct.objects.filter(target=target, sha256=digest).first()
    if existing is not None:
        if existing.pk in made_here:
            report.note(CHANGED, f"{label}: the same file as another of its products; kept once")
        run.products[row["id"]] = existing
        report.count("data products", existing=1)
        return existing
    product_id = (row.get("product_id") or "").strip() or None
    if product_id and (len(product_id) > 255 or DataProduct.objects.filter(product_id=product_id).exists()):
        report.note(CHANGED, f"{label}: its product_id {product_id[:60]!r} already names another data product "
                             "here; imported without one")
        product_id = None
    product = DataProduct(target=target, product_id=product_id, data_product_type=(row.get("data_product_type")
                          or "")[:50], extra_data=row.get("extra_data") or "", featured=bool(row.get("featured")),
                          sha256=digest)
    basename = os.path.basename(name)
    if run.dry_run:  # the row, so that datums link to it as they would; no file is written
        product.data.name = data_product_path(product, basename)
    else:
        with open(path, "rb") as handle:
            product.data.save(basename, File(handle, name=basename), save=False)
        run.written_files.append((product.data.storage, product.data.name))
    product.save()
    created = as_datetime(row.get("created"))
    if created is not None:
        DataProduct.objects.filter(pk=product.pk).update(created=created)
    made_here.add(product.pk)
    run.products[row["id"]] = product
    report.count("data products", new=1)
    return product


def _file_of(run: ImportRun, name: str) -> tuple[Path | None, str]:
    """The product's file under the media folder; never a path that leads out of it (a hostile database)."""
    if not name:
        return None, "it has no file"
    if run.media_root is None:
        return None, "no media folder was given (--media-root), so its file cannot be copied"
    root = run.media_root.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        return None, f"its file path {name[:80]!r} leads outside the media folder"
    if not path.is_file():
        return None, f"its file {name[:80]!r} is not in the media folder"
    return path, ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# Reduced data

def import_datums(run: ImportRun) -> None:
    source = run.source
    tables = [(GENERIC_DATUM_TABLE, None)] + [(TYPED_DATUM_TABLES[t], t) for t in TYPED]
    tables = [(table, data_type) for table, data_type in tables if source.has(table)]
    run.progress.start("datums", sum(source.count(table) for table, _ in tables))
    repeated: Counter = Counter()  # our target -> datums that repeated another of the same target there
    other_types: Counter = Counter()  # data type -> new datums of types we store but do not draw
    for table, data_type in tables:
        run.read_tables.add(table)
        reader = DatumTable(run, table, data_type, repeated, other_types)
        for chunk in source.select_chunks(table, reader.columns, size=run.chunk_size):
            with gc_paused():
                reader.store(chunk)
            run.progress.advance(len(chunk))
        reader.report_unlinked()
    for target, n in sorted(repeated.items(), key=lambda item: item[0].name):
        run.report.note(CHANGED, f"target {target.name!r}: {n:,} datum(s) repeated another (same type, time, "
                                 "values, telescope, instrument and source): stored once")
    for data_type, n in sorted(other_types.items()):
        run.report.note(CHANGED, f"{n:,} datum(s) of type {data_type!r}: stored with their values as JSON, as the "
                                 "API stores them (listed by the API and exports; no page draws them)")


class DatumTable:
    """One of the TOM Toolkit's datum tables, read chunk by chunk into ``save_datums_many``."""

    def __init__(self, run: ImportRun, table: str, data_type: str | None, repeated: Counter, other_types: Counter):
        self.run = run
        self.table = table
        self.data_type = data_type  # None: the generic table, whose rows say their type
        own = TYPED[data_type] if data_type else ("data_type",)
        self.columns = [c for c in (*COMMON, *own) if run.source.has(table, c)]
        self.at = {c: i for i, c in enumerate(self.columns)}
        self.repeated = repeated
        self.other_types = other_types
        self.unlinked = 0

    def store(self, chunk: list[tuple]) -> None:
        target_at, product_at = self.at["target_id"], self.at["data_product_id"]
        groups: dict[tuple, list[tuple]] = {}  # (TOM Toolkit product id, target id) -> rows, in order
        for row in chunk:
            key = (row[product_at], row[target_at])
            if key in groups:
                groups[key].append(row)
            else:
                groups[key] = [row]
        plain, with_products = [], []
        for (product_id, target_id), rows in groups.items():
            target = self.run.targets.get(target_id)
            if target is None:
                self.run.report.count("datums", skipped=len(rows))  # its target was skipped (named there)
                continue
            product = self.run.products.get(product_id) if product_id is not None else None
            if product is not None and product.target_id != target.pk:
                product = None
            if product is None and product_id is not None:
                self.unlinked += len(rows)
            columns = self._columns(target, rows)
            if len(columns):
                (with_products if product else plain).append((target, product, columns))
        if plain:
            self._save([(t, c) for t, _, c in plain], None)
        for target, product, columns in with_products:
            self._save([(target, columns)], product)

    def _save(self, batches: list, product: DataProduct | None) -> None:
        results = save_datums_many(batches, origin=Origin.IMPORT, data_product=product)
        for (_, columns), result in zip(batches, results):
            self.run.report.count("datums", new=result.created, existing=result.existing)
            if result.existing and result.target.pk in self.run.created_targets:
                self.repeated[result.target] += result.existing
            if self.data_type != "photometry":
                self.other_types.update(t for t, status in zip(columns.data_type, result.statuses)
                                        if status == "created" and t not in DRAWN_TYPES)

    def _columns(self, target, rows: list[tuple]) -> DatumColumns:
        if self.data_type == "photometry":
            try:
                return self._photometry_columns(rows)
            except (DatumError, ValueError, TypeError):
                pass  # read row by row below, to name the bad rows and keep the good ones
        datums = []
        for row in rows:
            try:
                datums.append(parse_datum(self._raw(row)))
            except (DatumError, ValueError, TypeError) as exc:
                self.run.report.note(SKIPPED, f"datum {row[self.at['id']]} of {self.table} (target "
                                              f"{target.name!r}): {exc}")
                self.run.report.count("datums", skipped=1)
        return DatumColumns.from_dicts(datums)

    def _get(self, row: tuple, column: str):
        index = self.at.get(column)
        return None if index is None else row[index]

    def _value(self, row: tuple) -> dict:
        """The row's JSON value, with its reduction version (3.x) kept in it."""
        raw = self._get(row, "value")
        value = as_json(raw)
        if isinstance(raw, str) and ("\x00" in raw or "\\u0000" in raw) and _has_nul(value):
            raise DatumError("value", "contains a NUL character.")
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise DatumError("value", "must be an object.")
        version = self._get(row, "reduction_version")
        return {**value, "reduction_version": version} if version else value

    def _raw(self, row: tuple) -> dict:
        """The row as the API would receive it: parse_datum's input."""
        get = self._get
        value = self._value(row)
        raw = {"data_type": self.data_type or get(row, "data_type"), "timestamp": get(row, "timestamp"),
               "source_name": get(row, "source_name"), "source_location": get(row, "source_location")}
        for column in ("telescope", "instrument"):
            if get(row, column) and column not in value:
                value[column] = get(row, column)
        if self.data_type:
            typed = {SPECTRUM_KEYS.get(c, c): get(row, c) for c in TYPED[self.data_type]}
            for column in ("flux", "wavelength", "error"):
                if column in typed:
                    typed[column] = as_json(typed[column])
            value = {**value, **{k: v for k, v in typed.items() if v is not None and v != ""}}
        return {**raw, "value": value}

    def _photometry_columns(self, rows: list[tuple]) -> DatumColumns:
        """Typed photometry rows as columns, checked as parse_datum checks each value."""
        n = len(rows)
        columns = list(zip(*rows))

        def column(name: str):
            index = self.at.get(name)
            return columns[index] if index is not None else (None,) * n

        versions = column("reduction_version")
        values = [{} if (not raw or raw == "{}") and not version else self._value(row)
                  for raw, version, row in zip(column("value"), versions, rows)]
        return DatumColumns(
            data_type=["photometry"] * n, times=_times(column("timestamp")), value=values,
            **{name: checked_column(name, column(name)) for name in (*PHOTOMETRY_TEXT, *PHOTOMETRY_FLOATS)},
        )

    def report_unlinked(self) -> None:
        if self.unlinked:
            self.run.report.note(CHANGED, f"{self.unlinked:,} datum(s) of {self.table} belonged to a data product "
                                          "that was not imported (listed above): imported without it")


def _times(values) -> np.ndarray:
    """UTC times as datetime64[us]: Django's SQLite text in one numpy call, PostgreSQL's datetimes one by one."""
    if values and values[0].__class__ is str:
        times = np.array(values, dtype="datetime64[us]")
    else:
        utc = UTC
        times = np.array([v.astimezone(utc).replace(tzinfo=None) if v.tzinfo else v for v in values],
                         dtype="datetime64[us]") if all(isinstance(v, datetime) for v in values) else None
        if times is None:
            raise DatumError("timestamp", "is not a date and time.")
    if np.isnat(times).any() or times.min() < FIRST_TIME or times.max() > LAST_TIME:
        raise DatumError("timestamp", "is not a date and time between the years 1 and 9999.")
    return times


def _has_nul(value) -> bool:
    """A NUL character anywhere in a decoded JSON value (PostgreSQL's jsonb refuses it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
