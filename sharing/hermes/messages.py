"""Hermes messages built from a target and its datums, split to fit on a Kafka topic.

One message carries the target table (name, coordinates or orbital elements,
aliases) and the rows: photometry with ISO 8601 UTC dates, a brightness or a
limiting brightness and a unit Hermes accepts; spectra with flux and
wavelength arrays. A long light curve does not fit in one Kafka message
(1,000,020 bytes, about 3,700 rows), so it is cut into parts, each repeating
the target table, titled "(part 2 of 3)". Each row is sized once, as
hop-client will encode it, so splitting costs one pass.
"""
from __future__ import annotations

import json
from datetime import timezone

from django.conf import settings

from targets.hermes_names import ORBITAL_ELEMENTS
from targets.models import Target

from . import units
from .validation import MAX_MESSAGE_BYTES, encoded

SENT_TYPES = ("photometry", "spectroscopy")

# Room kept free in each part besides its JSON body: Kafka's record overhead and the headers
# (_id, _format, title, _sender, topic), and a title that grows by " (part 12 of 34)".
HEADROOM = 2_048


def iso_utc(moment) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _maybe(entry: dict, key: str, value) -> None:
    if value is not None and value != "":
        entry[key] = value


def orbital_elements(target: Target) -> dict:
    """Our orbital elements under Hermes' names (epochs are MJD, which Hermes reads as such)."""
    elements: dict = {}
    for ours, theirs in ORBITAL_ELEMENTS.items():
        value = getattr(target, ours)
        if value is not None:
            # Hermes keeps epochs as text (a date, or a JD / MJD number).
            elements[theirs] = str(value) if theirs.startswith("epoch") else value
    return elements


def target_entry(target: Target) -> dict:
    """One row of ``data.targets``: coordinates in degrees, or orbital elements, and every alias."""
    entry: dict = {"name": target.name}
    _maybe(entry, "ra", target.ra)
    _maybe(entry, "dec", target.dec)
    if target.ra is not None and target.dec is not None:
        if target.pm_ra is not None:
            entry["pm_ra"] = target.pm_ra / 1000  # ours mas/yr, Hermes arcsec/yr
        if target.pm_dec is not None:
            entry["pm_dec"] = target.pm_dec / 1000
        if target.epoch is not None:
            entry["epoch"] = str(target.epoch)
        if target.distance is not None:
            entry["distance"] = target.distance
            _maybe(entry, "distance_error", target.distance_err)
            entry["distance_units"] = "pc"
    if not target.is_sidereal:
        elements = orbital_elements(target)
        if elements:
            entry["orbital_elements"] = elements
    aliases = target.alias_names()
    if aliases:
        entry["aliases"] = aliases
    return entry


def _scaled(value, factor):
    return value if value is None or not factor or factor == 1.0 else value * factor


def photometry_row(datum, target_name: str) -> dict:
    """A photometry row; a non-detection carries ``limiting_brightness``. Flux units are converted to mJy or F-lambda."""
    unit, factor = units.photometry(datum.unit)
    row = {"target_name": target_name, "date_obs": iso_utc(datum.timestamp)}
    _maybe(row, "telescope", datum.telescope)
    _maybe(row, "instrument", datum.instrument)
    row["bandpass"] = datum.bandpass
    _maybe(row, "brightness", _scaled(datum.brightness, factor))
    _maybe(row, "brightness_error", _scaled(datum.brightness_error, factor))
    _maybe(row, "limiting_brightness", _scaled(datum.limit, factor))
    # Both units, always: Hermes would otherwise publish "AB mag" for a limit given in mJy.
    row["brightness_unit"] = unit
    row["limiting_brightness_unit"] = unit
    _maybe(row, "exposure_time", datum.exposure_time)
    return row


