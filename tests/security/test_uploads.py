"""Issue 11, uploads: hostile files are bounded before they are read, size limits hold on every path,
a FITS whose data cannot be read is a clear 400, uploaded files are not world-readable.

Every hostile file is generated here, never stored. The bombs are sent under an address-space limit
set in this process (its current size + 1.5 GiB, soft limit only, restored afterwards): without the
bounds the web code hits that limit (MemoryError, which the test client raises) or worse; with them each
is refused with a 400 naming the limit, through the upload page (htmx) and through ``POST /api/dataproducts/``
(JSON), and leaves neither a row nor a file behind.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import resource
import signal
import stat
import struct
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.auth import verified
from dataproducts.models import DataProduct, ReducedDatum
from tests.api.conftest import basic
from tests.servers import ROOT, start_our_tom

HTMX = {"HX-Request": "true"}
GIB = 2**30
BLOCK = 16 * 2**20


# Limits and generators ------------------------------------------------------------------------------

def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


@contextmanager
def address_space_limit(extra: int = 3 * GIB // 2):
    """This process may grow by ``extra`` bytes of address space, no more, until the block ends."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def gzip_bomb(prefix: bytes, filler: bytes, total: int) -> bytes:
    """gzip members: ``prefix``, then ``filler`` repeated to ``total`` bytes. One 16 MiB member is compressed
    once and repeated (gzip readers, astropy's too, read concatenated members as one stream)."""
    block = filler * (BLOCK // len(filler))
    member = gzip.compress(block, 9)
    count, rest = divmod(total, len(block))
    return gzip.compress(prefix) + member * count + gzip.compress(block[:rest])


def header_bytes(*cards: tuple[str, object]) -> bytes:
    header = fits.Header()
    for keyword, value in cards:
        header[keyword] = value
    return header.tostring().encode("ascii")


SPECTRUM_CARDS = (("CRVAL1", 4000.0), ("CDELT1", 1.0), ("CRPIX1", 1.0), ("DATE-OBS", "2024-04-05T01:02:03"))
EMPTY_PRIMARY = (("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 0), ("EXTEND", True))


def image_header(*axes: int, bitpix: int = -32) -> bytes:
    return header_bytes(("SIMPLE", True), ("BITPIX", bitpix), ("NAXIS", len(axes)),
                        *((f"NAXIS{n}", a) for n, a in enumerate(axes, start=1)), *SPECTRUM_CARDS)


def table_header(rows: int, *columns: tuple[str, str], width: int, **extra) -> bytes:
    cards = [("XTENSION", "BINTABLE"), ("BITPIX", 8), ("NAXIS", 2), ("NAXIS1", width), ("NAXIS2", rows),
             ("PCOUNT", extra.pop("PCOUNT", 0)), ("GCOUNT", 1), ("TFIELDS", len(columns))]
    for n, (name, form) in enumerate(columns, start=1):
        cards += [(f"TTYPE{n}", name), (f"TFORM{n}", form)]
    return header_bytes(*EMPTY_PRIMARY) + header_bytes(*cards, *extra.items(), ("DATE-OBS", "2024-04-05"))


@lru_cache(maxsize=None)
def fits_gz_bomb() -> bytes:
    """The audit's file: about 1.4 MB of gzip declaring 375 million float32 pixels, all of them there."""
    return gzip_bomb(image_header(25_000, 15_000), b"\0", 375_000_000 * 4)


@lru_cache(maxsize=None)
def two_billion_pixels() -> bytes:
    """A header alone, declaring 2×10⁹ pixels with no data following."""
    return image_header(2_000_000_000)


@lru_cache(maxsize=None)
def billion_rows() -> bytes:
    """A binary table header declaring 10⁹ rows of (mjd, mag, wavelength, flux) and nothing after it."""
    return table_header(1_000_000_000, ("mjd", "D"), ("mag", "E"), ("wavelength", "D"), ("flux", "E"), width=24)


@lru_cache(maxsize=None)
def csv_lines_bomb() -> bytes:
    """A photometry CSV of 1.5 GB of good rows, gzipped to about 2 MB (astropy decompresses by content)."""
    row = b"60400.1,g,18.5,0.05\n"
    return gzip_bomb(b"mjd,filter,magnitude,error\n", row, 1_500_000_000 // len(row) * len(row))


@lru_cache(maxsize=None)
def csv_blanks_bomb() -> bytes:
    """1.5 GB of blanks after a CSV header: no line for a row count to stop at."""
    return gzip_bomb(b"mjd,filter,magnitude\n", b" ", 1_500_000_000)


@lru_cache(maxsize=None)
def long_value_csv() -> bytes:
    """1.1 MB of plain CSV: 100,000 short rows and one 10,000-character filter, which makes every row of
    astropy's fixed-width text column that wide (7.7 GB here)."""
    return (b"mjd,filter,magnitude\n60400.5," + b"x" * 10_000 + b",18.5\n" + b"60400.5,g,18.5\n" * 100_000)


@lru_cache(maxsize=None)
def text_spectrum_bomb() -> bytes:
    return gzip_bomb(b"# DATE-OBS: 2024-04-05\nwavelength flux\n", b"5000.0 1.0e-16\n", 1_500_000_000)


@lru_cache(maxsize=None)
def tile_bomb() -> bytes:
    """A tile-compressed (GZIP_1) 100 × 100 image whose every tile points at the same 1.5 GB of zeros
    gzipped (astropy inflates a tile with gzip.decompress, which stops at nothing)."""
    inflating = gzip_bomb(b"", b"\0", 1_500_000_000)
    header = table_header(100, ("COMPRESSED_DATA", f"1PB({len(inflating)})"), width=8, PCOUNT=len(inflating),
                          ZIMAGE=True, ZBITPIX=16, ZNAXIS=2, ZNAXIS1=100, ZNAXIS2=100, ZTILE1=100, ZTILE2=1,
                          ZCMPTYPE="GZIP_1", CRVAL1=4000.0, CDELT1=1.0)
    data = struct.pack(">ii", len(inflating), 0) * 100 + inflating
    return header + data + b"\0" * (-len(data) % 2880)


# name: (file name, data product type, generator, what the refusal must name)
BOMBS = {
    "fits-gz-bomb": ("bomb.fits.gz", "spectroscopy", fits_gz_bomb, "(DATA_PRODUCT_MAX_PIXELS)"),
    "fits-gz-bomb-as-photometry": ("bomb.fits.gz", "photometry", fits_gz_bomb, "(DATA_PRODUCT_MAX_PIXELS)"),
    "two-billion-pixels": ("huge.fits", "spectroscopy", two_billion_pixels, "(DATA_PRODUCT_MAX_PIXELS)"),
    "billion-rows-spectrum": ("rows.fits", "spectroscopy", billion_rows, "(DATA_PRODUCT_MAX_TABLE_ROWS)"),
    "billion-rows-photometry": ("rows.fits", "photometry", billion_rows, "(DATA_PRODUCT_MAX_TABLE_ROWS)"),
    "csv-gzip-bomb": ("lc.csv", "photometry", csv_lines_bomb, "(DATA_PRODUCT_MAX_TABLE_ROWS)"),
    "csv-blanks-bomb": ("lc.csv", "photometry", csv_blanks_bomb, "(DATA_PRODUCT_MAX_DECOMPRESSED_BYTES)"),
    "long-value": ("lc.csv", "photometry", long_value_csv, "(DATA_PRODUCT_MAX_TABLE_BYTES)"),
    "text-spectrum-bomb": ("spectrum.txt", "spectroscopy", text_spectrum_bomb, "(DATA_PRODUCT_MAX_TABLE_ROWS)"),
    "tile-bomb": ("image.fz", "spectroscopy", tile_bomb, "(a decompression bomb)"),
}


def media_files() -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, f) for f in files]
    return found


def page_upload(client, target, name: str, content: bytes, kind: str):
    return client.post(reverse("dataproducts:upload", args=[target.pk]),
                       {"file": SimpleUploadedFile(name, content), "data_product_type": kind}, headers=HTMX)


def api_upload(target, name: str, content: bytes, kind: str):
    verified.clear()
    client = Client(headers=basic("editor", "pw-editor"))
    return client.post("/api/dataproducts/", {"file": SimpleUploadedFile(name, content), "target": str(target.pk),
                                              "data_product_type": kind})


def assert_refused_whole(response, *words: str, api: bool) -> str:
    assert response.status_code == 400, response.content[:2000]
    if api:
        message = " ".join(response.json()["data"])
    else:
        message = response.content.decode()
        assert 'id="upload-errors"' in message  # the fragment the upload form shows
    for word in words:
        assert word in message, message[:3000]
    assert not DataProduct.objects.exists() and not ReducedDatum.objects.exists()
    assert media_files() == []
    return message


# 1. Bombs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bomb", BOMBS)
def test_a_bomb_uploaded_on_the_page_is_refused_naming_the_limit(bomb, client_for, target):
    name, kind, make, words = BOMBS[bomb]
    content = make()
    client = client_for("editor")
    with address_space_limit():
        response = page_upload(client, target, name, content, kind)
    assert_refused_whole(response, words, api=False)


@pytest.mark.parametrize("bomb", BOMBS)
def test_a_bomb_sent_to_the_api_is_a_json_400_naming_the_limit(bomb, target):
    name, kind, make, words = BOMBS[bomb]
    content = make()
    with address_space_limit():
        response = api_upload(target, name, content, kind)
    assert_refused_whole(response, f"{name}: ", words, api=True)


def test_the_refusal_says_what_the_file_declares_and_the_limit(client_for, target):
    message = assert_refused_whole(api_upload(target, "huge.fits", two_billion_pixels(), "spectroscopy"), api=True)
    assert message == ("huge.fits: HDU 0 declares an image of 2,000,000,000 pixels (2000000000); this TOM accepts "
                       "at most 50,000,000 (DATA_PRODUCT_MAX_PIXELS).")
    message = assert_refused_whole(api_upload(target, "rows.fits", billion_rows(), "photometry"), api=True)
    assert "HDU 1 declares a table of 1,000,000,000 rows; this TOM accepts at most 500,000" in message


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_every_compression_astropy_opens_is_measured_while_decompressing(compress, target, settings):
    settings.DATA_PRODUCT_MAX_DECOMPRESSED_BYTES = 1_000_000
    csv = b"mjd,filter,magnitude\n" + b" " * 2_000_000
    message = assert_refused_whole(api_upload(target, "lc.csv", compress(csv), "photometry"), api=True)
    assert "decompressed, it holds more than 1,000,000 bytes" in message


def test_a_zip_bomb_and_a_zip_of_several_files(target, settings):
    settings.DATA_PRODUCT_MAX_DECOMPRESSED_BYTES = 1_000_000
    one, two = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lc.csv", b"mjd,filter,magnitude\n" + b" " * 2_000_000)
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", b"mjd,filter,magnitude\n60400,g,18\n")
        archive.writestr("b.csv", b"mjd,filter,magnitude\n60400,g,18\n")
    assert_refused_whole(api_upload(target, "lc.zip", one.getvalue(), "photometry"),
                         "DATA_PRODUCT_MAX_DECOMPRESSED_BYTES", api=True)
    assert_refused_whole(api_upload(target, "lc.zip", two.getvalue(), "photometry"), "zip archive of 2 files",
                         api=True)


def test_compressed_files_within_the_limits_are_read(target, settings):
    table = Table({"mjd": [60400.1, 60400.2], "filter": ["g", "r"], "magnitude": [18.5, 18.2]})
    buffer = io.StringIO()
    table.write(buffer, format="ascii.csv")
    response = api_upload(target, "lc.csv.gz", gzip.compress(buffer.getvalue().encode()), "photometry")
    assert response.status_code == 201 and response.json()["reduced_datums"] == 2
    spectrum = fits.PrimaryHDU(np.arange(1, 101, dtype=np.float32), header=fits.Header(SPECTRUM_CARDS))
    raw = io.BytesIO()
    spectrum.writeto(raw)
    response = api_upload(target, "spectrum.fits.bz2", bz2.compress(raw.getvalue()), "spectroscopy")
    assert response.status_code == 201, response.json()
    assert len(ReducedDatum.objects.get(data_type="spectroscopy").value["flux"]) == 100


@pytest.mark.parametrize("setting,value,content,words", [
    ("DATA_PRODUCT_MAX_TABLE_ROWS", 100, b"mjd,filter,magnitude\n" + b"60400.5,g,18.5\n" * 101,
     "the table has 101 rows; this TOM accepts at most 100 (DATA_PRODUCT_MAX_TABLE_ROWS)"),
    ("DATA_PRODUCT_MAX_TABLE_CELLS", 300, b"mjd,filter,magnitude\n" + b"60400.5,g,18.5\n" * 101,
     "the table has 303 values (101 rows × 3); this TOM accepts at most 300 (DATA_PRODUCT_MAX_TABLE_CELLS)"),
    ("DATA_PRODUCT_MAX_TABLE_BYTES", 1000, b"mjd,filter,magnitude\n" + b"60400.5,g,18.5\n" * 100,
     "(DATA_PRODUCT_MAX_TABLE_BYTES)"),
])
def test_text_table_limits(target, settings, setting, value, content, words):
    setattr(settings, setting, value)
    assert_refused_whole(api_upload(target, "lc.csv", content, "photometry"), words, api=True)


def test_a_table_at_every_limit_is_read(target, settings):
    settings.DATA_PRODUCT_MAX_TABLE_ROWS = 100
    settings.DATA_PRODUCT_MAX_TABLE_CELLS = 300
    # 101 records (the header line is measured too) × the widest value of each column: "60400.0", "filter", "magnitude"
    settings.DATA_PRODUCT_MAX_TABLE_BYTES = 101 * (7 + 6 + 9)
    content = b"mjd,filter,magnitude\n" + b"".join(b"%.1f,g,18.5\n" % (60400 + n / 10) for n in range(100))
    response = api_upload(target, "lc.csv", content, "photometry")
    assert response.status_code == 201 and response.json()["reduced_datums"] == 100, response.json()


def test_a_spectrum_at_the_point_limit_is_read(target, settings):
    settings.SPECTRUM_MAX_POINTS = 200
    content = b"# DATE-OBS: 2024-04-05\nwavelength flux\n" + b"".join(b"%d 1.0\n" % (5000 + n) for n in range(200))
    assert api_upload(target, "spectrum.txt", content, "spectroscopy").status_code == 201
    assert len(ReducedDatum.objects.get().value["wavelength"]) == 200


def test_quoted_values_and_values_over_several_lines_are_measured_whole(target, settings):
    """A quoted value with the delimiter in it, or running over lines, is one value to astropy: measured so."""
    settings.DATA_PRODUCT_MAX_TABLE_BYTES = 50_000
    quoted = b'mjd,filter,magnitude\n60400.5,"' + b"x," * 2_000 + b'",18.5\n' + b"60400.5,g,18.5\n" * 20
    assert_refused_whole(api_upload(target, "lc.csv", quoted, "photometry"), "(DATA_PRODUCT_MAX_TABLE_BYTES)", api=True)
    lines = b'mjd,filter,magnitude\n60400.5,"' + b"x\n" * 2_000 + b'",18.5\n' + b"60400.5,g,18.5\n" * 20
    assert_refused_whole(api_upload(target, "lc.csv", lines, "photometry"), "(DATA_PRODUCT_MAX_TABLE_BYTES)", api=True)


def test_a_value_longer_than_any_table_holds_is_refused(target):
    content = b"mjd filter magnitude\n60400.5 " + b"x" * 200_000 + b" 18.5\n"
    assert_refused_whole(api_upload(target, "lc.txt", content, "photometry"),
                         "line 2: a value is longer than 131,072 characters.", api=True)


def test_a_table_of_more_columns_than_fits_allows_is_refused(target):
    content = ",".join(f"c{n}" for n in range(100_000)).encode() + b"\n" + b"1," * 99_999 + b"1\n"
    assert_refused_whole(api_upload(target, "wide.csv", content, "photometry"),
                         "a row holds 100,000 values; a table may have at most 999 columns.", api=True)


def test_binary_that_is_not_fits_is_refused_as_such(target):
    assert_refused_whole(api_upload(target, "lc.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "photometry"),
                         "is neither FITS nor a text table (it holds NUL bytes).", api=True)


# 1. Spectra hold a bounded number of points ----------------------------------------------------------

def fits_bytes(hdus) -> bytes:
    buffer = io.BytesIO()
    fits.HDUList(hdus).writeto(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name,content,words", [
    ("spectrum.txt", b"# DATE-OBS: 2024-04-05\nwavelength flux\n" + b"5000.0 1.0\n" * 201,
     "the spectrum has 201 points; this TOM accepts at most 200 (SPECTRUM_MAX_POINTS)"),
    ("spectrum.fits", fits_bytes([fits.PrimaryHDU(np.ones(201, np.float32), fits.Header(SPECTRUM_CARDS))]),
     "HDU 0: each spectrum has 201 points; this TOM accepts at most 200 (SPECTRUM_MAX_POINTS)"),
    ("spectrum.fits", fits_bytes([fits.PrimaryHDU(), fits.BinTableHDU(Table(
        {"wavelength": np.ones((1, 201)), "flux": np.ones((1, 201))}), fits.Header([("DATE-OBS", "2024-04-05")]))]),
     "HDU 1: the spectrum has 201 points; this TOM accepts at most 200 (SPECTRUM_MAX_POINTS)"),
])
def test_a_spectrum_with_more_points_than_allowed_is_refused_before_it_becomes_lists(target, settings, name,
                                                                                       content, words):
    settings.SPECTRUM_MAX_POINTS = 200
    assert_refused_whole(api_upload(target, name, content, "spectroscopy"), words, api=True)


def test_a_cube_spectrum_reads_only_its_first_row(target):
    """An IRAF multispec-style cube (bands × apertures × points): the first spectrum, as before."""
    cube = np.arange(2 * 3 * 50, dtype=np.float32).reshape(2, 3, 50) + 1
    response = api_upload(target, "cube.fits", fits_bytes([fits.PrimaryHDU(cube, fits.Header(SPECTRUM_CARDS))]),
                          "spectroscopy")
    assert response.status_code == 201, response.json()
    assert ReducedDatum.objects.get().value["flux"] == list(np.arange(1, 51, dtype=float))


# 12 (part). A FITS whose data cannot be read is a clear 400 --------------------------------------------

def _truncated_image() -> bytes:
    return image_header(1000) + b"\0" * 100


def _lzw() -> bytes:
    return b"\x1f\x9d\x90" + b"\0" * 100


def _corrupt_tile() -> bytes:
    header = table_header(1, ("COMPRESSED_DATA", "1PB(16)"), width=8, PCOUNT=16, ZIMAGE=True, ZBITPIX=16,
                          ZNAXIS=1, ZNAXIS1=10, ZTILE1=10, ZCMPTYPE="GZIP_1", CRVAL1=4000.0, CDELT1=1.0)
    data = struct.pack(">ii", 16, 0) + b"\x1f\x8b\x08" + b"\xff" * 13
    return header + data + b"\0" * (-len(data) % 2880)


def _descriptor_outside_heap() -> bytes:
    header = table_header(1, ("wavelength", "1PD(10)"), ("flux", "1PD(10)"), ("mjd", "1PD(10)"),
                          ("magnitude", "1PD(10)"), width=32, PCOUNT=80)
    data = struct.pack(">iiiiiiii", 10, 0, 10, 1_000_000, 10, 0, 10, 1_000_000) + b"\0" * 80
    return header + data + b"\0" * (-len(data) % 2880)


def _header_card(keyword: str, value: str) -> bytes:
    """A primary header for a 10-pixel spectrum with one card's value written raw (astropy would not)."""
    cards = [("SIMPLE", "T"), ("BITPIX", "-32"), ("NAXIS", "1"), ("NAXIS1", "10"), ("CRVAL1", "4000.0"),
             ("CDELT1", "1.0"), ("DATE-OBS", "'2024-04-05'")]
    cards = [(k, value if k == keyword else v) for k, v in cards] + ([(keyword, value)] if keyword not in dict(cards)
                                                                     else [])
    text = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in cards) + "END".ljust(80)
    return text.ljust(2880).encode("ascii") + b"\0" * 2880


def _endless_header() -> bytes:
    cards = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in (("SIMPLE", "T"), ("BITPIX", "8"), ("NAXIS", "0")))
    return (cards + ("HISTORY " + "x" * 72) * (36 * 1001)).encode("ascii")


