"""Reading a reduced datum from the shapes it arrives in, and what makes two datums the same.

Senders use two generations of keys for photometry (TOM Toolkit 2.x
``magnitude/error/filter/limit``, 3.x ``brightness/brightness_error/bandpass``)
and files use many column names; ``parse_datum`` turns any of them into one
canonical dict, the only shape ``services.save_datums`` accepts.
"""
from __future__ import annotations

import hashlib
import json
import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
from django.utils.dateparse import parse_datetime

# canonical key: accepted spellings, first match wins (in this order, unlike the TOM Toolkit's sets)
PHOTOMETRY_KEYS: dict[str, tuple[str, ...]] = {
    "brightness": ("brightness", "magnitude", "mag"),
    "brightness_error": ("brightness_error", "error", "magnitude_error", "mag_err", "magerr", "err", "e_mag"),
    "bandpass": ("bandpass", "filter", "band"),
    "limit": ("limit", "limiting_brightness", "limiting_magnitude", "limiting_mag", "lim_mag", "maglim"),
    "unit": ("unit", "brightness_unit"),
    "telescope": ("telescope",),
    "instrument": ("instrument",),
    "exposure_time": ("exposure_time", "exptime"),
}
# alias -> (canonical column, rank): when several spellings are present the lowest rank wins
PHOTOMETRY_ALIASES = {alias: (column, rank) for column, names in PHOTOMETRY_KEYS.items()
                      for rank, alias in enumerate(names)}
FLOAT_COLUMNS = ("brightness", "brightness_error", "limit", "exposure_time")
TEXT_LIMITS = {"bandpass": 32, "unit": 32, "telescope": 255, "instrument": 255, "source_name": 100,
               "source_location": 200, "data_type": 100}
SPECTRUM_KEYS: dict[str, tuple[str, ...]] = {
    "flux": ("flux", "f"),
    "wavelength": ("wavelength", "wave", "wl", "lambda"),
    "error": ("error", "flux_error", "err", "f_error"),
    "flux_units": ("flux_units", "flux_unit", "f_unit", "f_units"),
    "wavelength_units": ("wavelength_units", "wavelength_unit", "w_unit", "w_units", "lambda_unit", "lambda_units"),
}


class DatumError(ValueError):
    """A datum that cannot be stored; ``field`` names the offending key, ``row`` (1-based) the datum when known."""

    def __init__(self, field: str, message: str, row: int | None = None):
        super().__init__((f"Row {row}: " if row else "") + f"{field}: {message}")
        self.field = field
        self.message = message
        self.row = row


