"""Every rule Hermes applies to a message, checked here before anything is sent.

Hermes answers a bad message with a tree of field errors, and a message sent
straight to a HOPSKOTCH topic is not checked by anyone: so each message is
checked locally first and each problem named by its row, as
``photometry[12]: telescope or instrument is required``. The rules follow the
Hermes serializers' behaviour, quirks included: a value that is 0 counts as
missing where Hermes drops it (a brightness of 0, a coordinate of 0), and a
message's size is measured as hop-client encodes it (``json.dumps``, UTF-8),
against the 1,000,020 bytes one Kafka message holds.
"""
from __future__ import annotations

import json
import math
from datetime import datetime

from astropy import units as u
from astropy.coordinates import Latitude, Longitude
from dateutil.parser import ParserError
from dateutil.parser import parse as parse_date

from .units import FLUX_TYPES, FLUX_UNITS, PHOTOMETRY_UNITS, WAVELENGTH_UNITS

MAX_MESSAGE_BYTES = 1_000_020
DISTANCE_UNITS = ("cm", "m", "km", "pc", "kpc", "Mpc", "Gpc", "ly", "au")
ANGLE_ERROR_UNITS = ("degrees", "mas", "arcsec", "arcmin")


def encoded(message: dict) -> bytes:
    """The Kafka value hop-client writes for a message (``JSONBlob``): what the size limit applies to."""
    return json.dumps(message).encode("utf-8")


def _is_text(value) -> bool:
    # Hermes' text fields take strings and numbers (turned into strings), nothing else.
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _filled(value) -> bool:
    return _is_text(value) and bool(str(value).strip())


