"""``VISIBILITY_SITES``: the observatories the visibility section draws, parsed once into ``Site`` objects.

The setting is a dict keyed by the name shown on the page, each value with
``latitude`` and ``longitude`` (degrees, east positive; 0-360 is accepted, as in
astropy's site registry), ``elevation`` (metres) and an optional IANA
``timezone`` for the local times. The shape is the TOM Toolkit facilities'
``get_observing_sites()`` one, so a list copied from there works.

A bad entry is refused with the site and the field named: ``manage.py check``
reports it (``targets.E001``) and the section shows it instead of a plot. The
locations are never looked up by name (``EarthLocation.of_site`` downloads).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import astropy.units as u
from astropy.coordinates import EarthLocation
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import ngettext

MAX_NAME_LENGTH = 100
ELEVATION_RANGE = (-500.0, 9000.0)


class SiteError(ImproperlyConfigured):
    """``VISIBILITY_SITES`` cannot be used; the message names the site and the field."""


@dataclass(frozen=True)
class Site:
    name: str
    latitude: float  # degrees, geodetic
    longitude: float  # degrees east, in [-180, 180)
    elevation: float  # metres
    timezone: str = ""  # IANA name, or "" (local times then are not shown)

    @cached_property
    def location(self) -> EarthLocation:
        return EarthLocation.from_geodetic(self.longitude * u.deg, self.latitude * u.deg, self.elevation * u.m)

    @cached_property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None


def _number(site: str, field: str, value, low: float, high: float, unit: str) -> float:
    if isinstance(value, bool):
        value = None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise SiteError(f"VISIBILITY_SITES[{site!r}]: {field} must be a number of {unit} in [{low:g}, {high:g}]"
                        f" (got {value!r}).")
    return number


def parse_site(name, values) -> Site:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise SiteError(f"VISIBILITY_SITES: {name!r} is not a site name (text of 1 to {MAX_NAME_LENGTH} characters).")
    if not isinstance(values, dict):
        raise SiteError(f"VISIBILITY_SITES[{name!r}] must be a dict with latitude, longitude and elevation.")
    unknown = sorted(set(values) - {"latitude", "longitude", "elevation", "timezone", "sitecode"})
    if unknown:
        raise SiteError(f"VISIBILITY_SITES[{name!r}]: "
                        + ngettext("unknown field %(names)s", "unknown fields %(names)s", len(unknown))
                        % {"names": ", ".join(map(repr, unknown))}
                        + "; expected latitude, longitude, elevation and optionally timezone.")
    latitude = _number(name, "latitude", values.get("latitude"), -90, 90, "degrees")
    longitude = _number(name, "longitude", values.get("longitude"), -180, 360, "degrees")
    elevation = _number(name, "elevation", values.get("elevation"), *ELEVATION_RANGE, "metres")
    timezone = values.get("timezone") or ""
    if timezone:
        try:
            if not isinstance(timezone, str):
                raise ValueError
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SiteError(f"VISIBILITY_SITES[{name!r}]: timezone {timezone!r} is not an IANA time zone name "
                            "(such as 'America/Santiago').") from None
    longitude = (longitude + 180.0) % 360.0 - 180.0
    return Site(name.strip(), latitude, longitude, elevation, timezone)


def parse_sites(value) -> tuple[Site, ...]:
    if not isinstance(value, dict):
        raise SiteError("VISIBILITY_SITES must be a dict: site name -> {latitude, longitude, elevation, timezone}.")
    return tuple(parse_site(name, values) for name, values in value.items())


def configured_sites() -> tuple[Site, ...]:
    """The sites of the current settings (parsed on each call: tests and ``local_settings`` may change them)."""
    return parse_sites(getattr(settings, "VISIBILITY_SITES", {}))
