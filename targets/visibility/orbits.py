"""Where a non-sidereal target is, from its orbital elements: a two-body (Kepler) propagation.

The MPC schemes give heliocentric elements referred to the ecliptic and
equinox of J2000: a minor planet its mean anomaly at the epoch, a comet its
perihelion distance and time. Two-body motion ignores the planets' pull, so a
position drifts from the truth as the night moves away from the elements'
epoch (arcminutes after months for a main-belt asteroid): plenty for an
airmass plot, which is all this is for. Positions are placed in the ICRS
(barycentric, with the light time to the Earth taken off) so that astropy does
the rest of the way to the observer: aberration, precession, nutation and the
parallax of a nearby object.

The JPL major planet scheme is not computed: its angles are not the minor
planet ones (longitude of perihelion and mean longitude in slalib's form 1,
planetocentric for satellites) and the TOM Toolkit's fields do not say which
were stored, so a position from them could be wrong by degrees.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.coordinates import ICRS, CartesianRepresentation, SkyCoord, get_body_barycentric
from astropy.time import Time

from ..models import Scheme

GAUSS_K = 0.01720209895  # the Gaussian gravitational constant: sqrt(GM_sun) in AU^1.5 / day
OBLIQUITY_J2000 = math.radians(84381.448 / 3600)  # IAU 1976, the MPC's (and JPL's) ecliptic of J2000
LIGHT_DAYS_PER_AU = 499.00478383615643 / 86400  # light time for one astronomical unit, in days
STALE_ELEMENTS_DAYS = 365  # beyond this the page warns that two-body positions drift
# Beyond these no solar-system body is known (interstellar objects have e of 1.2 and 3.4), and the arithmetic
# would overflow: such elements are refused with the field named.
DISTANCE_RANGE_AU = (1e-4, 1e5)
MAX_ECCENTRICITY = 100.0
MJD_RANGE = (-1e6, 1e6)  # about 800 BC to AD 4600
MINOR_PLANET_FIELDS = ("semimajor_axis", "eccentricity", "inclination", "lng_asc_node", "arg_of_perihelion",
                       "mean_anomaly", "epoch_of_elements")
COMET_FIELDS = ("perihdist", "eccentricity", "inclination", "lng_asc_node", "arg_of_perihelion",
                "epoch_of_perihelion")
FIELD_WORDS = {
    "semimajor_axis": "semimajor axis", "eccentricity": "eccentricity", "inclination": "inclination",
    "lng_asc_node": "longitude of the ascending node", "arg_of_perihelion": "argument of perihelion",
    "mean_anomaly": "mean anomaly", "epoch_of_elements": "epoch of elements", "perihdist": "perihelion distance",
    "epoch_of_perihelion": "time of perihelion",
}


class NoOrbit(ValueError):
    """The target's elements cannot be propagated; the message says why, for the page."""


@dataclass(frozen=True)
class Orbit:
    """Heliocentric conic elements (AU, degrees, days): ``q`` perihelion distance, ``tp`` perihelion time (MJD TT)."""

    q: float
    e: float
    i: float
    node: float
    peri: float
    tp: float
    epoch: float  # MJD TT the elements are for (what "stale" is measured from)

    @classmethod
    def from_target(cls, target) -> Orbit:
        scheme = target.scheme
        if scheme == Scheme.JPL_MAJOR_PLANET:
            raise NoOrbit("No visibility for JPL major planet elements: that scheme's angles (longitude of "
                          "perihelion and mean longitude, planetocentric for satellites) are not the minor-planet "
                          "ones and the stored fields do not say which they are, so a position computed from them "
                          "could be wrong by degrees.")
        if scheme not in (Scheme.MPC_MINOR_PLANET, Scheme.MPC_COMET):
            raise NoOrbit("No visibility: a non-sidereal target needs an orbital element scheme "
                          "(MPC minor planet or MPC comet).")
        fields = MINOR_PLANET_FIELDS if scheme == Scheme.MPC_MINOR_PLANET else COMET_FIELDS
        missing = [FIELD_WORDS[f] for f in fields if not _finite(getattr(target, f))]
        if missing:
            raise NoOrbit(f"No visibility: the {Scheme(scheme).label} elements lack {', '.join(missing)}.")
        e = float(target.eccentricity)
        if not 0 <= e <= MAX_ECCENTRICITY:
            raise NoOrbit(f"No visibility: the eccentricity ({e:g}) must be between 0 and {MAX_ECCENTRICITY:g}.")
        for name in ("epoch_of_elements", "epoch_of_perihelion"):
            value = getattr(target, name, None)
            if _finite(value) and not MJD_RANGE[0] <= float(value) <= MJD_RANGE[1]:
                raise NoOrbit(f"No visibility: the {FIELD_WORDS[name]} (MJD {float(value):g}) is outside "
                              f"MJD {MJD_RANGE[0]:g} to {MJD_RANGE[1]:g}.")
        angles = tuple(float(getattr(target, name)) % 360.0 for name in ("inclination", "lng_asc_node",
                                                                          "arg_of_perihelion"))
        if scheme == Scheme.MPC_MINOR_PLANET:
            a = _distance(target, "semimajor_axis")
            if e >= 1:
                raise NoOrbit("No visibility: a minor planet's elements need an eccentricity below 1 (got "
                              f"{e:g}); use the comet scheme for open orbits.")
            n = GAUSS_K / a ** 1.5  # radians per day
            mean_anomaly = math.radians(float(target.mean_anomaly) % 360.0)
            if mean_anomaly > math.pi:
                mean_anomaly -= 2 * math.pi  # the nearest perihelion passage, before or after the epoch
            tp = float(target.epoch_of_elements) - mean_anomaly / n
            return cls(a * (1 - e), e, *angles, tp, float(target.epoch_of_elements))
        q = _distance(target, "perihdist")
        epoch = target.epoch_of_elements if _finite(target.epoch_of_elements) else target.epoch_of_perihelion
        return cls(q, e, *angles, float(target.epoch_of_perihelion), float(epoch))

    def heliocentric(self, mjd_tt) -> np.ndarray:
        """Positions (AU, shape (3, *mjd_tt.shape)) in the ICRS axes, centred on the Sun, at the given MJD (TT)."""
        dt = np.asarray(mjd_tt, dtype=float) - self.tp
        x, y = _in_orbit_plane(self.q, self.e, dt.ravel())
        xyz = _rotation(self.i, self.node, self.peri) @ np.stack([x, y, np.zeros_like(x)])
        return xyz.reshape((3, *dt.shape))

    def sky(self, times: Time) -> SkyCoord:
        """Barycentric ICRS positions as seen from the Earth at ``times`` (light time taken off), with distance."""
        tt = times.tt.mjd
        earth = get_body_barycentric("earth", times).xyz.to_value(u.AU)
        sun = get_body_barycentric("sun", times).xyz.to_value(u.AU)
        distance = np.linalg.norm(self.heliocentric(tt) + sun - earth, axis=0)
        emitted = tt - distance * LIGHT_DAYS_PER_AU
        # The Sun's barycentric motion during the light time is under 2e-7 AU: its position at ``times`` serves.
        position = self.heliocentric(emitted) + sun
        return SkyCoord(CartesianRepresentation(position * u.AU), frame=ICRS())

    def days_from_epoch(self, mjd_tt: float) -> float:
        return abs(mjd_tt - self.epoch)


