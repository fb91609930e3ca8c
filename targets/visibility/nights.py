"""The coming night at each observatory: the target's airmass, the Moon's separation and illumination.

"The coming night" at a site is the night in progress if it is night there now,
otherwise the next one; night is the Sun below -12 degrees (nautical twilight:
when most telescopes open; astronomical twilight at -18 is darker but short or
absent in a high-latitude summer). Its boundaries are found on a 10-minute grid
from 16 hours before now to 40 hours after, and interpolated between the grid
points (to well under a minute).

Astropy computes the apparent (CIRS) places of the Sun, the Moon and the target
once for all sites, every 30 minutes (interpolated in between); each site then
only turns those places into altitudes with its hour angle (the Earth rotation
angle plus its longitude) and latitude, taking off its own position for the
Moon and other nearby bodies (the Moon's parallax reaches a degree). That is
what astropy's ``AltAz`` frame does too, less polar motion and diurnal
aberration (under an arcsecond each), but ``AltAz`` recomputes precession,
nutation and the Earth's orbit for every (time, site) pair: for nine sites it
measured 2 to 2.5 s against 0.1 to 0.3 s here (``bench/visibility.py``, on a
busy two-core machine). The tests hold the two to within a few arcseconds.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import astropy.units as u
import erfa
import numpy as np
from astropy.coordinates import CIRS, SkyCoord, UnitSphericalRepresentation, get_body, get_sun
from astropy.time import Time
from astropy.utils.exceptions import AstropyWarning

from ..models import TargetType
from .orbits import STALE_ELEMENTS_DAYS, NoOrbit, Orbit
from .sites import Site, SiteError, configured_sites

STEP = timedelta(minutes=10)
KNOT_STEP = timedelta(minutes=30)
LOOK_BACK = timedelta(hours=16)
LOOK_AHEAD = timedelta(hours=40)
NIGHT_SUN_ALTITUDE = -12.0
NIGHT_LABEL = "Sun below −12° (nautical twilight)"
GOOD_AIRMASS = 2.0  # "hours at airmass below 2" in the table
AU_M = u.AU.to(u.m)


class NoPosition(ValueError):
    """The target has no position to compute from; the message says why, for the page."""


@dataclass(frozen=True)
class SiteNight:
    """One site's coming night. ``times`` are UTC datetimes; angles in degrees; airmass NaN below the horizon."""

    site: Site
    start: datetime | None = None
    end: datetime | None = None
    times: tuple[datetime, ...] = ()
    altitude: np.ndarray = field(default_factory=lambda: np.empty(0))
    airmass: np.ndarray = field(default_factory=lambda: np.empty(0))
    moon_altitude: np.ndarray = field(default_factory=lambda: np.empty(0))
    moon_separation: np.ndarray = field(default_factory=lambda: np.empty(0))
    moon_illumination: float | None = None
    note: str = ""

    @property
    def has_night(self) -> bool:
        return self.start is not None

    @property
    def rises(self) -> bool:
        return bool(self.altitude.size and np.nanmax(self.altitude) > 0)

    @property
    def best(self) -> tuple[float, datetime] | None:
        """The lowest airmass of the night and when."""
        if not self.rises:
            return None
        index = int(np.nanargmax(self.altitude))
        return float(self.airmass[index]), self.times[index]

    @property
    def good_hours(self) -> float:
        """Hours of the night at airmass below ``GOOD_AIRMASS``."""
        if not self.has_night or len(self.times) < 2:
            return 0.0
        seconds = np.diff([t.timestamp() for t in self.times])
        good = np.nan_to_num(self.airmass, nan=np.inf) < GOOD_AIRMASS
        return float(np.sum(seconds * (good[1:] & good[:-1])) / 3600)

    @property
    def moon_separation_range(self) -> tuple[float, float] | None:
        if not self.moon_separation.size:
            return None
        return float(np.min(self.moon_separation)), float(np.max(self.moon_separation))


@dataclass(frozen=True)
class Visibility:
    now: datetime
    nights: tuple[SiteNight, ...] = ()
    problem: str = ""  # why nothing can be computed (no coordinates, JPL elements, bad VISIBILITY_SITES)
    notes: tuple[str, ...] = ()  # caveats shown above the plot (elements far from their epoch)
    night_label: str = NIGHT_LABEL


def kasten_young_airmass(altitude_deg: np.ndarray) -> np.ndarray:
    """Airmass at the given true altitude (Kasten & Young 1989): sec z near the zenith, finite (38) at the horizon."""
    altitude_deg = np.asarray(altitude_deg, dtype=float)
    with np.errstate(invalid="ignore"):
        airmass = 1.0 / (np.sin(np.radians(altitude_deg)) + 0.50572 * (altitude_deg + 6.07995) ** -1.6364)
    return np.where(altitude_deg > 0, airmass, np.nan)


def target_sky(target):
    """The target's place: an object whose ``sky(times)`` is its ICRS place at those times (a star's is fixed)."""
    if target.type == TargetType.NON_SIDEREAL:
        try:
            return Orbit.from_target(target)
        except NoOrbit as exc:
            raise NoPosition(str(exc)) from None
    if target.ra is None or target.dec is None:
        raise NoPosition("No visibility: the target has no RA and Dec.")
    return _Fixed(SkyCoord(target.ra * u.deg, target.dec * u.deg))


