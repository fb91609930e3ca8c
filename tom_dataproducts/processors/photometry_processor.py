"""``tom_dataproducts.processors.photometry_processor.PhotometryProcessor`` in ``DATA_PROCESSORS``: ours
(CSV, ECSV, FITS tables and whatever astropy reads, with MJD, JD or ISO times; see the README)."""
from __future__ import annotations

from dataproducts.processors.photometry import PhotometryProcessor

__all__ = ["PhotometryProcessor"]
