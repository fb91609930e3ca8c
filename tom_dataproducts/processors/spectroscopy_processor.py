"""``tom_dataproducts.processors.spectroscopy_processor.SpectroscopyProcessor`` in ``DATA_PROCESSORS``: ours
(1-D FITS images with a wavelength WCS, FITS binary tables, ASCII; see the README)."""
from __future__ import annotations

from dataproducts.processors.spectroscopy import SpectroscopyProcessor

__all__ = ["SpectroscopyProcessor"]
