"""FITS headers read card by card, with no data loaded: what each HDU declares, checked against the limits.

Our own reader of the 2880-byte blocks rather than astropy's, because astropy's header parsing is not
bounded (a header with no END card is read to the end of the file, one Card object per 80 bytes) and
reaching the next HDU of a gzipped file means decompressing the data in between, which must be counted
too. Only what sizes depend on is interpreted: BITPIX, NAXISn, PCOUNT/GCOUNT, TFIELDS/TFORMn/TTYPEn,
and for tile-compressed images ZNAXISn/ZBITPIX/ZTILEn/ZCMPTYPE. Everything else is astropy's to read
once the file has passed.
"""
from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from math import prod

from .compressed import CountedStream
from .errors import ProcessingError
from .limits import MAX_COLUMNS, Limits, over_limit

BLOCK = 2880
CARD = 80
# Real headers run to a few thousand cards (long HISTORY); 36,000 cards is far beyond them and still small.
MAX_HEADER_BLOCKS = 1000
# Mosaic cameras write tens of extensions; a thousand is far beyond them, and each HDU costs astropy objects.
MAX_HDUS = 1000
BITPIX_BYTES = {8: 1, 16: 2, 32: 4, 64: 8, -32: 4, -64: 8}
BINARY_FORM = re.compile(r"^\s*(\d*)\s*([LXBIJKAEDCMPQ])\s*([LXBIJKAEDCM]?)")
ASCII_FORM = re.compile(r"^\s*[AIFED]\s*(\d+)")
FORM_BYTES = {"L": 1, "B": 1, "I": 2, "J": 4, "K": 8, "A": 1, "E": 4, "D": 8, "C": 8, "M": 16, "P": 8, "Q": 16}
INTEGER = re.compile(r"^[+-]?\d+$")
# HCOMPRESS_1's decoder (cfitsio's, in astropy) writes as many pixels as the tile's own stream says, into a
# buffer the size of the tile: a stream claiming 4000 × 4000 in a 16 × 16 tile killed Python with SIGSEGV
# here, and 11 of 60 random byte changes to a valid file did too (RICE_1, GZIP_1, PLIO_1: none of 60).
UNSAFE_CODECS = {"HCOMPRESS_1"}


@dataclass
class Hdu:
    """One header-data unit as its header declares it."""

    index: int
    kind: str  # "image", "groups", "table", "compressed image" or "other" (an extension no processor reads)
    cards: dict[str, object]
    shape: tuple[int, ...] = ()  # image axes, NAXIS1 first (ZNAXISn for a tile-compressed image)
    rows: int = 0
    columns: dict[str, int] = field(default_factory=dict)  # table column name -> values per row
    row_bytes: int = 0  # tables: NAXIS1, or what the columns' formats add up to if that is more

    @property
    def pixels(self) -> int:
        return prod(self.shape) if self.shape else 0


def walk_fits(head: bytes, stream: CountedStream, limits: Limits) -> list[Hdu]:
    """Every HDU's header, checked as it is read; the data between them are skipped (or, for gzipped
    tiles, inflated up to their declared size and no further). ``head`` holds the bytes already read."""
    hdus: list[Hdu] = []
    while True:
        index = len(hdus)
        cards = _read_header(stream, head if index == 0 else b"", index)
        if cards is None:
            return hdus
        if index >= MAX_HDUS:
            raise ProcessingError(f"has more than {MAX_HDUS:,} HDUs.")
        hdu, data_bytes = _describe(index, cards)
        _check(hdu, data_bytes, limits)
        if hdu.kind == "compressed image" and _has_gzip_tiles(hdu):
            data = stream.read_exactly(data_bytes)
            _truncated(index, data_bytes, len(data))
            _check_gzip_tiles(hdu, data)
        else:
            _truncated(index, data_bytes, stream.skip(data_bytes))
        stream.skip(-data_bytes % BLOCK)  # the padding; astropy forgives a file that lacks it, and so do we
        hdus.append(hdu)


def _read_header(stream: CountedStream, head: bytes, index: int) -> dict[str, object] | None:
    """The header's keyword values, or None where no further extension starts (the end, or trailing bytes
    astropy also ignores)."""
    block = head + stream.read_exactly(BLOCK - len(head))
    if index > 0 and not block.startswith(b"XTENSION"):
        return None
    cards: dict[str, object] = {}
    for _ in range(MAX_HEADER_BLOCKS):
        if len(block) < BLOCK:
            raise ProcessingError(f"HDU {index}: the header is cut short (the file ends before its END card).")
        for start in range(0, BLOCK, CARD):
            card = block[start:start + CARD].decode("ascii", "replace")
            keyword = card[:8].rstrip()
            if keyword == "END":
                return cards
            if card[8:10] == "= " and keyword not in cards:
                cards[keyword] = _value(card[10:])
        block = stream.read_exactly(BLOCK)
    raise ProcessingError(f"HDU {index}: the header has no END card in its first {MAX_HEADER_BLOCKS * BLOCK // CARD:,} "
                          "cards.")


