"""Photometry tables: any table astropy reads, with the usual column names."""
from __future__ import annotations

import math

import numpy as np

from ..datums import PHOTOMETRY_KEYS, DatumColumns
from . import DataProcessor
from .bounds import inspect
from .errors import ProcessingError
from .tables import find_column, float_column, read_table, text_column
from .times import TIME_NAMES, column_to_mjd, mjd_to_times

COLUMN_NAMES = {
    "brightness": PHOTOMETRY_KEYS["brightness"] + ("m", "flux_mag"),
    "brightness_error": PHOTOMETRY_KEYS["brightness_error"] + ("sigma", "dmag", "emag"),
    "bandpass": PHOTOMETRY_KEYS["bandpass"] + ("passband", "flt", "f"),
    "limit": PHOTOMETRY_KEYS["limit"] + ("upper_limit", "limiting_magnitude_3sigma"),
    "unit": PHOTOMETRY_KEYS["unit"],
    "telescope": PHOTOMETRY_KEYS["telescope"] + ("tel", "facility"),
    "instrument": PHOTOMETRY_KEYS["instrument"] + ("inst",),
    "exposure_time": PHOTOMETRY_KEYS["exposure_time"] + ("exp_time", "exposure"),
    "source_name": ("source", "source_name", "survey"),
}
TEXT_LENGTHS = {"bandpass": 32, "unit": 32, "telescope": 255, "instrument": 255, "source_name": 100}
FLOATS = ("brightness", "brightness_error", "limit", "exposure_time")


class PhotometryProcessor(DataProcessor):
    """One datum per row. A row with no brightness but a limit is a non-detection; one with neither is an error."""

    inspects_file = True

    def process(self, data_product) -> DatumColumns:
        path = data_product.data.path
        table = read_table(path, inspect(path))
        if len(table) == 0:
            raise ProcessingError("the table has no rows.")
        time_column = find_column(table, TIME_NAMES)
        if time_column is None:
            raise ProcessingError(
                "no time column: name one of time, mjd, jd, date_obs (found: %s)." % ", ".join(table.colnames)
            )
        times = mjd_to_times(column_to_mjd(time_column, table[time_column]))
        columns = {key: find_column(table, names) for key, names in COLUMN_NAMES.items()}
        if columns["brightness"] is None and columns["limit"] is None:
            raise ProcessingError("no magnitude or limit column: name one magnitude, mag, brightness or limit.")
        floats = {key: (float_column(table, columns[key]) if columns[key] else None) for key in FLOATS}
        if floats["brightness"] is not None and floats["limit"] is not None:
            missing = np.isnan(floats["brightness"]) & np.isnan(floats["limit"])
        else:
            missing = np.isnan(floats["brightness"] if floats["brightness"] is not None else floats["limit"])
        if missing.any():
            row = int(np.argmax(missing)) + 1
            raise ProcessingError(f"data row {row}: no brightness and no limit.")
        texts = {key: text_column(table, columns[key], length) for key, length in TEXT_LENGTHS.items()}
        used = {c for c in columns.values() if c} | {time_column}
        extra_columns = [c for c in table.colnames if c not in used]
        extras = [self._extras(table, c) for c in extra_columns]
        n = len(table)
        if extra_columns:
            values = [{name: column[i] for name, column in zip(extra_columns, extras) if column[i] is not None}
                      for i in range(n)]
        else:
            values = [{}] * n
        return DatumColumns(
            data_type=["photometry"] * n, times=times, value=values, source_location=[""] * n,
            **{key: _floats(floats[key], n) for key in FLOATS},
            **texts,
        )

    @staticmethod
    def _extras(table, column: str) -> list:
        data = table[column]
        mask = np.ma.getmaskarray(data)
        values = np.ma.filled(data, 0).tolist() if data.dtype.kind in "fiub" else [str(v) for v in data]
        return [None if m or (isinstance(v, float) and not math.isfinite(v)) else v for v, m in zip(values, mask)]


def _floats(values, n: int) -> list:
    """Python floats with None for NaN (what the insert and the fingerprint expect)."""
    if values is None:
        return [None] * n
    return [None if v != v else v for v in values.tolist()]
