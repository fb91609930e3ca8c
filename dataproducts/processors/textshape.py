"""The shape of a text table (rows, columns, widest values), measured while streaming, before astropy reads it.

Rows and bytes are not enough. astropy keeps a text column as a fixed-width array as wide as its
longest value, so one 10,000-character value in a column of 100,000 rows costs 100,000 × 10,000 × 4
bytes (1.1 MB of CSV took 7.7 GB here). What it will take is rows × the sum over columns of each
column's widest value, and that needs the values split as astropy splits them.

The ``csv`` module splits the way astropy's tokenizer does (a quote is special only at the start of a
value, doubled quotes, values running over several lines, leading blanks skipped), at the delimiter
astropy will use: a comma for ``.csv``, the header's for ``.ecsv``; for text whose format astropy
guesses, at whitespace and at each of ``, \\t | &`` found in the first 64 KiB (the header line is
there), and the largest answer counts. Each split also counts the records and the most values one
holds. Text is read with the double quote as its only quote character (``tables.read_table`` tells
astropy the same), and a value longer than the ``csv`` module's 131,072 characters is refused outright.

Most tables need none of the ``csv`` module's rules: ASCII without quotes, each line cut at each delimiter.
For those, numpy finds the same records and widths from the bytes (``_split_plain``) in a tenth of the time
(the scan was an eighth of a 100,000-row upload); anything else goes through the ``csv`` module.
"""
from __future__ import annotations

import csv
import io
from itertools import islice, zip_longest

import numpy as np

from .compressed import CHUNK, decompressed
from .errors import ProcessingError
from .limits import MAX_COLUMNS, Limits, over_limit

HEAD = 64 * 1024
CANDIDATES = (",", "\t", "|", "&")
BATCH = 1000  # zip_longest over more records at once gets slower per record (measured)
# Comment and header lines that are not rows: an ECSV header for a wide table runs to a few hundred.
NON_ROW_LINES = 10_000
# The numpy split's arrays grow with a line: longer lines go through the csv module (which refuses values over
# 131,072 characters as it reads).
PLAIN_LINE = 64 * 1024
NEWLINE, CARRIAGE_RETURN, SPACE, QUOTE, HASH = 10, 13, 32, 34, 35


def text_format(path: str) -> str:
    """How astropy is asked to read a text table: "csv", "ecsv", or "guess" (by the name, as uploaders name them)."""
    name = path.lower()
    return "ecsv" if name.endswith(".ecsv") else "csv" if name.endswith(".csv") else "guess"


def delimiters(path: str, head: bytes) -> tuple[str, ...]:
    fmt = text_format(path)
    if fmt == "csv":
        return (",",)
    if fmt == "ecsv":
        return (" ", ",") if b"," in head else (" ",)
    return (" ",) + tuple(d for d in CANDIDATES if d.encode() in head)


def scan_text(path: str, limits: Limits) -> tuple[int, int, int]:
    """Rows (not counting the header line), the most values in a row, and the size in bytes; refuses
    beyond the limits."""
    head, size, longest_line = _first_pass(path, limits)
    rows = columns = 0
    width = longest_line  # fixed-width formats cut lines by position: their columns' widths add up to a line
    for delimiter in delimiters(path, head):
        split_rows, split_columns, split_width = (_split_plain(path, delimiter, limits, longest_line)
                                                  or _split(path, delimiter, limits))
        rows, columns, width = max(rows, split_rows), max(columns, split_columns), max(width, split_width)
    data_rows = max(rows - 1, 0)  # the header line is a record too
    if columns > MAX_COLUMNS:
        raise ProcessingError(f"a row holds {columns:,} values; a table may have at most {MAX_COLUMNS} columns.")
    if data_rows > limits.table_rows:
        raise over_limit(f"the table has {data_rows:,} rows", limits.table_rows, "DATA_PRODUCT_MAX_TABLE_ROWS")
    if data_rows * columns > limits.table_cells:
        raise over_limit(f"the table has {data_rows * columns:,} values ({data_rows:,} rows × {columns:,})",
                         limits.table_cells, "DATA_PRODUCT_MAX_TABLE_CELLS")
    if rows * width > limits.table_bytes:
        raise over_limit(f"read into columns, the table takes {rows * width:,} bytes ({rows:,} rows × {width:,} "
                         "characters, its columns' widest values)", limits.table_bytes,
                         "DATA_PRODUCT_MAX_TABLE_BYTES", " bytes")
    return data_rows, columns, size


def _first_pass(path: str, limits: Limits) -> tuple[bytes, int, int]:
    """The first 64 KiB, the size, and the longest line; refuses binary data and, cheaply, far too many lines."""
    head = b""
    lines = longest = 0
    since = 0  # bytes since the last line break, carried from one chunk to the next
    most = limits.table_rows + NON_ROW_LINES
    with decompressed(path, limits) as stream:
        while chunk := stream.read(CHUNK):
            if len(head) < HEAD:
                head += chunk[:HEAD - len(head)]
            if b"\0" in chunk:
                raise ProcessingError("is neither FITS nor a text table (it holds NUL bytes).")
            breaks = np.flatnonzero((np.frombuffer(chunk, np.uint8) == 10) | (np.frombuffer(chunk, np.uint8) == 13))
            if breaks.size:
                longest = max(longest, since + int(breaks[0]), int(np.diff(breaks).max(initial=0)))
                since = len(chunk) - 1 - int(breaks[-1])
            else:
                since += len(chunk)
            lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            if lines > most:
                raise over_limit(f"the table has more than {most:,} lines", limits.table_rows,
                                 "DATA_PRODUCT_MAX_TABLE_ROWS", " rows")
        return head, stream.count, max(longest, since)


