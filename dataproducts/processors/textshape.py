"""The shape of a text table (rows, columns, widest values), measured while streaming, before astropy reads it.

Rows and bytes are not enough. astropy keeps a text column as a fixed-width array as wide as its
longest value, so one 10,000-character value in a column of 100,000 rows costs 100,000 × 10,000 × 4
bytes (1.6 MB of CSV took 7.7 GB here). What it will take is rows × the sum over columns of each
column's widest value, and that needs the values split as astropy splits them.

The ``csv`` module splits the way astropy's tokenizer does (a quote is special only at the start of a
value, doubled quotes, values running over several lines, leading blanks skipped), but the delimiter is
astropy's guess. So the table is split once per delimiter that could be it: whitespace always, and each
of ``, \\t | &`` that occurs in its first 64 KiB (astropy's guesses take the header from there), and the
largest answer counts. Each split also counts the records and the most values one holds. Text is read
with the double quote as its only quote character (``tables.read_table`` tells astropy the same), and a
value longer than the ``csv`` module's 131,072 characters is refused outright.
"""
from __future__ import annotations

import csv
import io

from ..services import ProcessingError
from .compressed import CHUNK, decompressed
from .limits import Limits, over_limit

HEAD = 64 * 1024
CANDIDATES = (",", "\t", "|", "&")
# Comment and header lines that are not rows: an ECSV header for a wide table runs to a few hundred.
NON_ROW_LINES = 10_000


def scan_text(path: str, limits: Limits) -> tuple[int, int, int]:
    """Rows (not counting the header line), the most values in a row, and the size in bytes; refuses
    beyond the limits."""
    head, size = _first_pass(path, limits)
    rows = columns = area = 0
    width = 0
    for delimiter in (" ",) + tuple(d for d in CANDIDATES if d.encode() in head):
        split_rows, split_columns, split_width = _split(path, delimiter, limits)
        rows, columns = max(rows, split_rows), max(columns, split_columns)
        if split_rows * split_width > area:
            area, width = split_rows * split_width, split_width
    data_rows = max(rows - 1, 0)  # the header line is a record too
    if data_rows > limits.table_rows:
        raise over_limit(f"the table has {data_rows:,} rows", limits.table_rows, "DATA_PRODUCT_MAX_TABLE_ROWS")
    if rows * columns > limits.table_cells:
        raise over_limit(f"the table has {rows * columns:,} values ({rows:,} rows × {columns:,})",
                         limits.table_cells, "DATA_PRODUCT_MAX_TABLE_CELLS")
    if area > limits.table_bytes:
        raise over_limit(f"read into columns, the table takes {area:,} bytes ({rows:,} rows × {width:,} characters, "
                         "its columns' widest values)", limits.table_bytes, "DATA_PRODUCT_MAX_TABLE_BYTES", " bytes")
    return data_rows, columns, size


def _first_pass(path: str, limits: Limits) -> tuple[bytes, int]:
    """The first 64 KiB and the size; refuses binary data and, cheaply, far too many lines."""
    head = b""
    lines = 0
    most = limits.table_rows + NON_ROW_LINES
    with decompressed(path, limits) as stream:
        while chunk := stream.read(CHUNK):
            if len(head) < HEAD:
                head += chunk[:HEAD - len(head)]
            if b"\0" in chunk:
                raise ProcessingError("is neither FITS nor a text table (it holds NUL bytes).")
            lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            if lines > most:
                raise over_limit(f"the table has more than {most:,} lines", limits.table_rows,
                                 "DATA_PRODUCT_MAX_TABLE_ROWS", " rows")
        return head, stream.count


def _split(path: str, delimiter: str, limits: Limits) -> tuple[int, int, int]:
    """Records, most values in one, and the row width (sum of the columns' widest values, or the longest
    record if larger) when split at ``delimiter``."""
    widths: list[int] = []
    records = longest = 0
    with decompressed(path, limits) as stream:
        text = io.TextIOWrapper(io.BufferedReader(stream, CHUNK), encoding="utf-8", errors="replace", newline=None)
        reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=True,
                            strict=False)
        try:
            for record in reader:
                if not record or record[0].lstrip().startswith("#") or (len(record) == 1 and not record[0].strip()):
                    continue  # comments and blank lines, as astropy skips them
                records += 1
                if records > limits.table_rows + NON_ROW_LINES:
                    break  # the caller refuses it; no need to read on
                lengths = list(map(len, record))
                count = len(lengths)
                if count > len(widths):
                    widths.extend([0] * (count - len(widths)))
                widths[:count] = map(max, widths[:count], lengths)
                longest = max(longest, sum(lengths) + count)
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise ProcessingError(f"line {reader.line_num}: a value is longer than {csv.field_size_limit():,} "
                                      "characters.") from None
            raise ProcessingError(f"line {reader.line_num}: {exc}.") from None
    return records, len(widths), max(sum(widths), longest)
