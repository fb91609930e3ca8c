"""This TOM's limits on what one data product may make a processor read, and the one wording of a refusal.

Each limit stands for a resource a hostile file could exhaust (see docs/configuration.md, Upload limits):
bytes after decompression, image pixels, table rows, cells and bytes (what astropy allocates), and the
points of a spectrum (one datum's JSON lists). They are read from settings on each call, since tests
and operators change them at run time.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .errors import ProcessingError

# A FITS table holds at most 999 columns (TFIELDS); a text table is held to the same. astropy builds an
# object per column: 100,000 columns of one row (a 1.2 MB CSV) took it 20 s and 270 MB here.
MAX_COLUMNS = 999


@dataclass(frozen=True)
class Limits:
    decompressed_bytes: int
    pixels: int
    table_rows: int
    table_cells: int
    table_bytes: int
    spectrum_points: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            decompressed_bytes=settings.DATA_PRODUCT_MAX_DECOMPRESSED_BYTES,
            pixels=settings.DATA_PRODUCT_MAX_PIXELS,
            table_rows=settings.DATA_PRODUCT_MAX_TABLE_ROWS,
            table_cells=settings.DATA_PRODUCT_MAX_TABLE_CELLS,
            table_bytes=settings.DATA_PRODUCT_MAX_TABLE_BYTES,
            spectrum_points=settings.SPECTRUM_MAX_POINTS,
        )


def over_limit(declared: str, limit: int, setting: str, unit: str = "") -> ProcessingError:
    """What the file declares, and the limit with its setting's name (so an operator knows what to raise)."""
    return ProcessingError(f"{declared}; this TOM accepts at most {limit:,}{unit} ({setting}).")


def check_spectrum_points(points: int, limits: Limits, what: str = "the spectrum has") -> None:
    """A spectrum is stored as lists in one datum: refused before any of its arrays becomes a list."""
    if points > limits.spectrum_points:
        raise over_limit(f"{what} {points:,} points", limits.spectrum_points, "SPECTRUM_MAX_POINTS")