def _distance(target, name: str) -> float:
    value = float(getattr(target, name))
    low, high = DISTANCE_RANGE_AU
    if not low <= value <= high:
        raise NoOrbit(f"No visibility: the {FIELD_WORDS[name]} ({value:g} AU) must be between {low:g} and "
                      f"{high:g} AU.")
    return value


def _finite(value) -> bool:
    return value is not None and math.isfinite(float(value))


def _rotation(inclination: float, node: float, peri: float) -> np.ndarray:
    """From the orbit plane (x toward perihelion) to the ICRS axes, through the J2000 ecliptic."""
    i, o, w = (math.radians(v) for v in (inclination, node, peri))
    co, so, ci, si, cw, sw = math.cos(o), math.sin(o), math.cos(i), math.sin(i), math.cos(w), math.sin(w)
    to_ecliptic = np.array([
        [co * cw - so * sw * ci, -co * sw - so * cw * ci, 0.0],
        [so * cw + co * sw * ci, -so * sw + co * cw * ci, 0.0],
        [sw * si, cw * si, 0.0],
    ])
    ce, se = math.cos(OBLIQUITY_J2000), math.sin(OBLIQUITY_J2000)
    to_equator = np.array([[1.0, 0.0, 0.0], [0.0, ce, -se], [0.0, se, ce]])
    return to_equator @ to_ecliptic


def _in_orbit_plane(q: float, e: float, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position in the orbit plane (AU; x toward perihelion) ``dt`` days after perihelion, for any conic."""
    if abs(e - 1.0) < 1e-9:  # parabola: Barker's equation, solved in closed form
        w = 3 * GAUSS_K * dt / math.sqrt(2 * q ** 3)
        root = np.cbrt(np.abs(w) / 2 + np.sqrt(w * w / 4 + 1))  # |w|: no cancellation before perihelion
        d = np.sign(w) * (root - 1 / root)  # tan(true anomaly / 2)
        return q * (1 - d * d), 2 * q * d
    a = q / abs(1 - e)
    mean_anomaly = GAUSS_K * dt / a ** 1.5
    if e < 1:
        mean_anomaly = np.remainder(mean_anomaly + np.pi, 2 * np.pi) - np.pi
        ecc = mean_anomaly + 0.85 * e * np.sign(np.sin(mean_anomaly))  # Danby's start: Newton converges for any e
        for _ in range(50):
            step = (ecc - e * np.sin(ecc) - mean_anomaly) / (1 - e * np.cos(ecc))
            ecc = ecc - step
            if np.all(np.abs(step) < 1e-13):
                break
        return a * (np.cos(ecc) - e), a * math.sqrt(1 - e * e) * np.sin(ecc)
    hyp = np.arcsinh(mean_anomaly / e)  # hyperbola: e sinh H - H = M
    for _ in range(80):
        step = (e * np.sinh(hyp) - hyp - mean_anomaly) / (e * np.cosh(hyp) - 1)
        hyp = hyp - step
        if np.all(np.abs(step) < 1e-13):
            break
    return a * (e - np.cosh(hyp)), a * math.sqrt(e * e - 1) * np.sinh(hyp)
