"""What a data product file declares, checked against this TOM's limits before any reader touches its data.

astropy reads what a file says it holds. The audit's 1.4 MB ``.fits.gz`` declared 375 million pixels
and was decompressed and allocated whole (a web process grew to 23 GB); a FITS table header can declare
10⁹ rows with nothing behind it; a gzip of zeros posing as a CSV expands a thousandfold; and one long
value in a text column makes astropy allocate every row that wide. So every processor starts with
:func:`inspect`, which reads headers and counts, never data:

- compressed files (what astropy opens by their first bytes: gzip, bzip2, xz, single-file zip) are
  measured by streaming decompression that stops at the limit (:mod:`.compressed`);
- FITS, recognised by content whatever the name, is walked header by header (:mod:`.fitsheaders`):
  image pixels, table rows, values and bytes, tile sizes, and that the data are really there;
- anything else is scanned as the text table astropy would read (:mod:`.textshape`).

Every refusal is a ``ProcessingError`` saying what the file declares and which setting limits it
(:func:`.limits.over_limit`). The upload's own size is checked before this (``DATA_PRODUCT_MAX_BYTES``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .compressed import decompressed
from .errors import ProcessingError
from .fitsheaders import Hdu, walk_fits
from .limits import Limits
from .textshape import scan_text

FITS_MAGIC = b"SIMPLE  ="
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fz")
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zip")


@dataclass
class FileShape:
    """What :func:`inspect` learnt: the compression, the size after it, and the FITS HDUs or the text table's shape."""

    limits: Limits
    compression: str | None
    size: int
    hdus: list[Hdu] = field(default_factory=list)
    rows: int = 0  # text: data rows (records that are not comments, blank, or the header line)
    columns: int = 0  # text: the most values one record holds

    @property
    def is_fits(self) -> bool:
        return bool(self.hdus)


def inspect(path: str, limits: Limits | None = None) -> FileShape:
    """Check the file at ``path`` against ``limits`` (this TOM's settings by default) without loading its data."""
    limits = limits or Limits.from_settings()
    with decompressed(path, limits) as stream:
        head = stream.read(len(FITS_MAGIC))
        if head == FITS_MAGIC:
            hdus = walk_fits(head, stream, limits)
            return FileShape(limits, stream.compression, stream.drain(), hdus=hdus)
        compression = stream.compression
    rows, columns, size = scan_text(path, limits)
    return FileShape(limits, compression, size, rows=rows, columns=columns)


def read_as_fits(path: str, shape: FileShape) -> bool:
    """Whether to read the file as FITS: its content decides, but a file named as FITS must be FITS."""
    name = path.lower()
    for suffix in COMPRESSION_SUFFIXES:
        name = name.removesuffix(suffix)
    if name.endswith(FITS_SUFFIXES) and not shape.is_fits:
        raise ProcessingError("is not a readable FITS file (it does not begin with a SIMPLE card).")
    return shape.is_fits
