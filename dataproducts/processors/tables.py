"""Reading tables with astropy and finding columns by their usual names."""
from __future__ import annotations

import warnings

import numpy as np
from astropy.table import Table

from ..services import ProcessingError


def read_table(path: str) -> Table:
    """CSV, ECSV, FITS tables, or any delimited text astropy can guess."""
    name = path.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if name.endswith(".ecsv"):
                return Table.read(path, format="ascii.ecsv")
            if name.endswith((".fits", ".fit", ".fts", ".fits.gz")):
                return Table.read(path, format="fits")
            if name.endswith(".csv"):
                return Table.read(path, format="ascii.csv", fast_reader={"exponent_style": "E"})
            return Table.read(path, format="ascii", guess=True)
        except Exception as exc:  # astropy raises many kinds for unreadable files
            raise ProcessingError(f"cannot be read as a table ({type(exc).__name__}: {exc}).") from None


def find_column(table: Table, names: tuple[str, ...]) -> str | None:
    """The table's column whose lower-cased name is the first of ``names`` present."""
    lowered = {c.lower().strip(): c for c in table.colnames}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def float_column(table: Table, column: str) -> np.ndarray:
    """The column as floats with NaN for empty cells; a non-number names its row."""
    data = table[column]
    mask = np.ma.getmaskarray(data)
    try:
        values = np.ma.filled(np.ma.asarray(data).astype(float), np.nan)
    except (TypeError, ValueError):
        for row, (value, masked) in enumerate(zip(data, mask), start=1):
            if masked:
                continue
            text = str(value).strip()
            if text == "":
                continue
            try:
                float(text)
            except ValueError:
                raise ProcessingError(f"row {row}, column {column!r}: {text!r} is not a number.") from None
        values = np.array([np.nan if m or str(v).strip() == "" else float(v) for v, m in zip(data, mask)])
    return values


def text_column(table: Table, column: str | None, length: int, default: str = "") -> list[str]:
    if column is None:
        return [default] * len(table)
    data = table[column]
    raw = data.tolist()
    values = [v.strip() for v in raw] if data.dtype.kind in "US" else [str(v).strip() for v in raw]
    mask = np.ma.getmaskarray(data)
    if mask.any():
        values = ["" if m else v for v, m in zip(values, mask.tolist())]
    if values and max(map(len, values)) > length:
        row = next(i for i, v in enumerate(values, start=1) if len(v) > length)
        raise ProcessingError(f"row {row}, column {column!r}: longer than {length} characters.")
    return values