def _number(value) -> float | None:
    """The value as a finite float, or None when it is not a number Hermes would take."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _missing(value) -> bool:
    # Hermes drops null, "", [], {} and 0 before its own checks.
    return value is None or value == "" or value == [] or value == {} or value == 0


def _date(value) -> bool:
    """A number (JD or MJD), or text a date parser reads."""
    if not _is_text(value):
        return False
    if _number(value) is not None:
        return True
    text = str(value).strip()
    try:
        datetime.fromisoformat(text)
        return True
    except ValueError:
        pass
    try:
        parse_date(text)
        return True
    except (ParserError, ValueError, OverflowError):
        return False


def _angle(value, kind) -> bool:
    """Degrees as a number, or text astropy reads (as hours first, then with its own units), as Hermes does."""
    number = _number(value)
    attempts = [lambda: kind(number * u.deg)] if number is not None else (
        [lambda: kind(value, unit=u.hourangle), lambda: kind(value)] if isinstance(value, str) else [])
    for attempt in attempts:
        try:
            attempt()
            return True
        except (ValueError, u.UnitsError, TypeError):
            continue
    return False


class _Collector:
    def __init__(self):
        self.errors: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.errors.append(f"{where}: {problem}" if where else problem)


def _check_numbers(out: _Collector, where: str, row: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if row.get(name) is not None and row.get(name) != "" and _number(row[name]) is None:
            out.add(where, f"{name} must be a number, not {row[name]!r}")


def _check_choice(out: _Collector, where: str, row: dict, name: str, choices: tuple[str, ...]) -> None:
    value = row.get(name)
    if value not in (None, "") and value not in choices:
        out.add(where, f"{name} {value!r} is not one of {', '.join(choices)}")


def _check_orbital_elements(out: _Collector, where: str, elements) -> None:
    where = f"{where}.orbital_elements"
    if not isinstance(elements, dict):
        out.add(where, "must be an object")
        return
    if elements.get("epoch_of_elements") in (None, ""):
        out.add(where, "epoch_of_elements is required")
    elif not _date(elements["epoch_of_elements"]):
        out.add(where, f"epoch_of_elements {elements['epoch_of_elements']!r} is not a date")
    for name, low, high in (("orbital_inclination", 0, 180), ("longitude_of_the_ascending_node", 0, 360),
                            ("argument_of_the_perihelion", 0, 360), ("eccentricity", 0, None),
                            ("mean_anomaly", 0, 360)):
        value = elements.get(name)
        if value is None or value == "":
            if name != "mean_anomaly":
                out.add(where, f"{name} is required")
            continue
        number = _number(value)
        if number is None:
            out.add(where, f"{name} must be a number, not {value!r}")
        elif number < low or (high is not None and number > high):
            out.add(where, f"{name} {number} is outside {low}–{high}" if high is not None
                    else f"{name} {number} is below {low}")
    _check_numbers(out, where, elements, ("semimajor_axis", "perihelion_distance"))
    if elements.get("epoch_of_perihelion") not in (None, "") and not _date(elements["epoch_of_perihelion"]):
        out.add(where, f"epoch_of_perihelion {elements['epoch_of_perihelion']!r} is not a date")
    by_axis = not _missing(elements.get("semimajor_axis")) and not _missing(elements.get("mean_anomaly"))
    by_perihelion = (not _missing(elements.get("perihelion_distance"))
                     and not _missing(elements.get("epoch_of_perihelion")))
    if not (by_axis or by_perihelion):
        out.add(where, "semimajor_axis with mean_anomaly, or perihelion_distance with epoch_of_perihelion, "
                       "is required (Hermes treats 0 as missing)")


def _check_target(out: _Collector, where: str, target, seen: set[str]) -> str | None:
    if not isinstance(target, dict):
        out.add(where, "must be an object")
        return None
    name = target.get("name")
    if not _filled(name):
        out.add(where, "name is required")
        name = None
    else:
        name = str(name).strip()
        if name in seen:
            out.add(where, f"name {name!r} appears more than once in the targets table")
        seen.add(name)
    has = {}
    for key, kind in (("ra", Longitude), ("dec", Latitude)):
        value = target.get(key)
        has[key] = not _missing(value) and not (_number(value) == 0)
        if value not in (None, "") and not _angle(value, kind):
            out.add(where, f"{key} {value!r} is not an angle (degrees or sexagesimal)")
    if has["ra"] != has["dec"]:
        out.add(where, f"{'dec' if has['ra'] else 'ra'} is required with {'ra' if has['ra'] else 'dec'} "
                       "(Hermes treats 0 as missing)")
    elements = target.get("orbital_elements")
    if elements not in (None, {}):
        _check_orbital_elements(out, where, elements)
    elif not (has["ra"] and has["dec"]):
        out.add(where, "ra and dec, or orbital_elements, are required")
    aliases = target.get("aliases")
    if aliases is not None:
        if not isinstance(aliases, list) or not all(_filled(a) for a in aliases):
            out.add(where, "aliases must be a list of names")
    _check_numbers(out, where, target, ("ra_error", "dec_error", "pm_ra", "pm_dec", "distance", "distance_error",
                                        "redshift", "host_redshift"))
    _check_choice(out, where, target, "distance_units", DISTANCE_UNITS)
    _check_choice(out, where, target, "ra_error_units", ANGLE_ERROR_UNITS)
    _check_choice(out, where, target, "dec_error_units", ANGLE_ERROR_UNITS)
    if target.get("epoch") not in (None, "") and not _date(target["epoch"]):
        out.add(where, f"epoch {target['epoch']!r} is not a date or year")
    return name


def _check_common(out: _Collector, where: str, row: dict, names: set[str]) -> None:
    target_name = row.get("target_name")
    if not _filled(target_name):
        out.add(where, "target_name is required")
    elif str(target_name).strip() not in names:
        out.add(where, f"target_name {target_name!r} is not a name in the targets table")
    date_obs = row.get("date_obs")
    if not _filled(date_obs):
        out.add(where, "date_obs is required")
    elif not _date(date_obs):
        out.add(where, f"date_obs {date_obs!r} is not a date (ISO 8601, JD or MJD)")
    if not (_filled(row.get("telescope")) or _filled(row.get("instrument"))):
        out.add(where, "telescope or instrument is required")


def _check_photometry(out: _Collector, where: str, row, names: set[str]) -> None:
    if not isinstance(row, dict):
        out.add(where, "must be an object")
        return
    _check_common(out, where, row, names)
    if not _filled(row.get("bandpass")):
        out.add(where, "bandpass is required")
    _check_numbers(out, where, row, ("brightness", "brightness_error", "limiting_brightness",
                                     "limiting_brightness_error", "exposure_time"))
    if not (_number(row.get("brightness")) or _number(row.get("limiting_brightness"))):
        out.add(where, "brightness or limiting_brightness is required (Hermes treats 0 as missing)")
    _check_choice(out, where, row, "brightness_unit", PHOTOMETRY_UNITS)
    _check_choice(out, where, row, "limiting_brightness_unit", PHOTOMETRY_UNITS)


def _numbers_list(out: _Collector, where: str, row: dict, name: str, required: bool) -> int | None:
    values = row.get(name)
    if values is None or values == []:
        if required:
            out.add(where, f"{name} is required (a list of at least one number)")
        return None
    if not isinstance(values, list) or any(_number(v) is None for v in values):
        out.add(where, f"{name} must be a list of numbers")
        return None
    return len(values)


def _check_spectroscopy(out: _Collector, where: str, row, names: set[str]) -> None:
    if not isinstance(row, dict):
        out.add(where, "must be an object")
        return
    _check_common(out, where, row, names)
    n_flux = _numbers_list(out, where, row, "flux", True)
    n_wave = _numbers_list(out, where, row, "wavelength", True)
    n_error = _numbers_list(out, where, row, "flux_error", False)
    if n_flux is not None and n_wave is not None and n_flux != n_wave:
        out.add(where, f"flux has {n_flux} values but wavelength has {n_wave}")
    if n_flux is not None and n_error is not None and n_flux != n_error:
        out.add(where, f"flux has {n_flux} values but flux_error has {n_error}")
    _check_numbers(out, where, row, ("exposure_time",))
    _check_choice(out, where, row, "flux_units", FLUX_UNITS)
    _check_choice(out, where, row, "wavelength_units", WAVELENGTH_UNITS)
    _check_choice(out, where, row, "flux_type", FLUX_TYPES)


def validation_errors(message, check_size: bool = True) -> list[str]:
    """Every reason Hermes would refuse ``message`` (or a topic could not hold it), each naming its row."""
    out = _Collector()
    if not isinstance(message, dict):
        return ["the message must be a JSON object"]
    for name in ("title", "topic", "submitter"):
        if not _filled(message.get(name)):
            out.add("", f"{name} is required")
    for name in ("authors", "message_text"):
        if message.get(name) not in (None, "") and not _is_text(message[name]):
            out.add("", f"{name} must be text")
    data = message.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        out.add("", "data must be an object")
        data = {}
    tables = {}
    for table in ("targets", "photometry", "spectroscopy"):
        rows = data.get(table)
        if rows is not None and not isinstance(rows, list):
            out.add("", f"data.{table} must be a list")
            rows = None
        tables[table] = rows or []
    seen: set[str] = set()
    names = {name for i, target in enumerate(tables["targets"])
             if (name := _check_target(out, f"targets[{i}]", target, seen))}
    for i, row in enumerate(tables["photometry"]):
        _check_photometry(out, f"photometry[{i}]", row, names)
    for i, row in enumerate(tables["spectroscopy"]):
        _check_spectroscopy(out, f"spectroscopy[{i}]", row, names)
    if check_size:
        problem = size_problem(message)
        if problem:
            out.add("", problem)
    return out.errors


def size_problem(message: dict) -> str:
    """Why the message cannot go onto a topic as one Kafka message ("" when it fits)."""
    size = len(encoded(message))
    if size > MAX_MESSAGE_BYTES:
        return f"the message is {size:,} bytes; one Kafka message holds at most {MAX_MESSAGE_BYTES:,}"
    return ""
