"""Spectra: 1-D FITS (an image with a wavelength WCS, or a binary table) and ASCII tables.

Units go through astropy: wavelengths are stored in the file's own unit with
its name (``wavelength_units``), flux likewise (``flux_units``). The
observation date comes from the header (DATE-OBS, MJD-OBS) or, for text, from
a comment line such as ``# DATE-OBS: 2024-05-01T03:04:05``; a number there is an MJD or a JD, told apart
as a photometry time column's are (``times.number_to_mjd``).
"""
from __future__ import annotations

import io
import re
import warnings
from datetime import timezone

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time

from . import DataProcessor
from .bounds import FileShape, inspect, read_as_fits
from .compressed import decompressed
from .errors import ProcessingError
from .fitsheaders import Hdu
from .limits import Limits, check_spectrum_points
from .tables import astropy_errors, find_column, float_column, read_table
from .times import number_to_mjd

WAVELENGTH_NAMES = ("wavelength", "wave", "lambda", "wl", "wavelength_air", "loglam")
FLUX_NAMES = ("flux", "f_lambda", "flam", "fnu", "counts", "f")
ERROR_NAMES = ("error", "flux_error", "err", "sigma", "uncertainty", "e_flux", "flux_err")
DATE_COMMENT = re.compile(r"^\s*#?\s*(date[-_ ]?obs|mjd[-_ ]?obs|date)\s*[:=]\s*(.+?)\s*$", re.IGNORECASE)
META_COMMENT = re.compile(r"^\s*#?\s*(telescope|instrument|facility|flux_units?|wavelength_units?)\s*[:=]\s*(.+?)\s*$",
                          re.IGNORECASE)


def _unit_name(text: str | None, default: str) -> str:
    if not text:
        return default
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multiple slashes" in erg/s/cm2/Angstrom is common and clear enough
            return u.Unit(text.strip(), parse_strict="raise").to_string()
    except ValueError:
        raise ProcessingError(f"unknown unit {text!r}.") from None


