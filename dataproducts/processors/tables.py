"""Reading tables with astropy and finding columns by their usual names."""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Iterator

import numpy as np
from astropy.table import Table

from .bounds import FileShape, read_as_fits
from .errors import ProcessingError
from .limits import over_limit
from .textshape import text_format


@contextmanager
def astropy_errors(what: str) -> Iterator[None]:
    """astropy raises many kinds of exception for a damaged file; each becomes a ``ProcessingError``.

    Our own refusals pass through as they are; so does ``MemoryError``, which is not the file's fault
    once ``bounds.inspect`` has checked it, and would be hidden by a message about the file.
    """
    try:
        yield
    except (ProcessingError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - see above
        raise ProcessingError(f"{what} ({type(exc).__name__}: {exc}).") from None


def read_table(path: str, shape: FileShape) -> Table:
    """CSV, ECSV, FITS tables, or any delimited text astropy can guess; ``shape`` is ``bounds.inspect``'s.

    FITS is recognised by content (a file named as FITS must be FITS). Guessed text is read with the
    double quote as its only quote character, as ``textshape`` measured it.
    """
    fits = read_as_fits(path, shape)
    with warnings.catch_warnings(), astropy_errors("cannot be read as a table"):
        warnings.simplefilter("ignore")
        if fits:
            table = Table.read(path, format="fits")
        elif text_format(path) == "ecsv":
            table = Table.read(path, format="ascii.ecsv")
        elif text_format(path) == "csv":
            table = Table.read(path, format="ascii.csv", fast_reader={"exponent_style": "E"})
        else:
            table = Table.read(path, format="ascii", guess=True, quotechar='"')
    if len(table) > shape.limits.table_rows:
        raise over_limit(f"the table has {len(table):,} rows", shape.limits.table_rows, "DATA_PRODUCT_MAX_TABLE_ROWS")
    return table


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
                raise ProcessingError(f"data row {row}, column {column!r}: {text!r} is not a number.") from None
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
        raise ProcessingError(f"data row {row}, column {column!r}: longer than {length} characters.")
    return values
