"""Two-body positions from MPC elements, checked against JPL's own numbers."""
from __future__ import annotations

import itertools
import warnings
from types import SimpleNamespace

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import GCRS, get_body
from astropy.time import Time

from targets.visibility.orbits import NoOrbit, Orbit

# 1 Ceres from JPL Horizons (solution of 2021-Apr-13): IAU76/J2000 heliocentric ecliptic osculating elements at
# JD 2458849.5 TDB, and the "equivalent ICRF heliocentric cartesian coordinates" Horizons prints for that epoch.
CERES_EPOCH_MJD = 2458849.5 - 2400000.5
CERES = {"eccentricity": 0.07687465013145245, "inclination": 10.59127767086216, "lng_asc_node": 80.3011901917491,
         "arg_of_perihelion": 73.80896808746482}
CERES_A, CERES_MA, CERES_QR, CERES_TP_JD = 2.769289292143484, 130.3159688200986, 2.556401146697176, 2458240.1791309435
CERES_ICRF_AU = np.array([1.007608869613381, -2.390064275223502, -1.332124522752402])

# Mars from JPL's "Keplerian elements for approximate positions of the major planets" (Standish), table 1
# (1800-2050): the J2000 value and the rate per Julian century of a, e, I, L, longitude of perihelion, node.
MARS = {"a": (1.52371034, 0.00001847), "e": (0.09339410, 0.00007882), "I": (1.84969142, -0.00813131),
        "L": (-4.55343205, 19140.30268499), "varpi": (-23.94362959, 0.44441088), "node": (49.55953891, -0.29257343)}


def minor_planet(**fields):
    return SimpleNamespace(**{"scheme": "MPC_MINOR_PLANET", "epoch_of_elements": None, **fields})


def comet(**fields):
    return SimpleNamespace(**{"scheme": "MPC_COMET", "epoch_of_elements": None, **fields})


def ceres_as_minor_planet():
    return minor_planet(semimajor_axis=CERES_A, mean_anomaly=CERES_MA, **{**CERES, "epoch_of_elements": CERES_EPOCH_MJD})


def test_minor_planet_elements_give_jpls_position_of_ceres():
    position = Orbit.from_target(ceres_as_minor_planet()).heliocentric(np.array([CERES_EPOCH_MJD]))[:, 0]
    assert np.abs(position - CERES_ICRF_AU).max() < 1e-8  # AU: 1.5 km


def test_comet_elements_propagate_from_perihelion_to_jpls_position_of_ceres():
    """The comet scheme starts from the perihelion 609 days earlier: this checks the Kepler propagation itself."""
    target = comet(perihdist=CERES_QR, epoch_of_perihelion=CERES_TP_JD - 2400000.5, **CERES)
    position = Orbit.from_target(target).heliocentric(np.array([CERES_EPOCH_MJD]))[:, 0]
    assert np.abs(position - CERES_ICRF_AU).max() < 1e-8


@pytest.mark.parametrize("date", ["2003-08-28", "2020-10-14", "2025-01-16", "2026-06-01"])
def test_mars_from_its_mean_elements_is_where_astropy_puts_it(date):
    """Elements to the sky as seen from the Earth (Earth's position, light time, aberration), against astropy's
    own ephemeris of Mars; three of the dates are oppositions, when Mars is nearest and the parallax largest."""
    time = Time(f"{date}T00:00:00", scale="tt")
    centuries = (time.jd - 2451545.0) / 36525
    v = {key: value + rate * centuries for key, (value, rate) in MARS.items()}
    target = minor_planet(semimajor_axis=v["a"], eccentricity=v["e"], inclination=v["I"], lng_asc_node=v["node"],
                          arg_of_perihelion=v["varpi"] - v["node"], mean_anomaly=v["L"] - v["varpi"],
                          epoch_of_elements=time.mjd)
    place = Orbit.from_target(target).sky(time).transform_to(GCRS(obstime=time))
    assert place.separation(get_body("mars", time)) < 2 * u.arcmin


