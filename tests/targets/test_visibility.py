"""The coming night's airmass and Moon at each site, against independent values."""
from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, SkyCoord, get_body
from astropy.time import Time

from targets.visibility.nights import kasten_young_airmass, moon_illumination_at, visibility_for
from targets.visibility.sites import SiteError, parse_site, parse_sites

PARANAL = parse_site("Paranal", {"latitude": -24.627439, "longitude": -70.404987, "elevation": 2669,
                                 "timezone": "America/Santiago"})
LA_PALMA = parse_site("La Palma", {"latitude": 28.758333, "longitude": 342.12, "elevation": 2327,
                                   "timezone": "Atlantic/Canary"})
SIRIUS = SimpleNamespace(type="SIDEREAL", ra=101.287155, dec=-16.716116)  # J2000


def star(ra: float, dec: float):
    return SimpleNamespace(type="SIDEREAL", ra=ra, dec=dec)


def at(visibility, moment: datetime) -> int:
    return visibility.nights[0].times.index(moment)


def test_airmass_of_sirius_at_paranal_matches_the_textbook_altitude_formula():
    """Hour angle from the mean sidereal time (USNO's formula), altitude from the spherical triangle: at J2000
    itself, so precession is nil and the rest (nutation, aberration) stays under an arcminute."""
    moment = datetime(2000, 1, 1, 4, 0, tzinfo=UTC)
    visibility = visibility_for(SIRIUS, now=moment, sites=[PARANAL])
    night = visibility.nights[0]
    index = at(visibility, moment)

    days = Time(moment).jd - 2451545.0
    sidereal_hours = (18.697374558 + 24.06570982441908 * days) % 24
    hour_angle = math.radians(sidereal_hours * 15 + PARANAL.longitude - SIRIUS.ra)
    lat, dec = math.radians(PARANAL.latitude), math.radians(SIRIUS.dec)
    altitude = math.degrees(math.asin(math.sin(lat) * math.sin(dec) + math.cos(lat) * math.cos(dec) * math.cos(hour_angle)))

    assert night.altitude[index] == pytest.approx(altitude, abs=0.02)
    assert night.airmass[index] == pytest.approx(1 / math.cos(math.radians(90 - altitude)), abs=0.003)
    assert 1.0 < night.airmass[index] < 1.5  # high in the sky an hour after local midnight in January


def test_kasten_young_airmass_is_sec_z_high_up_and_finite_at_the_horizon():
    assert kasten_young_airmass(np.array([90.0]))[0] == pytest.approx(1.0, abs=1e-3)
    assert kasten_young_airmass(np.array([30.0]))[0] == pytest.approx(1.9943, abs=1e-3)
    assert kasten_young_airmass(np.array([0.001]))[0] == pytest.approx(37.92, abs=0.05)
    assert np.isnan(kasten_young_airmass(np.array([-1.0]))[0])


@pytest.mark.parametrize("target", [star(101.287155, -16.716116), star(280.0, 38.8)])
def test_altitudes_and_moon_distance_agree_with_astropys_altaz_frame(target):
    """Each site's altitudes come from the apparent places and its hour angle; astropy's AltAz frame (computed
    for every time and site) must agree to a few arcseconds, the Moon's parallax included."""
    now = datetime(2026, 3, 14, 22, 0, tzinfo=UTC)
    night = visibility_for(target, now=now, sites=[LA_PALMA]).nights[0]
    times = Time([t.replace(tzinfo=None) for t in night.times], scale="utc")
    frame = AltAz(obstime=times, location=LA_PALMA.location)
    expected = SkyCoord(target.ra * u.deg, target.dec * u.deg).transform_to(frame)
    moon = get_body("moon", times, location=LA_PALMA.location).transform_to(frame)
    assert np.abs(night.altitude - expected.alt.deg).max() * 3600 < 3
    assert np.abs(night.moon_altitude - moon.alt.deg).max() * 3600 < 10
    assert np.abs(night.moon_separation - expected.separation(moon).deg).max() * 3600 < 10


@pytest.mark.parametrize("moment,low,high", [
    ("2022-11-08T10:59:00", 0.999, 1.0),  # total lunar eclipse (greatest eclipse): a full Moon
    ("2024-04-08T18:17:00", 0.0, 0.001),  # total solar eclipse of North America (greatest eclipse): a new Moon
    ("2024-04-15T19:13:00", 0.40, 0.60),  # first quarter, a week after
])
def test_moon_illumination_at_known_phases(moment, low, high):
    illumination = moon_illumination_at(Time([moment], scale="utc"))[0]
    assert low <= illumination <= high


def test_a_circumpolar_target_is_up_all_night():
    night = visibility_for(star(30.0, 85.0), now=datetime(2026, 1, 10, 12, 0, tzinfo=UTC), sites=[LA_PALMA]).nights[0]
    assert night.has_night and not np.isnan(night.airmass).any()
    assert night.altitude.min() > 28.76 + 85 - 90 - 0.5  # lowest at lower culmination: latitude + dec - 90
    assert night.altitude.max() < 28.76 + 90 - 85 + 0.5  # highest at upper culmination: 90 - (dec - latitude)
    assert np.nanmax(night.airmass) < 2.6


