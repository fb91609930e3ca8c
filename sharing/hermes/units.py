"""Our units, in the few spellings Hermes accepts.

Hermes takes photometry in ``AB mag``, ``Vega mag``, ``mJy`` or
``erg / s / cm² / Å``; spectra with ``flux_units`` in ``mJy`` or
``erg / s / cm² / Å`` and ``wavelength_units`` in Å, nm, µm, Hz, GHz, THz.
Our datums keep whatever unit they arrived with, so each is mapped here: a
magnitude system by name, a flux or wavelength through astropy with the
factor that converts the values. A unit that cannot be mapped is passed on
unchanged, and validation then names the row that carries it.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

from astropy import units as u

AB_MAG, VEGA_MAG, MJY, FLAMBDA = "AB mag", "Vega mag", "mJy", "erg / s / cm² / Å"
PHOTOMETRY_UNITS = (AB_MAG, VEGA_MAG, MJY, FLAMBDA)
FLUX_UNITS = (MJY, FLAMBDA)
WAVELENGTH_UNITS = ("Å", "nm", "µm", "Hz", "GHz", "THz")
FLUX_TYPES = ("Fλ", "Flambda", "Fν", "Fnu")

# Magnitude systems by name, before astropy: astropy reads "AB" as a flux unit. A bare "mag" (or nothing)
# is what Hermes assumes anyway: AB.
MAGNITUDES = {
    "": AB_MAG, "ab": AB_MAG, "abmag": AB_MAG, "ab mag": AB_MAG, "ab mags": AB_MAG, "mag(ab)": AB_MAG,
    "mag": AB_MAG, "mags": AB_MAG, "magnitude": AB_MAG, "magnitudes": AB_MAG, "ab magnitude": AB_MAG,
    "vega": VEGA_MAG, "vegamag": VEGA_MAG, "vega mag": VEGA_MAG, "vega mags": VEGA_MAG, "mag(vega)": VEGA_MAG,
    "vega magnitude": VEGA_MAG,
}
_FLAMBDA_UNIT = u.erg / u.s / u.cm**2 / u.AA
_WAVELENGTHS = {"Å": u.AA, "nm": u.nm, "µm": u.um, "Hz": u.Hz, "GHz": u.GHz, "THz": u.THz}


@lru_cache(maxsize=256)
def _astropy(text: str):
    text = text.replace("Å", "Angstrom").replace("µ", "u").replace("μ", "u").replace("²", "2")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return u.Unit(text)
    except (ValueError, TypeError):
        return None


def _factor(unit, target) -> float:
    # astropy's scale carries float noise (m -> nm is 999999999.9999999): 15 significant digits are exact here.
    return float(f"{unit.to(target):.15g}")


@lru_cache(maxsize=256)
def flux(text: str) -> tuple[str, float | None]:
    """``(hermes_unit, factor)`` for a flux density; ``(text, None)`` when Hermes has no such unit."""
    text = (text or "").strip()
    if text in FLUX_UNITS:
        return text, 1.0
    unit = _astropy(text)
    if unit is not None:
        for name, target in ((MJY, u.mJy), (FLAMBDA, _FLAMBDA_UNIT)):
            try:
                return name, _factor(unit, target)
            except u.UnitConversionError:
                continue
    return text, None


@lru_cache(maxsize=256)
def photometry(text: str) -> tuple[str, float | None]:
    """``(hermes_unit, factor)`` for a photometry unit: a magnitude system by name, else a flux density."""
    text = (text or "").strip()
    if text in PHOTOMETRY_UNITS:
        return text, 1.0
    name = MAGNITUDES.get(" ".join(text.lower().split()))
    if name:
        return name, 1.0
    return flux(text)


@lru_cache(maxsize=256)
def wavelength(text: str) -> tuple[str, float | None]:
    """``(hermes_unit, factor)``: the same unit when Hermes has it, else nm (a length) or Hz (a frequency)."""
    text = (text or "").strip()
    if text in WAVELENGTH_UNITS:
        return text, 1.0
    unit = _astropy(text)
    if unit is None:
        return text, None
    for name, target in _WAVELENGTHS.items():
        if unit == target:
            return name, 1.0
    for name, target in (("nm", u.nm), ("Hz", u.Hz)):
        try:
            return name, _factor(unit, target)
        except u.UnitConversionError:
            continue
    return text, None


def flux_type(hermes_unit: str) -> str:
    return "Fν" if hermes_unit == MJY else "Fλ"