def test_the_three_conics_agree_near_a_parabola():
    """Elliptic, parabolic and hyperbolic solvers meet at e = 1 (a near-parabolic comet uses one of the three)."""
    days = np.array([-200.0, -30.0, 0.0, 1.0, 45.0, 400.0])
    places = [Orbit.from_target(comet(perihdist=0.8, eccentricity=e, inclination=120.0, lng_asc_node=30.0,
                                      arg_of_perihelion=250.0, epoch_of_perihelion=60000.0)).heliocentric(60000 + days)
              for e in (0.999999, 1.0, 1.000001)]
    assert np.abs(places[0] - places[1]).max() < 1e-4
    assert np.abs(places[2] - places[1]).max() < 1e-4
    # at perihelion the body is at distance q
    assert np.linalg.norm(places[1][:, 2]) == pytest.approx(0.8, abs=1e-12)


def test_a_highly_eccentric_orbit_solves_keplers_equation():
    orbit = Orbit.from_target(comet(perihdist=0.59, eccentricity=0.967, inclination=162.3, lng_asc_node=58.4,
                                    arg_of_perihelion=111.3, epoch_of_perihelion=46470.0))  # Halley-like
    days = np.linspace(-20000, 20000, 4001)
    r = np.linalg.norm(orbit.heliocentric(46470 + days), axis=0)
    a = 0.59 / (1 - 0.967)
    assert r.min() >= 0.59 - 1e-9 and r.max() <= a * (1 + 0.967) + 1e-9


@pytest.mark.parametrize("target,words", [
    (SimpleNamespace(scheme="JPL_MAJOR_PLANET"), "No visibility for JPL major planet elements"),
    (minor_planet(semimajor_axis=2.0, eccentricity=0.1, inclination=1.0, lng_asc_node=None, arg_of_perihelion=2.0,
                  mean_anomaly=None), "lack longitude of the ascending node, mean anomaly, epoch of elements"),
    (minor_planet(semimajor_axis=2.0, eccentricity=1.2, inclination=1.0, lng_asc_node=1.0, arg_of_perihelion=2.0,
                  mean_anomaly=3.0, epoch_of_elements=60000.0), "eccentricity below 1"),
    (comet(perihdist=0.0, eccentricity=0.5, inclination=1.0, lng_asc_node=1.0, arg_of_perihelion=2.0,
           epoch_of_perihelion=60000.0), "perihelion distance (0 AU) must be between 0.0001 and 100000 AU"),
    (SimpleNamespace(scheme=""), "needs an orbital element scheme"),
])
def test_elements_that_cannot_be_propagated_say_why(target, words):
    with pytest.raises(NoOrbit, match="No visibility") as error:
        Orbit.from_target(target)
    assert words in str(error.value)


@pytest.mark.parametrize("scheme", ["MPC_COMET", "MPC_MINOR_PLANET"])
def test_extreme_elements_give_finite_positions_or_a_reason(scheme):
    """Elements at the edges of what is accepted (and beyond) never overflow, divide by zero or return NaN."""
    days = np.array([-1e6, -3e5, -1.0, 0.0, 1e-9, 2.0, 3e5, 1e6]) + 60000
    for distance, e, epoch in itertools.product([1e-4, 1.0, 1e5], [0, 0.5, 0.99999, 1.0, 1.00001, 3.4, 100],
                                                [-1e6, 60000.0, 1e6]):
        target = SimpleNamespace(scheme=scheme, perihdist=distance, semimajor_axis=distance, eccentricity=e,
                                 inclination=179.9, lng_asc_node=-720.0, arg_of_perihelion=359.99,
                                 mean_anomaly=359.0, epoch_of_perihelion=epoch, epoch_of_elements=epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                orbit = Orbit.from_target(target)
            except NoOrbit as error:
                assert scheme == "MPC_MINOR_PLANET" and e >= 1 and "eccentricity below 1" in str(error)
                continue
            assert np.isfinite(orbit.heliocentric(days)).all(), (distance, e, epoch)


@pytest.mark.parametrize("field,value,words", [
    ("perihdist", 1e300, "perihelion distance (1e+300 AU) must be between"),
    ("eccentricity", 1e300, "eccentricity (1e+300) must be between 0 and 100"),
    ("epoch_of_perihelion", -1e15, "time of perihelion (MJD -1e+15) is outside"),
])
def test_elements_beyond_any_known_body_are_refused_naming_the_field(field, value, words):
    fields = {"perihdist": 1.0, "eccentricity": 0.5, "inclination": 1.0, "lng_asc_node": 1.0,
              "arg_of_perihelion": 1.0, "epoch_of_perihelion": 60000.0, field: value}
    with pytest.raises(NoOrbit, match="No visibility") as error:
        Orbit.from_target(comet(**fields))
    assert words in str(error.value)
