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
# A number (any float syntax) and what follows it: "1e3 arcsec", "1.5e-1deg".
_QUANTITY = re.compile(r"^(?P<number>[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)\s*(?P<unit>\S.*)$")


class CoordinateError(ValueError):
    """A coordinate that cannot be read or is out of range; the message says why."""


def _is_decimal(text: str) -> bool:
    return bool(_NUMBER.match(text))


def _degrees(value, what: str, unit: u.UnitBase, examples: str) -> float:
    """Degrees from a number, decimal text, or sexagesimal text in ``unit``; the refusal names ``what`` and shows
    ``examples``. The range is the caller's to check."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if not text:
        raise CoordinateError(f"{what.capitalize()} is empty.")
    if _is_decimal(text):
        return float(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # astropy warns of hours >= 24; the caller's range check says it
            # rounded to 1e-10 degrees (0.4 micro-arcsec) so 10:00:00 is 150.0, not 149.99999999999997
            return round(float(Angle(text, unit=unit).to_value(u.deg)), 10)
    except (ValueError, TypeError, u.UnitsError) as exc:
        raise CoordinateError(f"Cannot read {what} {text!r}: use {examples}.") from exc


def parse_ra(value) -> float:
    """Right ascension in degrees, in [0, 360)."""
    unit = u.deg if not isinstance(value, (int, float)) and re.search(r"[d°]", str(value)) else u.hourangle
    degrees = _degrees(value, "right ascension", unit, "degrees (187.5) or hours (12:30:00)")
    if not math.isfinite(degrees) or not 0 <= degrees < 360:
        raise CoordinateError(f"Right ascension must be in [0, 360) degrees, not {degrees:g}.")
    return degrees


def parse_dec(value) -> float:
    """Declination in degrees, in [-90, 90]."""
    degrees = _degrees(value, "declination", u.deg, "degrees (-45.25) or sexagesimal (-45:15:00)")
    if not math.isfinite(degrees) or not -90 <= degrees <= 90:
        raise CoordinateError(f"Declination must be in [-90, 90] degrees, not {degrees:g}.")
    return degrees


def _angle_unit(text: str) -> u.UnitBase | None:
    """The angle unit astropy calls ``text`` ("arcsec", "deg", "mas", "hourangle"...), a plural forgiven; else None."""
    for candidate in dict.fromkeys((text, text[:-1] if text.endswith("s") else text)):
        try:
            unit = u.Unit(candidate, parse_strict="raise")
        except (ValueError, TypeError):
            continue
        if unit.is_equivalent(u.deg):
            return unit
    return None


def parse_radius_arcsec(value, default_unit: str = "arcsec", label: str = "Radius") -> float:
    """A cone-search radius in arcsec, from a number in ``default_unit`` or a number with an angle unit.

    Any float syntax with any angle unit astropy knows ("1e3 arcsec", "1.5e-1 deg", "3 mas"), or what
    astropy's angle parser reads ("30'", '10"', "0.5d", "1d30m"). The number and its unit are read apart
    first because that parser knows no exponents: it refused "1e3 arcsec" while taking "1e3" and "30 arcmin".
    ``label`` names the field in the error.
    """
    text = str(value).strip()
    if not text:
        raise CoordinateError(f"{label} is empty.")
    how = f"give a number of {default_unit}, or a number with an angle unit (1e3 arcsec, 2 arcmin, 0.5 deg, 30', 10\")"
    if len(text) > 100:
        raise CoordinateError(f"Cannot read {label.lower()} {text[:20]!r}...: {how}.")
    radius = None
    unit_text = ""
    if _is_decimal(text):
        radius = float(text) * u.Unit(default_unit)
    elif match := _QUANTITY.match(text):
        unit_text = match["unit"].strip()
        unit = _angle_unit(unit_text)
        if unit is not None:
            radius = float(match["number"]) * unit
    if radius is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                radius = Angle(text)  # sexagesimal and symbols: 30', 10", 0.5d, 1d30m
        except (ValueError, TypeError, u.UnitsError, ArithmeticError):
            why = f"{unit_text!r} is not an angle unit" if unit_text else "no number and unit found"
            raise CoordinateError(f"Cannot read {label.lower()} {text!r} ({why}): {how}.") from None
    arcsec = float(radius.to_value(u.arcsec))
    if not math.isfinite(arcsec) or arcsec <= 0 or arcsec > 180 * 3600:
        raise CoordinateError(f"{label} must be greater than 0 and at most 180 degrees.")
    return arcsec


def sexagesimal(ra: float, dec: float) -> tuple[str, str]:
    return (
        Angle(ra, unit=u.deg).to_string(unit=u.hourangle, sep=":", precision=3, pad=True),
        Angle(dec, unit=u.deg).to_string(unit=u.deg, sep=":", precision=2, alwayssign=True, pad=True),
    )


def galactic(ra: float, dec: float) -> tuple[float, float]:
    g = SkyCoord(ra=ra * u.deg, dec=dec * u.deg, frame="icrs").galactic
    return float(g.l.deg), float(g.b.deg)