def _is_row(record: list[str]) -> bool:
    """Not a comment, not blank: what astropy makes a row of."""
    return bool(record) and not record[0].lstrip().startswith("#") and (len(record) > 1 or bool(record[0].strip()))


def _split(path: str, delimiter: str, limits: Limits) -> tuple[int, int, int]:
    """Records, the most values in one, and the sum of the columns' widest values, split at ``delimiter``.

    Records go through in batches, column by column (``zip_longest``), which costs a third of a loop per record.
    """
    widths: list[int] = []
    records = 0
    with decompressed(path, limits) as stream:
        text = io.TextIOWrapper(io.BufferedReader(stream, CHUNK), encoding="utf-8", errors="replace", newline=None)
        reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=True,
                            strict=False)
        try:
            while raw := list(islice(reader, BATCH)):
                batch = [record for record in raw if _is_row(record)]
                records += len(batch)
                if max(map(len, batch), default=0) > MAX_COLUMNS:
                    return records, max(map(len, batch)), sum(widths)  # refused by the caller; no need to go on
                for index, column in enumerate(zip_longest(*batch, fillvalue="")):
                    widest = max(map(len, column))
                    if index == len(widths):
                        widths.append(widest)
                    elif widest > widths[index]:
                        widths[index] = widest
                if records > limits.table_rows + NON_ROW_LINES:
                    break  # the caller refuses it; no need to read on
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise ProcessingError(f"line {reader.line_num}: a value is longer than {csv.field_size_limit():,} "
                                      "characters.") from None
            raise ProcessingError(f"line {reader.line_num}: {exc}.") from None
    return records, len(widths), sum(widths)


def _split_plain(path: str, delimiter: str, limits: Limits, longest_line: int) -> tuple[int, int, int] | None:
    """``_split``'s answer from the bytes with numpy, or None for text the ``csv`` module would not split plainly at
    each delimiter and line end (see ``_plain_chunk``), for a space delimiter (runs of blanks are one), and for
    lines over ``PLAIN_LINE`` bytes."""
    if delimiter == " " or longest_line > PLAIN_LINE:
        return None
    widths = np.zeros(0, np.int64)
    records = 0
    carry = b""  # the last line read so far, when a chunk ended inside it
    with decompressed(path, limits) as stream:
        while True:
            chunk = stream.read(CHUNK)
            data = carry + chunk
            if chunk:
                cut = data.rfind(b"\n") + 1
                data, carry = data[:cut], data[cut:]
                if len(carry) > PLAIN_LINE:  # lines cut by lone carriage returns: the csv module's way
                    return None
            elif data and not data.endswith(b"\n"):
                data += b"\n"  # the last line, without its line break
            if data:
                shape = _plain_chunk(np.frombuffer(data, np.uint8), ord(delimiter))
                if shape is None:
                    return None
                rows, chunk_widths = shape
                records += rows
                if len(chunk_widths) > len(widths):
                    widths = np.pad(widths, (0, len(chunk_widths) - len(widths)))
                widths[:len(chunk_widths)] = np.maximum(widths[:len(chunk_widths)], chunk_widths)
                if len(widths) > MAX_COLUMNS or records > limits.table_rows + NON_ROW_LINES:
                    break  # the caller refuses it; no need to read on
            if not chunk:
                break
    return records, len(widths), int(widths.sum())


def _plain_chunk(text: np.ndarray, delimiter: int) -> tuple[int, np.ndarray] | None:
    """Rows (records that are not blank or comments) and each column's widest value in ``text``, whole lines ending
    in a line feed; None unless every value is what the ``csv`` module would make of it by cutting at delimiters
    and line ends: no byte outside ASCII, no double quote, no control character but the line break (carriage
    returns only before a line feed) and the delimiter, and no value starting with a blank (skipped)."""
    if ((text >= 128) | (text == QUOTE)).any():
        return None
    controls = text < SPACE
    controls[(text == NEWLINE) | (text == delimiter)] = False
    returns = np.flatnonzero(text == CARRIAGE_RETURN)
    if returns.size:
        if (text[returns + 1] != NEWLINE).any():
            return None
        controls[returns] = False
    if controls.any():
        return None
    newline = text == NEWLINE
    ends = np.flatnonzero(newline | (text == delimiter))  # where each value ends
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    if (text[starts] == SPACE).any():
        return None
    lengths = ends - starts
    last = newline[ends]  # the value ends its line
    if returns.size:
        lengths -= last & (text[ends - 1] == CARRIAGE_RETURN)
    line_ends = np.flatnonzero(last)  # each line's last value
    firsts = np.empty_like(line_ends)
    firsts[0] = 0
    firsts[1:] = line_ends[:-1] + 1
    counts = line_ends - firsts + 1
    blank = (counts == 1) & (lengths[line_ends] == 0)
    rows = ~blank & (text[starts[firsts]] != HASH)
    line = np.repeat(np.arange(len(line_ends)), counts)
    keep = rows[line]
    widths = np.zeros(int(counts[rows].max(initial=0)), np.int64)
    np.maximum.at(widths, (np.arange(len(ends)) - firsts[line])[keep], lengths[keep])
    return int(rows.sum()), widths