def _float(field: str, value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DatumError(field, f"{value!r} is not a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DatumError(field, f"{value!r} is not a number.") from None
    if not math.isfinite(number):
        return None  # NaN marks a missing value in tables
    return number


_SHORTEST_LIMIT = min(TEXT_LIMITS.values())


def _text(field: str, value) -> str:
    # Called for every text field of every datum: the common cases (None, short str) take no lookup.
    if value is None:
        return ""
    text = value.strip() if value.__class__ is str else str(value).strip()
    if len(text) > _SHORTEST_LIMIT:
        limit = TEXT_LIMITS.get(field)
        if limit and len(text) > limit:
            raise DatumError(field, f"is longer than {limit} characters.")
    if "\x00" in text:  # PostgreSQL cannot store it (SQLite can): refused on both
        raise DatumError(field, "contains a NUL character.")
    return text


def checked_column(name: str, values: list) -> list:
    """A whole column of canonical key ``name``, checked and normalised as ``parse_datum`` does each value.

    For readers that already hold datums as columns under the canonical names (the TOM Toolkit importer's
    typed photometry table), at a fraction of the cost of a dict per datum: text stripped and within its
    length, numbers finite or None. A bad value raises ``DatumError`` naming its 1-based row. Text columns
    hold few distinct values (bands, telescopes), so each distinct value is checked once.
    """
    try:
        if name in FLOAT_COLUMNS:
            return [v if v.__class__ is float and math.isfinite(v) else _float(name, v) for v in values]
        checked = {value: _text(name, value) for value in set(values)}
        return [checked[v] for v in values]
    except DatumError:
        check = _float if name in FLOAT_COLUMNS else _text
        for row, value in enumerate(values, start=1):
            try:
                check(name, value)
            except DatumError as exc:
                raise DatumError(name, exc.message, row=row) from None
        raise


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def parse_timestamp(value) -> datetime:
    """An aware UTC datetime from a datetime or ISO 8601 text (naive means UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text)  # fast, and takes "Z" since Python 3.11
        except ValueError:
            try:
                moment = parse_datetime(text.replace(" UTC", "").replace("Z", "+00:00"))
            except ValueError:
                moment = None
        if moment is None:
            raise DatumError("timestamp", f"{value!r} is not an ISO 8601 date and time.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _first(source: dict, names: tuple[str, ...]):
    for name in names:
        if name in source and source[name] is not None and source[name] != "":
            return name, source[name]
    return None, None


def parse_datum(raw: dict) -> dict:
    """A canonical datum from a TOM Toolkit-style dict: keys under ``value`` are lifted, aliases resolved."""
    if not isinstance(raw, dict):
        raise DatumError("value", "a datum must be an object.")
    merged = dict(raw)
    nested = merged.pop("value", None)
    if isinstance(nested, str):
        try:
            nested = json.loads(nested) if nested.strip() else {}
        except ValueError:
            raise DatumError("value", "is not a JSON object.") from None
    if nested is not None and not isinstance(nested, dict):
        raise DatumError("value", "must be an object.")
    merged.update(nested or {})
    data_type = _text("data_type", merged.pop("data_type", "") or "").lower()
    if not data_type:
        raise DatumError("data_type", "is required.")
    datum = {
        "data_type": data_type,
        "timestamp": parse_timestamp(merged.pop("timestamp", None)),
        "source_name": _text("source_name", merged.pop("source_name", "")),
        "source_location": _text("source_location", merged.pop("source_location", "")),
    }
    for ignored in ("target", "data_product", "id", "data_product_id"):
        merged.pop(ignored, None)
    if data_type == "photometry":
        found: dict[str, tuple[int, object]] = {}
        for key in [k for k in merged if k in PHOTOMETRY_ALIASES]:
            column, rank = PHOTOMETRY_ALIASES[key]
            value = merged.pop(key)
            if value is not None and value != "" and (column not in found or rank < found[column][0]):
                found[column] = (rank, value)
        for column in PHOTOMETRY_KEYS:
            if column not in found:  # most of a datum's columns: no call (10,000 datums a bulk request)
                datum[column] = None if column in FLOAT_COLUMNS else ""
                continue
            value = found[column][1]
            datum[column] = _float(column, value) if column in FLOAT_COLUMNS else _text(column, value)
        datum["value"] = merged
    else:
        datum["telescope"] = _text("telescope", merged.pop("telescope", ""))
        datum["instrument"] = _text("instrument", merged.pop("instrument", ""))
        if data_type == "spectroscopy":
            merged = _canonical_spectrum(merged)
        datum["value"] = merged
    return datum


def _canonical_spectrum(value: dict) -> dict:
    # older TOMs sent {"0": {"flux": f, "wavelength": w}, "1": {...}}
    if value and all(k.isdigit() and isinstance(v, dict) for k, v in value.items()):
        points = [value[k] for k in sorted(value, key=int)]
        value = {"flux": [p.get("flux") for p in points], "wavelength": [p.get("wavelength") for p in points]}
    spectrum = {}
    for key, names in SPECTRUM_KEYS.items():
        name, found = _first(value, names)
        for alias in names:
            value.pop(alias, None)
        if found is not None:
            spectrum[key] = found
    if spectrum.get("error") == []:
        del spectrum["error"]  # TOM Toolkit 3.x sends "error": [] for a spectrum without errors
    for key in ("flux", "wavelength", "error"):
        if key in spectrum:
            if not isinstance(spectrum[key], list):
                raise DatumError(key, "must be a list of numbers.")
            try:
                spectrum[key] = [None if v is None else float(v) for v in spectrum[key]]
            except (TypeError, ValueError):
                raise DatumError(key, "must be a list of numbers.") from None
    if "flux" not in spectrum or "wavelength" not in spectrum:
        raise DatumError("flux", "a spectrum needs flux and wavelength lists.")
    if len(spectrum["flux"]) != len(spectrum["wavelength"]):
        raise DatumError("flux", f"has {len(spectrum['flux'])} values but wavelength has {len(spectrum['wavelength'])}.")
    if "error" in spectrum and len(spectrum["error"]) != len(spectrum["flux"]):
        raise DatumError("error", "must have as many values as flux.")
    return {**value, **spectrum}


TEXT_COLUMNS = ("bandpass", "unit", "telescope", "instrument", "source_name", "source_location")


@dataclass
class DatumColumns:
    """Datums as columns: what ``services.save_datums`` stores.

    Processors of large files build this directly (times as one numpy
    ``datetime64[us]`` array in UTC, no per-row datetime objects); datums
    arriving one by one as dicts are turned into it by ``from_dicts``.
    """

    data_type: list[str]
    times: np.ndarray
    bandpass: list[str]
    unit: list[str]
    telescope: list[str]
    instrument: list[str]
    source_name: list[str]
    source_location: list[str]
    brightness: list
    brightness_error: list
    limit: list
    exposure_time: list
    value: list[dict]

    def __len__(self) -> int:
        return len(self.times)

    def part(self, start: int, stop: int) -> "DatumColumns":
        """Datums ``start`` to ``stop`` (the insert takes them a chunk at a time); the whole is itself."""
        if start == 0 and stop >= len(self):
            return self
        return DatumColumns(**{f.name: getattr(self, f.name)[start:stop] for f in dataclasses.fields(self)})

    @classmethod
    def concatenate(cls, parts: list["DatumColumns"]) -> "DatumColumns":
        """One set of columns from several (several targets' datums stored in one statement)."""
        if len(parts) == 1:
            return parts[0]
        merged = {}
        for f in dataclasses.fields(cls):
            columns = [getattr(part, f.name) for part in parts]
            merged[f.name] = (np.concatenate(columns) if f.name == "times"
                              else [item for column in columns for item in column])
        return cls(**merged)

    @classmethod
    def from_dicts(cls, datums) -> "DatumColumns":
        """Columns from canonical dicts (``parse_datum``'s or a processor's); a bad one raises naming its row.

        Column by column, with comprehensions: at 10,000 datums a request this is measurably faster than
        one loop appending to thirteen lists.
        """
        datums = list(datums)
        times = [d.get("timestamp") for d in datums]
        for row, moment in enumerate(times, start=1):
            if not isinstance(moment, datetime) or moment.tzinfo is None:
                raise DatumError("timestamp", "needs a time zone-aware date and time.", row=row)
        data_types = [d.get("data_type") for d in datums]
        for row, data_type in enumerate(data_types, start=1):
            if not data_type or data_type.__class__ is not str:
                raise DatumError("data_type", "is required.", row=row)
        floats = {}
        for name in FLOAT_COLUMNS:
            column = [d.get(name) for d in datums]
            for row, number in enumerate(column, start=1):
                if number is not None and number.__class__ is not float:
                    raise DatumError(name, f"{number!r} is not a number.", row=row)
            floats[name] = column
        return cls(
            # Microseconds since the epoch as integers: numpy's conversion of datetime objects took ten times as
            # long (the largest cost of this method at 10,000 datums).
            times=np.array([(m - _EPOCH) // _MICROSECOND for m in times], dtype=np.int64).astype("datetime64[us]"),
            data_type=data_types,
            value=[d.get("value") or {} for d in datums],
            **{name: [d.get(name) or "" for d in datums] for name in TEXT_COLUMNS},
            **floats,
        )


def iso_times(times: np.ndarray) -> list[str]:
    """UTC times as 'YYYY-MM-DDTHH:MM:SS.ffffff' (always with microseconds: part of the fingerprint)."""
    return np.datetime_as_string(times, unit="us").tolist()


def fingerprints(columns: DatumColumns, iso: list[str] | None = None) -> list[int]:
    """What makes two datums of a target the same datum (see ``ReducedDatum``), as signed 64-bit integers.

    Eight bytes keep the unique index small, so inserts stay fast; two
    different datums of one target collide with a probability of about
    n²/2⁶⁵ (3 in 100 million for a million datums on one target).
    """
    blake = hashlib.blake2b
    result = []
    for data_type, iso, band, brightness, limit, telescope, instrument, source, value in zip(
        columns.data_type, iso if iso is not None else iso_times(columns.times), columns.bandpass, columns.brightness, columns.limit,
        columns.telescope, columns.instrument, columns.source_name, columns.value,
    ):
        if data_type == "photometry":
            text = (f"photometry\x1f{iso}\x1f{band}\x1f{'' if brightness is None else repr(brightness)}\x1f"
                    f"{'' if limit is None else repr(limit)}\x1f{telescope}\x1f{instrument}\x1f{source}")
        else:
            text = "\x1f".join((data_type, iso, telescope, instrument, source,
                                json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)))
        result.append(int.from_bytes(blake(text.encode(), digest_size=8).digest(), "big", signed=True))
    return result


def fingerprint(datum: dict) -> int:
    """The fingerprint of one canonical datum dict."""
    return fingerprints(DatumColumns.from_dicts([datum]))[0]