def _many_hdus() -> bytes:
    extension = header_bytes(("XTENSION", "IMAGE"), ("BITPIX", 8), ("NAXIS", 0), ("PCOUNT", 0), ("GCOUNT", 1))
    return header_bytes(*EMPTY_PRIMARY) + extension * 1000


def _random_groups() -> bytes:
    return header_bytes(("SIMPLE", True), ("BITPIX", -32), ("NAXIS", 2), ("NAXIS1", 0), ("NAXIS2", 100),
                        ("GROUPS", True), ("PCOUNT", 0), ("GCOUNT", 1_000_000_000))


MALFORMED_FITS = {
    "endless-header": (_endless_header, "HDU 0: the header has no END card in its first 36,000 cards."),
    "1001-hdus": (_many_hdus, "has more than 1,000 HDUs."),
    "random-groups": (_random_groups, "HDU 0 declares an image of 100,000,000,000 pixels"),
    "1000-columns": (lambda: table_header(1, ("wavelength", "B"), width=1, TFIELDS=1000) + b"\0" * 2880,
                     "TFIELDS = 1000 is not a valid FITS count"),
    "truncated-data": (_truncated_image, "HDU 0 declares 4,000 bytes of data but the file ends 100 bytes into them"),
    "no-end-card": (lambda: image_header(10)[:2000], "the header is cut short"),
    "bitpix-7": (lambda: _header_card("BITPIX", "7"), "BITPIX = 7 is not a FITS data type"),
    "negative-axis": (lambda: _header_card("NAXIS1", "-10"), "NAXIS1 = -10 is not a valid FITS count"),
    "naxis-text": (lambda: _header_card("NAXIS", "'one'"), "NAXIS = 'one' is not a valid FITS count"),
    "bscale-text": (lambda: _header_card("BSCALE", "'big'"), "is not a readable FITS file"),
    "bad-tform": (lambda: table_header(1, ("wavelength", "1Z"), width=8) + b"\0" * 2880,
                  "TFORM1 = '1Z' is not a FITS column format"),
    "gzip-cut-short": (lambda: gzip.compress(image_header(1000) + b"\0" * 4000)[:-40], "is not a valid gzip file"),
    "lzw-compressed": (_lzw, "is compressed with LZW (.Z)"),
    "corrupt-tile": (_corrupt_tile, "is not a readable FITS file"),
    "descriptor-outside-heap": (_descriptor_outside_heap, "is not a readable FITS file"),
}