def _value(text: str) -> object:
    """A card's value: str, bool, int or float; None for what is none of those (astropy will judge it)."""
    text = text.strip()
    if text.startswith("'"):
        chars, position = [], 1
        while position < len(text):
            if text[position] == "'":
                if text[position + 1:position + 2] != "'":
                    break
                position += 1  # '' is a quote inside the string
            chars.append(text[position])
            position += 1
        return "".join(chars).rstrip()
    token = text.split("/", 1)[0].strip()
    if token in ("T", "F"):
        return token == "T"
    if INTEGER.match(token):
        return int(token)
    try:
        return float(token.replace("D", "E").replace("d", "e"))
    except ValueError:
        return None


def _count(cards: dict, keyword: str, index: int, default: int | None = None, maximum: int | None = None) -> int:
    value = cards.get(keyword, default)
    if value is None:
        raise ProcessingError(f"HDU {index}: the header has no {keyword} card.")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (maximum is not None and value > maximum):
        raise ProcessingError(f"HDU {index}: {keyword} = {value!r} is not a valid FITS count.")
    return value


def _bitpix(cards: dict, keyword: str, index: int) -> int:
    value = cards.get(keyword)
    if value not in BITPIX_BYTES or isinstance(value, bool):
        raise ProcessingError(f"HDU {index}: {keyword} = {value!r} is not a FITS data type (8, 16, 32, 64, -32, -64).")
    return value


def _describe(index: int, cards: dict) -> tuple[Hdu, int]:
    """The HDU and the size of its data in bytes (FITS standard 4.4.1: |BITPIX|/8 × GCOUNT × (PCOUNT + axes))."""
    bitpix = _bitpix(cards, "BITPIX", index)
    naxis = _count(cards, "NAXIS", index, maximum=999)
    axes = tuple(_count(cards, f"NAXIS{n}", index) for n in range(1, naxis + 1))
    pcount = _count(cards, "PCOUNT", index, default=0)
    gcount = _count(cards, "GCOUNT", index, default=1)
    groups = index == 0 and cards.get("GROUPS") is True and naxis > 0 and axes[0] == 0
    elements = prod(axes[1:]) if groups else (prod(axes) if naxis else 0)
    data_bytes = BITPIX_BYTES[bitpix] * gcount * (pcount + elements) if naxis else 0
    xtension = "IMAGE" if index == 0 else str(cards.get("XTENSION", "")).strip().upper()
    if groups:
        return Hdu(index, "groups", cards, shape=axes[1:] + (gcount,)), data_bytes
    if xtension == "IMAGE":
        return Hdu(index, "image", cards, shape=axes), data_bytes
    if xtension not in ("BINTABLE", "TABLE") or naxis != 2:
        return Hdu(index, "other", cards), data_bytes
    binary = xtension == "BINTABLE"
    tfields = _count(cards, "TFIELDS", index, maximum=MAX_COLUMNS)
    columns, row_bytes = {}, 0
    for n in range(1, tfields + 1):
        name = str(cards.get(f"TTYPE{n}") or f"col{n}").strip()
        columns[name], size = _column(cards.get(f"TFORM{n}"), binary, index, n)
        row_bytes += size
    row_bytes = max(axes[0], row_bytes)  # astropy lays rows out by the formats: a lying NAXIS1 saves nothing
    if binary and cards.get("ZIMAGE") is True:
        znaxis = _count(cards, "ZNAXIS", index, maximum=999)
        shape = tuple(_count(cards, f"ZNAXIS{n}", index) for n in range(1, znaxis + 1))
        _bitpix(cards, "ZBITPIX", index)
        return Hdu(index, "compressed image", cards, shape=shape, rows=axes[1], columns=columns,
                   row_bytes=row_bytes), data_bytes
    return Hdu(index, "table", cards, rows=axes[1], columns=columns, row_bytes=row_bytes), data_bytes


def _column(form, binary: bool, index: int, n: int) -> tuple[int, int]:
    """How many values a column holds per row (a string or a variable-length array is one, an array its
    length), and its bytes per row."""
    text = str(form or "")
    match = (BINARY_FORM if binary else ASCII_FORM).match(text)
    if not match:
        raise ProcessingError(f"HDU {index}: TFORM{n} = {form!r} is not a FITS column format.")
    if not binary:
        return 1, int(match.group(1))
    repeat, code = int(match.group(1) or 1), match.group(2)
    size = (repeat + 7) // 8 if code == "X" else repeat * FORM_BYTES[code]
    return (1 if code in "APQ" else repeat), size


