"""Parsing and presenting sky coordinates.

Forms, CSV import and cone search accept decimal degrees or sexagesimal.
Following the TOM Toolkit's convention, a sexagesimal right ascension is in
hours ("12:30:00", "12h30m00s", "12 30 00") while a bare number is degrees;
declination is always degrees.
"""
from __future__ import annotations

import math
import re
import warnings

from astropy import units as u
from astropy.coordinates import Angle, SkyCoord

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class CoordinateError(ValueError):
    """A coordinate that cannot be read or is out of range; the message says why."""


def _is_decimal(text: str) -> bool:
    return bool(_NUMBER.match(text))


def parse_ra(value) -> float:
    """Right ascension in degrees, in [0, 360)."""
    if isinstance(value, (int, float)):
        degrees = float(value)
    else:
        text = str(value).strip()
        if not text:
            raise CoordinateError("Right ascension is empty.")
        try:
            if _is_decimal(text):
                degrees = float(text)
            else:
                unit = u.deg if re.search(r"[d°]", text) else u.hourangle
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # astropy warns of hours >= 24; the range check below says it
                    # rounded to 1e-10 degrees (0.4 micro-arcsec) so 10:00:00 is 150.0, not 149.99999999999997
                    degrees = round(float(Angle(text, unit=unit).to_value(u.deg)), 10)
        except (ValueError, TypeError, u.UnitsError) as exc:
            raise CoordinateError(
                f"Cannot read right ascension {text!r}: use degrees (187.5) or hours (12:30:00)."
            ) from exc
    if not math.isfinite(degrees) or not 0 <= degrees < 360:
        raise CoordinateError(f"Right ascension must be in [0, 360) degrees, not {degrees:g}.")
    return degrees


def parse_dec(value) -> float:
    """Declination in degrees, in [-90, 90]."""
    if isinstance(value, (int, float)):
        degrees = float(value)
    else:
        text = str(value).strip()
        if not text:
            raise CoordinateError("Declination is empty.")
        try:
            degrees = float(text) if _is_decimal(text) else round(float(Angle(text, unit=u.deg).to_value(u.deg)), 10)
        except (ValueError, TypeError, u.UnitsError) as exc:
            raise CoordinateError(
                f"Cannot read declination {text!r}: use degrees (-45.25) or sexagesimal (-45:15:00)."
            ) from exc
    if not math.isfinite(degrees) or not -90 <= degrees <= 90:
        raise CoordinateError(f"Declination must be in [-90, 90] degrees, not {degrees:g}.")
    return degrees


def parse_radius_arcsec(value, default_unit: str = "arcsec") -> float:
    """A cone-search radius: a number in ``default_unit``, or with its own unit ("2 arcmin", "0.5d")."""
    text = str(value).strip()
    if not text:
        raise CoordinateError("Radius is empty.")
    try:
        if _is_decimal(text):
            radius = float((float(text) * u.Unit(default_unit)).to_value(u.arcsec))
        else:
            radius = float(Angle(text).to_value(u.arcsec))
    except (ValueError, TypeError, u.UnitsError) as exc:
        raise CoordinateError(f"Cannot read radius {text!r}: give a number of {default_unit} or a unit.") from exc
    if not math.isfinite(radius) or radius <= 0 or radius > 180 * 3600:
        raise CoordinateError("Radius must be greater than 0 and at most 180 degrees.")
    return radius


def sexagesimal(ra: float, dec: float) -> tuple[str, str]:
    return (
        Angle(ra, unit=u.deg).to_string(unit=u.hourangle, sep=":", precision=3, pad=True),
        Angle(dec, unit=u.deg).to_string(unit=u.deg, sep=":", precision=2, alwayssign=True, pad=True),
    )


def galactic(ra: float, dec: float) -> tuple[float, float]:
    g = SkyCoord(ra=ra * u.deg, dec=dec * u.deg, frame="icrs").galactic
    return float(g.l.deg), float(g.b.deg)