def _date(value) -> "datetime":  # noqa: F821
    """A spectrum's observation date: ISO 8601, or a number that is an MJD or a JD."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = mjd = None
    else:
        mjd = number_to_mjd(number)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if number is not None and mjd is None:
                raise ValueError(text)
            moment = Time(mjd, format="mjd", scale="utc") if mjd is not None else Time(text, scale="utc")
        except ValueError:
            raise ProcessingError(f"observation date {text!r} is not a time (ISO 8601, MJD or JD).") from None
    return moment.to_datetime(timezone=timezone.utc)


def _finite_lists(wavelength: np.ndarray, flux: np.ndarray, error: np.ndarray | None, limits: Limits) -> dict:
    if wavelength.size == 0:
        raise ProcessingError("the spectrum has no points.")
    if wavelength.shape != flux.shape:
        raise ProcessingError(f"{wavelength.size} wavelengths but {flux.size} fluxes.")
    check_spectrum_points(wavelength.size, limits)
    keep = np.isfinite(wavelength) & np.isfinite(flux)
    if not keep.any():
        raise ProcessingError("no point has both a wavelength and a flux.")
    spectrum = {"wavelength": wavelength[keep].tolist(), "flux": flux[keep].tolist()}
    if error is not None:
        spectrum["error"] = [None if not np.isfinite(e) else float(e) for e in error[keep]]
    return spectrum


class SpectroscopyProcessor(DataProcessor):
    inspects_file = True

    def process(self, data_product) -> list[dict]:
        path = data_product.data.path
        shape = inspect(path)
        return [self._fits(path, shape) if read_as_fits(path, shape) else self._text(path, shape)]

    def _fits(self, path: str, shape: FileShape) -> dict:
        """The first binary table or image with data, as before; its points are counted from its header first,
        and of an image only the first spectrum (row) is read, not the whole array."""
        chosen = next((h for h in shape.hdus if _is_binary_table(h) or (h.kind in ("image", "compressed image")
                                                                         and h.pixels)), None)
        if chosen is None:
            raise ProcessingError("holds neither a 1-D spectrum image nor a binary table.")
        if chosen.kind == "table":
            wave = next((c for c in chosen.columns if c.lower().strip() in WAVELENGTH_NAMES), None)
            per_row = chosen.columns[wave] if wave else max(chosen.columns.values(), default=0)
            check_spectrum_points(chosen.rows * per_row, shape.limits, f"HDU {chosen.index}: the spectrum has")
        else:
            check_spectrum_points(chosen.shape[0], shape.limits, f"HDU {chosen.index}: each spectrum has")
        with astropy_errors("is not a readable FITS file"), fits.open(path, memmap=False, lazy_load_hdus=True) as hdus:
            hdu = hdus[chosen.index]
            if chosen.kind == "table":
                return self._fits_table(hdu, hdus[0].header, shape.limits)
            return self._fits_image(hdu, shape.limits)

    def _meta(self, header, fallback=None) -> dict:
        fallback = fallback or {}
        date = header.get("DATE-OBS") or header.get("MJD-OBS") or fallback.get("DATE-OBS") or fallback.get("MJD-OBS")
        if date is None:
            raise ProcessingError("no observation date: the header needs DATE-OBS or MJD-OBS.")
        return {
            "timestamp": _date(date),
            "telescope": str(header.get("TELESCOP") or fallback.get("TELESCOP") or "").strip()[:255],
            "instrument": str(header.get("INSTRUME") or fallback.get("INSTRUME") or "").strip()[:255],
        }

    def _fits_image(self, hdu, limits: Limits) -> dict:
        header = hdu.header
        first = (0,) * (header.get("NAXIS", 1) - 1)  # IRAF multispec-style cubes: the first spectrum
        data = np.asarray(hdu.section[first + (slice(None),)], dtype=float).ravel()
        crval = header.get("CRVAL1")
        step = header.get("CDELT1", header.get("CD1_1"))
        if crval is None or step is None:
            raise ProcessingError("the image has no wavelength solution (CRVAL1 and CDELT1 or CD1_1).")
        crpix = header.get("CRPIX1", 1.0)
        wavelength = crval + (np.arange(data.size) + 1 - crpix) * step
        if str(header.get("CTYPE1", "")).upper().startswith("LOG") or header.get("DC-FLAG") == 1:
            wavelength = 10 ** wavelength
        meta = self._meta(header)
        spectrum = _finite_lists(wavelength, data, None, limits)
        spectrum["wavelength_units"] = _unit_name(header.get("CUNIT1"), "Angstrom")
        spectrum["flux_units"] = _unit_name(header.get("BUNIT"), "erg / (Angstrom s cm2)")
        return {"data_type": "spectroscopy", "source_name": "", "source_location": "", "value": spectrum, **meta}

    def _fits_table(self, hdu, primary_header, limits: Limits) -> dict:
        table = Table.read(hdu)
        wave_col = find_column(table, WAVELENGTH_NAMES)
        flux_col = find_column(table, FLUX_NAMES)
        if wave_col is None or flux_col is None:
            raise ProcessingError("the table needs a wavelength and a flux column (found: %s)." % ", ".join(table.colnames))
        error_col = find_column(table, ERROR_NAMES)

        def flat(column):
            return np.asarray(table[column], dtype=float).ravel()

        wavelength = flat(wave_col)
        if wave_col.lower() == "loglam":
            wavelength = 10 ** wavelength
        spectrum = _finite_lists(wavelength, flat(flux_col), flat(error_col) if error_col else None, limits)
        spectrum["wavelength_units"] = _unit_name(str(table[wave_col].unit) if table[wave_col].unit else None, "Angstrom")
        spectrum["flux_units"] = _unit_name(str(table[flux_col].unit) if table[flux_col].unit else None,
                                            "erg / (Angstrom s cm2)")
        meta = self._meta(hdu.header, primary_header)
        return {"data_type": "spectroscopy", "source_name": "", "source_location": "", "value": spectrum, **meta}

    def _text(self, path: str, shape: FileShape) -> dict:
        check_spectrum_points(shape.rows, shape.limits)
        comments = {}
        with decompressed(path, shape.limits) as stream:
            for line in io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8", errors="replace"):
                if not line.lstrip().startswith("#"):
                    continue
                for pattern in (DATE_COMMENT, META_COMMENT):
                    match = pattern.match(line)
                    if match:
                        comments[match.group(1).lower().replace("-", "_").replace(" ", "_")] = match.group(2)
        table = read_table(path, shape)
        wave_col = find_column(table, WAVELENGTH_NAMES)
        flux_col = find_column(table, FLUX_NAMES)
        if wave_col is None or flux_col is None:
            raise ProcessingError("needs a wavelength and a flux column (found: %s)." % ", ".join(table.colnames))
        error_col = find_column(table, ERROR_NAMES)
        wavelength = float_column(table, wave_col)
        flux = float_column(table, flux_col)
        error = float_column(table, error_col) if error_col else None
        spectrum = _finite_lists(wavelength, flux, error, shape.limits)
        wave_unit = str(table[wave_col].unit) if table[wave_col].unit else comments.get("wavelength_units") or comments.get("wavelength_unit")
        flux_unit = str(table[flux_col].unit) if table[flux_col].unit else comments.get("flux_units") or comments.get("flux_unit")
        spectrum["wavelength_units"] = _unit_name(wave_unit, "Angstrom")
        spectrum["flux_units"] = _unit_name(flux_unit, "erg / (Angstrom s cm2)")
        date = table.meta.get("DATE-OBS") or table.meta.get("date_obs") or comments.get("date_obs") \
            or comments.get("mjd_obs") or comments.get("date")
        if not date:
            raise ProcessingError("no observation date: add a comment line '# DATE-OBS: 2024-05-01T03:04:05'.")
        return {
            "data_type": "spectroscopy", "timestamp": _date(date), "source_name": "", "source_location": "",
            "telescope": str(comments.get("telescope") or comments.get("facility") or table.meta.get("TELESCOP") or "")[:255],
            "instrument": str(comments.get("instrument") or table.meta.get("INSTRUME") or "")[:255],
            "value": spectrum,
        }


def _is_binary_table(hdu: Hdu) -> bool:
    return hdu.kind == "table" and str(hdu.cards.get("XTENSION", "")).strip().upper() == "BINTABLE"