def _check(hdu: Hdu, data_bytes: int, limits: Limits) -> None:
    where = f"HDU {hdu.index}"
    if hdu.kind in ("image", "groups", "compressed image") and hdu.pixels > limits.pixels:
        raise over_limit(f"{where} declares an image of {hdu.pixels:,} pixels ({' × '.join(map(str, hdu.shape))})",
                         limits.pixels, "DATA_PRODUCT_MAX_PIXELS")
    if hdu.kind in ("table", "compressed image"):
        if hdu.rows > limits.table_rows:
            raise over_limit(f"{where} declares a table of {hdu.rows:,} rows", limits.table_rows,
                             "DATA_PRODUCT_MAX_TABLE_ROWS")
        if hdu.row_bytes * hdu.rows > limits.table_bytes:
            raise over_limit(f"{where} declares a table of {hdu.row_bytes * hdu.rows:,} bytes ({hdu.rows:,} rows of "
                             f"{hdu.row_bytes:,})", limits.table_bytes, "DATA_PRODUCT_MAX_TABLE_BYTES", " bytes")
        cells = hdu.rows * sum(hdu.columns.values())
        if cells > limits.table_cells:
            raise over_limit(f"{where} declares a table of {cells:,} values ({hdu.rows:,} rows × "
                             f"{sum(hdu.columns.values()):,})", limits.table_cells, "DATA_PRODUCT_MAX_TABLE_CELLS")
    if hdu.kind == "compressed image":
        codec = str(hdu.cards.get("ZCMPTYPE", "")).strip().upper()
        if codec in UNSAFE_CODECS:
            raise ProcessingError(f"{where} is tile-compressed with {codec}, which this TOM does not decompress "
                                  "(astropy's decoder trusts the sizes inside each tile: a damaged or hostile tile "
                                  "crashes it); send it uncompressed or with RICE_1 or GZIP_1.")
        tile = prod(_count(hdu.cards, f"ZTILE{n}", hdu.index, default=hdu.shape[n - 1] if n == 1 else 1)
                    for n in range(1, len(hdu.shape) + 1))
        if tile > limits.pixels:
            raise over_limit(f"{where} declares tiles of {tile:,} pixels", limits.pixels, "DATA_PRODUCT_MAX_PIXELS")
    if data_bytes > limits.decompressed_bytes:
        raise over_limit(f"{where} declares {data_bytes:,} bytes of data", limits.decompressed_bytes,
                         "DATA_PRODUCT_MAX_DECOMPRESSED_BYTES", " bytes")


def _truncated(index: int, declared: int, present: int) -> None:
    if present < declared:
        raise ProcessingError(f"HDU {index} declares {declared:,} bytes of data but the file ends {present:,} bytes "
                              "into them (truncated or damaged).")


# Tile-compressed images: astropy inflates each GZIP_1/GZIP_2 tile with gzip.decompress, which stops at
# nothing, so a tile of a few kilobytes can hold gigabytes. A tile holds at most its pixels at 8 bytes each.

def _has_gzip_tiles(hdu: Hdu) -> bool:
    return "GZIP_COMPRESSED_DATA" in hdu.columns or (
        "COMPRESSED_DATA" in hdu.columns and str(hdu.cards.get("ZCMPTYPE", "")).strip().upper().startswith("GZIP"))


def _check_gzip_tiles(hdu: Hdu, data: bytes) -> None:
    cards, index = hdu.cards, hdu.index
    width, rows = cards["NAXIS1"], hdu.rows
    heap = data[_count(cards, "THEAP", index, default=width * rows):]
    tile_bytes = 8 * prod(_count(cards, f"ZTILE{n}", index, default=hdu.shape[n - 1] if n == 1 else 1)
                          for n in range(1, len(hdu.shape) + 1))
    gzip_columns = {"GZIP_COMPRESSED_DATA"}
    if str(cards.get("ZCMPTYPE", "")).strip().upper().startswith("GZIP"):
        gzip_columns.add("COMPRESSED_DATA")
    offset = 0
    for n, name in enumerate(hdu.columns, start=1):
        match = BINARY_FORM.match(str(cards.get(f"TFORM{n}")))
        repeat, code, element = int(match.group(1) or 1), match.group(2), match.group(3) or "B"
        size = _column(cards.get(f"TFORM{n}"), True, index, n)[1]
        if name in gzip_columns and code in "PQ" and repeat and offset + 8 * (1 + (code == "Q")) <= width:
            descriptor = struct.Struct(">ii" if code == "P" else ">qq")
            for row in range(rows):
                count, start = descriptor.unpack_from(data, row * width + offset)
                length = count * FORM_BYTES.get(element, 1)
                if start < 0 or length < 0 or start + length > len(heap):
                    raise ProcessingError(f"HDU {index}, tile {row + 1}: its data lie outside the file's heap.")
                if not _inflates_within(heap[start:start + length], tile_bytes):
                    raise ProcessingError(f"HDU {index}, tile {row + 1}: its compressed data inflate beyond the "
                                          f"{tile_bytes:,} bytes a tile of its size holds (a decompression bomb).")
        offset += size


def _inflates_within(data: bytes, most: int) -> bool:
    """Whether gzip ``data`` (one or more members, as gzip.decompress reads them) inflate to ``most`` bytes at most."""
    total = 0
    while data:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
        try:
            total += len(inflater.decompress(data, most + 1 - total))
        except zlib.error:
            return True  # not a size problem: astropy reports the damaged tile, and that becomes a clear error
        if total > most:
            return False
        if not inflater.eof:
            return True  # the input ran out mid-member: damaged, as above
        data = inflater.unused_data
    return True