def test_a_target_that_never_rises_at_a_site_says_so():
    visibility = visibility_for(star(83.8, -80.0), now=datetime(2026, 1, 10, 12, 0, tzinfo=UTC), sites=[LA_PALMA])
    night = visibility.nights[0]
    assert night.has_night and np.isnan(night.airmass).all() and night.best is None
    assert "stays below the horizon all night" in night.note


def test_the_coming_night_is_tonight_while_it_is_night_and_the_next_one_by_day():
    by_night = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)  # midnight in Chile
    night = visibility_for(SIRIUS, now=by_night, sites=[PARANAL]).nights[0]
    assert night.start < by_night < night.end
    assert timedelta(hours=7) < night.end - night.start < timedelta(hours=10)  # a short summer night

    by_day = datetime(2026, 1, 10, 16, 0, tzinfo=UTC)  # 13:00 in Chile
    night = visibility_for(SIRIUS, now=by_day, sites=[PARANAL]).nights[0]
    assert by_day < night.start < by_day + timedelta(hours=10)
    # the Sun is at -12 degrees at both ends
    for moment in (night.start, night.end):
        time = Time(moment.replace(tzinfo=None), scale="utc")
        sun = get_body("sun", time).transform_to(AltAz(obstime=time, location=PARANAL.location))
        assert sun.alt.deg == pytest.approx(-12, abs=0.1)
    assert night.times[0] == night.start and night.times[-1] == night.end
    assert all(b - a <= timedelta(minutes=10) for a, b in zip(night.times, night.times[1:]))


def test_a_site_without_night_or_without_day_says_so():
    north = parse_site("Near the pole", {"latitude": 89.0, "longitude": 0.0, "elevation": 10})
    summer = visibility_for(SIRIUS, now=datetime(2026, 6, 21, 12, 0, tzinfo=UTC), sites=[north]).nights[0]
    assert not summer.has_night and "No night" in summer.note
    winter = datetime(2026, 12, 21, 12, 0, tzinfo=UTC)
    polar_night = visibility_for(SIRIUS, now=winter, sites=[north]).nights[0]
    assert (polar_night.start, polar_night.end) == (winter, winter + timedelta(hours=24))
    assert "all day" in polar_night.note


def test_nine_sites_each_get_their_own_night():
    sites = parse_sites({f"Site {k}": {"latitude": -30 + 7 * k, "longitude": -170 + 40 * k, "elevation": 2000}
                         for k in range(9)})
    now = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    visibility = visibility_for(star(250.0, -20.0), now=now, sites=sites)
    starts = [night.start for night in visibility.nights]
    assert all(start is not None for start in starts) and len(set(starts)) == 9
    for night in visibility.nights:  # local midnight (longitude / 15 hours from UTC) falls inside its night
        midnight = night.start + (night.end - night.start) / 2
        solar = (midnight.hour + midnight.minute / 60 + night.site.longitude / 15) % 24
        assert min(solar, 24 - solar) < 1.0


@pytest.mark.parametrize("target,words", [
    (star(None, None), "the target has no RA and Dec"),
    (SimpleNamespace(type="NON_SIDEREAL", scheme="JPL_MAJOR_PLANET"), "No visibility for JPL major planet elements"),
])
def test_a_target_without_a_position_gets_the_reason(target, words):
    visibility = visibility_for(target, now=datetime(2026, 1, 1, tzinfo=UTC), sites=[PARANAL])
    assert words in visibility.problem and visibility.nights == ()


def test_a_minor_planet_is_placed_from_its_elements_and_old_elements_are_flagged():
    ceres = SimpleNamespace(
        type="NON_SIDEREAL", scheme="MPC_MINOR_PLANET", semimajor_axis=2.769289292143484,
        eccentricity=0.07687465013145245, inclination=10.59127767086216, lng_asc_node=80.3011901917491,
        arg_of_perihelion=73.80896808746482, mean_anomaly=130.3159688200986, epoch_of_elements=58849.0)
    fresh = visibility_for(ceres, now=datetime(2020, 1, 1, 12, 0, tzinfo=UTC), sites=[PARANAL])
    assert fresh.nights[0].has_night and fresh.notes == ()
    stale = visibility_for(ceres, now=datetime(2026, 1, 1, 12, 0, tzinfo=UTC), sites=[PARANAL])
    assert re.match(r"The orbital elements are 21\d\d days from tonight", stale.notes[0])


@pytest.mark.parametrize("values,words", [
    ({"latitude": 95, "longitude": 0, "elevation": 0}, "latitude must be a number of degrees in [-90, 90] (got 95)"),
    ({"latitude": 10, "longitude": "east", "elevation": 0}, "longitude must be a number"),
    ({"latitude": 10, "longitude": 0, "elevation": float("nan")}, "elevation must be a number of metres"),
    ({"latitude": 10, "longitude": 0}, "elevation must be a number of metres"),
    ({"latitude": 10, "longitude": 0, "elevation": 0, "timezone": "Mars/Olympus"}, "is not an IANA time zone"),
    ({"latitude": 10, "longitude": 0, "elevation": 0, "height": 5}, "unknown field 'height'"),
    ("Cerro Pachon", "must be a dict"),
])
def test_a_bad_site_is_refused_naming_the_site_and_field(values, words):
    with pytest.raises(SiteError) as error:
        parse_sites({"Bad site": values})
    assert "VISIBILITY_SITES['Bad site']" in str(error.value) and words in str(error.value)


def test_longitudes_from_0_to_360_are_read_as_east():
    assert LA_PALMA.longitude == pytest.approx(-17.88)