@dataclass(frozen=True)
class _Fixed:
    coord: SkyCoord

    def sky(self, times: Time) -> SkyCoord:
        return self.coord


@dataclass(frozen=True)
class _Places:
    """Apparent geocentric (CIRS) places: unit vectors (3, N) and distances in AU (inf for the stars)."""

    unit: np.ndarray
    distance: np.ndarray

    @classmethod
    def of(cls, coord: SkyCoord, times: Time) -> _Places:
        xyz, near = _cirs(coord, times)
        return cls._from_xyz(xyz, near)

    @classmethod
    def _from_xyz(cls, xyz: np.ndarray, near: bool) -> _Places:
        distance = np.linalg.norm(xyz, axis=0)
        return cls(xyz / distance, distance if near else np.full(distance.shape, np.inf))

    def take(self, index) -> _Places:
        return _Places(self.unit[:, index], self.distance[index])


def _cirs(coord: SkyCoord, times: Time) -> tuple[np.ndarray, bool]:
    """Cartesian CIRS places (3, N): unit vectors for a star, AU for a body (``near``)."""
    cirs = coord.transform_to(CIRS(obstime=times))
    near = not isinstance(cirs.data, UnitSphericalRepresentation)
    data = cirs.cartesian if near else cirs.represent_as(UnitSphericalRepresentation).to_cartesian()
    xyz = data.xyz.to_value(u.AU) if near else data.xyz.value
    return np.broadcast_to(xyz.reshape(3, -1), (3, len(times))), near


@dataclass(frozen=True)
class _Track:
    """A body's apparent places at knots every 30 minutes, interpolated in between.

    Astropy's transformations cost the same for every time (precession,
    nutation and the Earth's orbit are recomputed), while places change
    smoothly: over half an hour the Moon's path bends from a straight line by
    under an arcsecond, and a star's place does not move at all.
    """

    first: datetime
    xyz: np.ndarray
    near: bool

    @classmethod
    def of(cls, sky_at, first: datetime, last: datetime) -> _Track:
        count = math.ceil((last - first) / KNOT_STEP) + 1
        times = _to_time([first + k * KNOT_STEP for k in range(count)])
        xyz, near = _cirs(sky_at(times), times)
        return cls(first, xyz, near)

    def at(self, moments) -> _Places:
        knots = np.arange(self.xyz.shape[1])
        where = np.array([(m - self.first) / KNOT_STEP for m in moments])
        return _Places._from_xyz(np.stack([np.interp(where, knots, axis) for axis in self.xyz]), self.near)


def _topocentric(places: _Places, local_era: np.ndarray, site: Site) -> np.ndarray:
    """Unit vectors (3, N) toward the places from the site, in axes turning with the site's meridian.

    x points to where the meridian meets the equator, z to the pole: the site
    itself is at (rho, 0, z), and a place at hour angle h, declination d is
    (cos d cos h, -cos d sin h, sin d).
    """
    cos_era, sin_era = np.cos(local_era), np.sin(local_era)
    x, y, z = places.unit
    vectors = np.stack([x * cos_era + y * sin_era, -x * sin_era + y * cos_era, z])
    near = np.isfinite(places.distance)
    if near.any():
        geocentric = np.array([c.to_value(u.m) for c in site.location.geocentric]) / AU_M
        observer = np.array([math.hypot(geocentric[0], geocentric[1]), 0.0, geocentric[2]])
        vectors[:, near] = vectors[:, near] * places.distance[near] - observer[:, None]
        vectors[:, near] /= np.linalg.norm(vectors[:, near], axis=0)
    return vectors


def _altitude(vectors: np.ndarray, site: Site) -> np.ndarray:
    latitude = math.radians(site.latitude)  # geodetic: the local vertical
    vertical = np.array([math.cos(latitude), 0.0, math.sin(latitude)])
    return np.degrees(np.arcsin(np.clip(vertical @ vectors, -1, 1)))


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b, axis=0), axis=0), np.sum(a * b, axis=0)))


def moon_illumination(sun: _Places, moon: _Places) -> np.ndarray:
    """Illuminated fraction of the Moon's disc, from the Sun-Earth-Moon elongation and the two distances."""
    elongation = np.radians(_angle(sun.unit, moon.unit))
    phase_angle = np.arctan2(sun.distance * np.sin(elongation), moon.distance - sun.distance * np.cos(elongation))
    return (1 + np.cos(phase_angle)) / 2


def moon_illumination_at(times: Time) -> np.ndarray:
    return moon_illumination(_Places.of(get_sun(times), times), _Places.of(get_body("moon", times), times))


def _local_era(times: Time) -> np.ndarray:
    ut1 = times.ut1
    return erfa.era00(ut1.jd1, ut1.jd2)


def _grid(now: datetime) -> list[datetime]:
    floor = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0)
    first = floor - LOOK_BACK
    return [first + k * STEP for k in range(int((LOOK_BACK + LOOK_AHEAD) / STEP) + 1)]