def spectroscopy_row(datum, target_name: str) -> dict:
    """A spectrum inline: flux, wavelength and errors, in units Hermes accepts (converted when needed)."""
    value = datum.value or {}
    row = {"target_name": target_name, "date_obs": iso_utc(datum.timestamp)}
    _maybe(row, "telescope", datum.telescope or value.get("telescope"))
    _maybe(row, "instrument", datum.instrument or value.get("instrument"))
    flux, wavelength, error = value.get("flux"), value.get("wavelength"), value.get("error", value.get("flux_error"))
    flux_factor = 1.0
    if value.get("flux_units"):
        flux_unit, flux_factor = units.flux(value["flux_units"])
        row["flux_units"] = flux_unit
        if flux_factor is not None:
            row["flux_type"] = units.flux_type(flux_unit)
    wave_factor = 1.0
    if value.get("wavelength_units"):
        row["wavelength_units"], wave_factor = units.wavelength(value["wavelength_units"])

    def scaled(values, factor):
        if not isinstance(values, list) or not factor or factor == 1.0:
            return values
        return [v * factor if isinstance(v, (int, float)) else v for v in values]

    row["flux"] = scaled(flux, flux_factor)
    row["wavelength"] = scaled(wavelength, wave_factor)
    if error:
        row["flux_error"] = scaled(error, flux_factor)
    return row


def submitter(user) -> str:
    """Who sent it, as people reading the stream will see it: the user and this TOM."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"{user.get_username()} via {settings.TOM_NAME}"
    return settings.TOM_NAME


def default_title(target: Target, n_photometry: int, n_spectra: int) -> str:
    what = " and ".join(part for part in (
        f"{n_photometry} photometry point{'s' * (n_photometry != 1)}" if n_photometry else "",
        f"{n_spectra} spectr{'a' if n_spectra != 1 else 'um'}" if n_spectra else "") if part)
    return f"{target.name}: {what or 'target'} from {settings.TOM_NAME}"


def draft(target: Target, datums, topic: str, user, title: str = "", message_text: str = "",
          authors: str = "") -> dict:
    """One message with every row (not yet split): the target table, photometry and spectra in date order."""
    photometry, spectroscopy = [], []
    for datum in datums.filter(data_type__in=SENT_TYPES).iterator(chunk_size=5000):
        if datum.data_type == "photometry":
            photometry.append(photometry_row(datum, target.name))
        else:
            spectroscopy.append(spectroscopy_row(datum, target.name))
    if not authors and user is not None and getattr(user, "is_authenticated", False):
        authors = user.get_full_name()
    data: dict = {"targets": [target_entry(target)]}
    if photometry:
        data["photometry"] = photometry
    if spectroscopy:
        data["spectroscopy"] = spectroscopy
    return {"title": (title or "").strip() or default_title(target, len(photometry), len(spectroscopy)),
            "topic": topic, "submitter": submitter(user), "authors": authors or "",
            "message_text": message_text or "", "data": data}


class RowTooLarge(ValueError):
    def __init__(self, where: str, size: int):
        super().__init__(f"{where}: this one row is {size:,} bytes; one Kafka message holds at most "
                         f"{MAX_MESSAGE_BYTES:,} with the target table")
        self.where = where


def split(message: dict, limit: int = MAX_MESSAGE_BYTES) -> list[dict]:
    """The message itself when it fits, else parts that each fit, each with the whole target table.

    Rows keep their order (photometry, then spectra). Each row costs its JSON length plus the ", "
    that separates it from the next, exactly as ``json.dumps`` writes the list.
    """
    title = message["title"]
    budget = limit - HEADROOM - len(title.encode("utf-8"))  # the title header travels beside the body
    if len(encoded(message)) <= budget:
        return [message]
    data = message.get("data", {})
    rows = [("photometry", i, r) for i, r in enumerate(data.get("photometry", []))]
    rows += [("spectroscopy", i, r) for i, r in enumerate(data.get("spectroscopy", []))]
    shell = {**message, "data": {**data, "photometry": [], "spectroscopy": []}}
    base = len(encoded(shell))
    groups: list[list[tuple[str, dict]]] = []
    current: list[tuple[str, dict]] = []
    used = base
    for table, index, row in rows:
        size = len(json.dumps(row).encode("utf-8")) + 2
        if base + size > budget:
            raise RowTooLarge(f"{table}[{index}]", size)
        if current and used + size > budget:
            groups.append(current)
            current, used = [], base
        current.append((table, row))
        used += size
    if current:
        groups.append(current)
    parts = []
    for number, group in enumerate(groups, start=1):
        part_data = {k: v for k, v in data.items() if k not in ("photometry", "spectroscopy")}
        for table in ("photometry", "spectroscopy"):
            chosen = [row for t, row in group if t == table]
            if chosen:
                part_data[table] = chosen
        parts.append({**message, "title": f"{title} (part {number} of {len(groups)})", "data": part_data})
    return parts
