"""A target's photometry as streamed CSV or ECSV (astropy reads the ECSV back with its column types).

Text cells (bandpass, unit, telescope, instrument, source name: any peer or stream can set them) go through
``core.spreadsheet.safe_cell``, so a value starting with ``=`` opens as text, not as a formula. The ECSV
gets the same treatment: it is a CSV file with a commented header, which a spreadsheet opens as readily as
astropy does; its string columns keep the ``'`` (astropy reads them back as strings, numbers stay numbers).
"""
from __future__ import annotations

import csv
import io
import json

from core.spreadsheet import safe_row

from .models import ReducedDatum
from .plots import mjd_expression

COLUMNS = [("mjd", "float64"), ("time", "string"), ("bandpass", "string"), ("brightness", "float64"),
           ("brightness_error", "float64"), ("limit", "float64"), ("unit", "string"), ("telescope", "string"),
           ("instrument", "string"), ("source_name", "string")]


def _ecsv_header() -> str:
    lines = ["# %ECSV 1.0", "# ---", "# delimiter: ','", "# datatype:"]
    lines += [f"# - {{name: {name}, datatype: {kind}}}" for name, kind in COLUMNS]
    lines.append("# schema: astropy-2.0")
    return "\n".join(lines) + "\n"


def photometry_rows(target, ecsv: bool = False):
    """The target's photometry, streamed in chunks of 1,000 rows."""
    return _rows(ReducedDatum.objects.filter(target=target, data_type="photometry"), ecsv)


def selection_rows(datums):
    """Any datums (a share's selection): photometry in its columns, other data as JSON in ``value``."""
    return _rows(datums, ecsv=False, with_value=True)


def _rows(datums, ecsv: bool = False, with_value: bool = False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    if ecsv:
        buffer.write(_ecsv_header())
    extra = ("data_type", "value") if with_value else ()
    writer.writerow([name for name, _ in COLUMNS] + list(extra))
    yield flush()
    rows = (
        datums.annotate(mjd=mjd_expression())
        .order_by("timestamp", "id")
        .values_list("mjd", "timestamp", "bandpass", "brightness", "brightness_error", "limit", "unit", "telescope",
                     "instrument", "source_name", *extra)
        .iterator(chunk_size=5000)
    )
    for count, (mjd, timestamp, *rest) in enumerate(rows, start=1):
        if with_value:
            rest[-1] = "" if rest[-2] == "photometry" or rest[-1] is None else json.dumps(rest[-1])
        writer.writerow([f"{mjd:.6f}", timestamp.isoformat(), *safe_row("" if v is None else v for v in rest)])
        if count % 1000 == 0:
            yield flush()
    yield flush()