@pytest.mark.parametrize("case", MALFORMED_FITS)
@pytest.mark.parametrize("kind", ["spectroscopy", "photometry"])
def test_a_malformed_fits_is_a_clear_400(case, kind, target):
    make, words = MALFORMED_FITS[case]
    if kind == "photometry" and words == "is not a readable FITS file":
        words = ""  # astropy may read what the photometry processor then refuses: a 400 all the same
    assert_refused_whole(api_upload(target, "broken.fits", make(), kind), "broken.fits: ", words, api=True)


def test_a_malformed_fits_on_the_page_is_explained_in_the_form(client_for, target):
    response = page_upload(client_for("editor"), target, "broken.fits", _truncated_image(), "spectroscopy")
    assert_refused_whole(response, "broken.fits: HDU 0 declares 4,000 bytes of data", api=False)


# 2. Size limits hold on every path --------------------------------------------------------------------

def test_the_upload_form_checks_the_size_limit_before_saving(client_for, target, settings):
    settings.DATA_PRODUCT_MAX_BYTES = 2**20
    content = b"mjd,filter,magnitude\n" + b"60400.5,g,18.5\n" * (3 * 2**20 // 15)
    response = page_upload(client_for("editor"), target, "lc.csv", content, "photometry")
    assert_refused_whole(response, f"File: The file is {len(content):,} bytes; this TOM accepts files of at most "
                         "1,048,576 bytes (DATA_PRODUCT_MAX_BYTES).", api=False)


def test_the_api_checks_the_same_size_limit(target, settings):
    settings.DATA_PRODUCT_MAX_BYTES = 2**20
    response = api_upload(target, "lc.csv", b"x" * (3 * 2**20), "photometry")
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is 3,145,728 bytes; this TOM accepts files of at most 1,048,576 "
                                        "bytes (DATA_PRODUCT_MAX_BYTES)."]}


