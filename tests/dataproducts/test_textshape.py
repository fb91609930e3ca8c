"""The numpy split of plain text tables gives exactly what the csv module's split gives, or steps aside."""
from __future__ import annotations

import gzip
import random

import pytest

from dataproducts.processors import textshape
from dataproducts.processors.limits import Limits

LIMITS = Limits(decompressed_bytes=10**8, pixels=10**8, table_rows=10**6, table_cells=10**8, table_bytes=10**9,
                spectrum_points=10**6)
DELIMITERS = (",", "\t", "|", "&")


def plain_value(rng: random.Random, delimiter: str) -> str:
    """A value the csv module keeps as it is: ASCII, no quote, no control character, no blank first."""
    letters = "abcXYZ0123456789.-+e#_ " + "".join(d for d in DELIMITERS if d not in (delimiter, "\t"))
    value = "".join(rng.choice(letters) for _ in range(rng.choice((0, 1, 2, 5, 12))))
    return value.lstrip(" ")


def plain_table(rng: random.Random, delimiter: str) -> bytes:
    """Lines of varying widths, empty values, blank lines, comments, LF or CR LF, maybe no final line break."""
    end = rng.choice(("\n", "\r\n"))
    lines = []
    for _ in range(rng.randrange(0, 40)):
        kind = rng.random()
        if kind < 0.08:
            lines.append("")
        elif kind < 0.15:
            lines.append("#" + plain_value(rng, delimiter))
        else:
            lines.append(delimiter.join(plain_value(rng, delimiter) for _ in range(rng.randrange(1, 7))))
    text = end.join(lines) + (end if rng.random() < 0.8 else "")
    return text.encode()


def split_both(tmp_path, data: bytes, delimiter: str, name: str = "t.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    longest = max((len(line) for line in data.replace(b"\r", b"\n").split(b"\n")), default=0)
    plain = textshape._split_plain(str(path), delimiter, LIMITS, longest)
    return plain, textshape._split(str(path), delimiter, LIMITS)


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])  # chunks that cut lines and values anywhere, and the real one
def test_plain_tables_are_split_by_numpy_exactly_as_the_csv_module_splits_them(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(textshape, "CHUNK", chunk)
    rng = random.Random(chunk)
    for _ in range(150):
        delimiter = rng.choice(DELIMITERS)
        data = plain_table(rng, delimiter)
        plain, by_csv = split_both(tmp_path, data, delimiter)
        assert plain == by_csv, data


@pytest.mark.parametrize("data", [
    b'mjd,filter\n60400.5,"g"\n',  # a quoted value
    b"mjd,filter\n60400.5, g\n",  # a blank the csv module skips
    b" mjd,filter\n60400.5,g\n",  # ... at a line's start
    b"mjd,filter\r60400.5,g\r",  # lines ended by carriage returns alone
    b"mjd,filter\n60400.5,g\r\n60401.5,r\rx\n",  # one carriage return not before a line feed
    "mjd,filter\n60400.5,γ\n".encode(),  # a character outside ASCII (widths count characters, not bytes)
    b"mjd,filter\n\t\n60400.5,g\n",  # a line of a tab: blank to astropy, one value to a byte count
    b"mjd,filter\n60400.5,g\x0c\n",  # another control character
], ids=["quote", "blank after delimiter", "blank at line start", "CR only", "lone CR", "non-ASCII", "tab line",
        "form feed"])
def test_text_the_csv_module_would_split_otherwise_is_left_to_it(tmp_path, data):
    plain, by_csv = split_both(tmp_path, data, ",")
    assert plain is None
    assert textshape.scan_text(str(tmp_path / "t.csv"), LIMITS)[:2] == (by_csv[0] - 1, by_csv[1])


def test_a_typical_photometry_file_takes_the_numpy_split_and_a_compressed_one_too(tmp_path):
    rows = "".join(f"{60400 + i / 7:.5f},{'gri'[i % 3]},{17 + i % 9 / 10:.2f},0.05,,LCO-1m,Sinistro\r\n"
                   for i in range(2000))
    data = ("# ZTF forced photometry\r\nmjd,filter,magnitude,error,limit,telescope,instrument\r\n" + rows).encode()
    plain, by_csv = split_both(tmp_path, data, ",")
    assert plain == by_csv == (2001, 7, len("60400.00000") + 6 + 9 + 5 + 5 + 9 + 10)
    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(data))
    assert textshape._split_plain(str(tmp_path / "t.csv.gz"), ",", LIMITS, 60) == plain


def test_lines_longer_than_the_numpy_split_takes_and_space_delimiters_are_left_to_the_csv_module(tmp_path):
    long_line = b"a," + b"x" * (textshape.PLAIN_LINE + 1) + b"\n"
    assert split_both(tmp_path, long_line, ",")[0] is None
    assert split_both(tmp_path, b"a b\n1 2\n", " ", name="t.txt")[0] is None