def _to_time(moments) -> Time:
    return Time(np.array([m.replace(tzinfo=None) for m in moments], dtype="datetime64[us]"), scale="utc")


def _night_bounds(sun_altitude: np.ndarray, grid: list[datetime], now: datetime):
    """(start, end, note) of the night in progress or the next one; (None, None, note) if there is none."""
    below = sun_altitude < NIGHT_SUN_ALTITUDE
    edges = np.flatnonzero(np.diff(below.astype(int)))
    run_starts = [0] if below[0] else []
    run_starts += [int(i) + 1 for i in edges if below[i + 1]]
    for first in run_starts:
        after = np.flatnonzero(~below[first:])
        last = first + int(after[0]) - 1 if after.size else len(grid) - 1
        start = grid[0] if first == 0 else _crossing(grid, sun_altitude, first - 1)
        end = grid[-1] if last == len(grid) - 1 else _crossing(grid, sun_altitude, last)
        if end <= now:
            continue
        if first == 0 and last == len(grid) - 1:
            return now, now + timedelta(hours=24), "The Sun stays below −12° all day: the next 24 hours are shown."
        note = "The night began more than 16 hours ago." if first == 0 else ""
        if last == len(grid) - 1:
            note = "The night goes on beyond the 40 hours computed."
        return start, end, note
    return None, None, "No night (the Sun stays above −12°) in the next 40 hours."


def _crossing(grid: list[datetime], altitude: np.ndarray, index: int) -> datetime:
    """When the Sun crosses the night's altitude between grid points ``index`` and ``index + 1``."""
    a, b = altitude[index], altitude[index + 1]
    fraction = (a - NIGHT_SUN_ALTITUDE) / (a - b)
    return grid[index] + fraction * STEP


def visibility_for(target, now: datetime | None = None, sites=None) -> Visibility:
    """Everything the visibility section shows, for the coming night at each configured site."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    try:
        sites = configured_sites() if sites is None else tuple(sites)
        sky = target_sky(target)
    except (SiteError, NoPosition) as exc:
        return Visibility(now, problem=str(exc))
    if not sites:
        return Visibility(now, problem="No observatories are configured (the VISIBILITY_SITES setting is empty).")
    with warnings.catch_warnings():
        # Past the bundled IERS tables astropy warns on every call; core.astropy_offline explains why that is fine.
        warnings.simplefilter("ignore", AstropyWarning)
        return _compute(target, sky, sites, now)


def _compute(target, sky, sites, now: datetime) -> Visibility:
    grid = _grid(now)
    grid_era = _local_era(_to_time(grid))
    sun = _Track.of(get_sun, grid[0], grid[-1])
    sun_grid = sun.at(grid)
    bounds = []
    for site in sites:
        local_era = grid_era + math.radians(site.longitude)
        sun_altitude = _altitude(_topocentric(sun_grid, local_era, site), site)
        bounds.append(_night_bounds(sun_altitude, grid, now))
    nights_at = [b for b in bounds if b[0] is not None]
    if not nights_at:
        return Visibility(now, tuple(SiteNight(site, note=note) for site, (_s, _e, note) in zip(sites, bounds)))

    # The target and the Moon, once for all sites, over the span of all the nights.
    first = min(start for start, _e, _n in nights_at)
    last = max(end for _s, end, _n in nights_at)
    target_track = _Track.of(sky.sky, first, last)
    if not np.isfinite(target_track.xyz).all():
        return Visibility(now, problem="No visibility: the target's elements give no position for tonight.")
    moon_track = _Track.of(lambda times: get_body("moon", times), first, last)

    nights = []
    for site, (start, end, note) in zip(sites, bounds):
        if start is None:
            nights.append(SiteNight(site, note=note))
            continue
        moments = [start, *(m for m in grid if start < m < end), end]
        local_era = _local_era(_to_time(moments)) + math.radians(site.longitude)
        target_vectors = _topocentric(target_track.at(moments), local_era, site)
        moon_places = moon_track.at(moments)
        moon_vectors = _topocentric(moon_places, local_era, site)
        altitude = _altitude(target_vectors, site)
        if not np.any(altitude > 0):
            note = " ".join(filter(None, [note, "The target stays below the horizon all night."]))
        middle = [start + (end - start) / 2]
        illumination = moon_illumination(sun.at(middle), moon_track.at(middle))[0]
        nights.append(SiteNight(
            site, start, end, tuple(moments), altitude, kasten_young_airmass(altitude),
            _altitude(moon_vectors, site), _angle(target_vectors, moon_vectors), float(illumination), note,
        ))
    notes = ()
    if isinstance(sky, Orbit):
        days = sky.days_from_epoch(_to_time([first]).tt.mjd[0])
        if days > STALE_ELEMENTS_DAYS:
            notes = ((f"The orbital elements are {days:.0f} days from tonight: two-body positions drift over that "
                      "time (the planets' pull), so refresh the elements for precise pointing."),)
    return Visibility(now, tuple(nights), notes=notes)