def import_targets(client, content: bytes):
    return client.post(reverse("targets:import"), {"file": SimpleUploadedFile("t.csv", content, "text/csv")})


def test_the_target_import_checks_its_size_before_reading(client_for, settings):
    settings.TARGET_IMPORT_MAX_BYTES = 1000
    response = import_targets(client_for("editor"), b"name,ra,dec\n" + b"T,1,1\n" * 200)
    assert response.status_code == 400
    assert ("The file is 1,212 bytes; import files of at most 1,000 bytes (TARGET_IMPORT_MAX_BYTES)."
            in response.content.decode())


def test_the_target_import_counts_rows_while_streaming(client_for, settings):
    """The row limit stops the reading: a file whose bad bytes lie past the limit is refused for its rows,
    which the old code, decoding the whole file first, never reached."""
    settings.TARGET_IMPORT_MAX_ROWS = 10
    content = b"name,ra,dec\n" + b"".join(b"T%d,1,1\n" % n for n in range(100_000)) + b"\xff\xfe not UTF-8\n"
    response = import_targets(client_for("editor"), content)
    assert response.status_code == 400
    assert "The file has more than 10 rows; import at most 10 at a time." in response.content.decode()


def test_a_large_target_import_is_streamed_from_its_temporary_file(client_for, settings):
    """Over FILE_UPLOAD_MAX_MEMORY_SIZE Django keeps the upload in a temporary file: read from there too."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = import_targets(client_for("editor"), "name,ra,dec\n".encode() + b"".join(
        b"Target %d,%d,1\n" % (n, n) for n in range(100)))
    assert response.status_code == 302


# 14 (part). Uploaded files are not world-readable ---------------------------------------------------------

def test_uploaded_files_and_their_directories_are_not_world_readable(target):
    content = b"mjd,filter,magnitude\n60400.5,g,18.5\n"
    assert api_upload(target, "lc.csv", content, "photometry").status_code == 201
    [path] = media_files()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o750


# 1. A killed run leaves no file behind for long -----------------------------------------------------------

STUCK_UPLOAD = r'''
import sys, time
import django
django.setup()
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from dataproducts.processors import DataProcessor
from dataproducts.services import upload_data_product
from targets.models import Target

class Stuck(DataProcessor):
    """Stands for a processor the kernel kills: it says where its file is, then waits to be killed."""
    def process(self, data_product):
        with open(sys.argv[1], "w") as marker:
            marker.write(data_product.data.name)
        time.sleep(600)

settings.DATA_PROCESSORS = {"photometry": "__main__.Stuck"}
target = Target.objects.create(name="Killed mid-run", ra=1.0, dec=1.0)
upload_data_product(target, SimpleUploadedFile("lc.csv", b"mjd,filter,magnitude\n60400,g,18\n"), "photometry")
'''


def test_a_run_killed_mid_processing_leaves_a_file_the_sweep_removes(tmp_path):
    """A real process, SIGKILLed while its processor runs: no clean-up code of ours can run then."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT")}
    env.update({"TOM_DATA_DIR": str(tmp_path / "tom"), "DJANGO_SETTINGS_MODULE": "tom.settings",
                "SECRET_KEY": "sweep-test-" + os.urandom(8).hex(), "LOG_LEVEL": "WARNING"})

    def manage(*args: str) -> str:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True,
                              capture_output=True, text=True, timeout=300).stdout

    manage("migrate", "-v0")
    marker = tmp_path / "processing"
    process = subprocess.Popen([sys.executable, "-c", STUCK_UPLOAD, str(marker)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120  # a wait for the child, not a measurement
        while not marker.exists() or not marker.read_text():
            assert process.poll() is None, "the upload process ended before its processor ran"
            assert time.monotonic() < deadline, "the upload never reached its processor"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
    name = marker.read_text()
    left = tmp_path / "tom" / "media" / name
    assert left.exists()  # written before processing; its row was never committed
    count = "from dataproducts.models import DataProduct; print(DataProduct.objects.count())"
    assert manage("shell", "-v0", "-c", count).strip() == "0"
    assert manage("sweep_orphaned_files").splitlines() == ["0 orphaned files deleted."]  # within the grace period
    assert left.exists()
    assert manage("sweep_orphaned_files", "--older-than", "0").splitlines() == [
        f"deleted {name}", "1 orphaned file deleted."]
    assert not left.exists()


# 12. A tile whose decoder would crash the process --------------------------------------------------------

def hcompress_image(nx_ny: tuple[int, int] | None = None) -> bytes:
    """A valid HCOMPRESS_1 tile-compressed 64 × 64 image; with ``nx_ny``, its first tile's stream claims that size."""
    image = (np.arange(64 * 64).reshape(64, 64) % 1000).astype(np.int32)
    hdu = fits.CompImageHDU(image, compression_type="HCOMPRESS_1", tile_shape=(16, 16))
    hdu.header.update(dict(SPECTRUM_CARDS))
    raw = bytearray(fits_bytes([fits.PrimaryHDU(), hdu]))
    if nx_ny:
        with fits.open(io.BytesIO(bytes(raw)), disable_image_compression=True) as hdus:
            start, header = hdus[1]._data_offset, hdus[1].header
        count, offset = struct.unpack_from(">ii", raw, start)
        tile = start + header["NAXIS1"] * header["NAXIS2"] + offset
        assert raw[tile:tile + 2] == b"\xdd\x99"  # HCOMPRESS's magic, then nx and ny
        raw[tile + 2:tile + 10] = struct.pack(">ii", *nx_ny)
    return bytes(raw)


@pytest.fixture(scope="module")
def our_tom(tmp_path_factory):
    server = start_our_tom(tmp_path_factory.mktemp("uploads-tom"), "Upload TOM", "uploads-peer-pw-1")
    try:
        yield server
    finally:
        server.stop()


def test_a_tile_that_would_crash_the_decoder_is_refused_by_a_real_server(our_tom):
    """Through gunicorn, so that a regression kills a worker (SIGSEGV) rather than this test run."""
    created = our_tom.api.post(our_tom.url + "api/targets/", json={"name": "HCOMPRESS target", "ra": 1.0, "dec": 1.0},
                               timeout=30)
    assert created.status_code == 201, created.text
    for content in (hcompress_image((4000, 4000)), hcompress_image()):
        response = our_tom.api.post(our_tom.url + "api/dataproducts/", timeout=60, data={
            "target": str(created.json()["id"]), "data_product_type": "spectroscopy"},
            files={"file": ("spectrum.fz", content)})
        assert response.status_code == 400, response.text
        assert "HDU 1 is tile-compressed with HCOMPRESS_1, which this TOM does not decompress" in \
            response.json()["data"][0]
    assert our_tom.get("api/dataproducts/")["count"] == 0
