import pytest

from targets.coordinates import (
    CoordinateError,
    galactic,
    parse_dec,
    parse_ra,
    parse_radius_arcsec,
    sexagesimal,
)


@pytest.mark.parametrize("text,degrees", [
    ("187.5", 187.5), ("12:30:00", 187.5), ("12 30 00", 187.5), ("12h30m00s", 187.5), ("0", 0.0),
    ("187d30m", 187.5), (" 00:00:00.0 ", 0.0),
])
def test_right_ascension_decimal_is_degrees_sexagesimal_is_hours(text, degrees):
    assert parse_ra(text) == pytest.approx(degrees)


@pytest.mark.parametrize("text,degrees", [("-45.25", -45.25), ("-45:15:00", -45.25), ("+07 24 25.4", 7.407056), ("0", 0.0)])
def test_declination_in_degrees(text, degrees):
    assert parse_dec(text) == pytest.approx(degrees, abs=1e-6)


@pytest.mark.parametrize("text,message", [
    ("abc", "Cannot read right ascension"), ("24:00:01", "[0, 360)"), ("360", "[0, 360)"), ("", "empty"), ("nan", "Cannot read"),
])
def test_bad_right_ascension_says_why(text, message):
    with pytest.raises(CoordinateError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        parse_ra(text)


@pytest.mark.parametrize("text", ["91", "-90.001", "95:00:00", "north"])
def test_bad_declination_is_refused(text):
    with pytest.raises(CoordinateError):
        parse_dec(text)


def test_radius_takes_arcsec_or_a_unit():
    assert parse_radius_arcsec("30") == 30
    assert parse_radius_arcsec("2 arcmin") == pytest.approx(120)
    assert parse_radius_arcsec("0.5d") == pytest.approx(1800)
    with pytest.raises(CoordinateError):
        parse_radius_arcsec("-1")


def test_presentation_in_sexagesimal_and_galactic():
    ra, dec = sexagesimal(187.5, -45.25)
    assert ra == "12:30:00.000" and dec == "-45:15:00.00"
    l, b = galactic(266.404996, -28.936172)  # Galactic centre
    assert l == pytest.approx(0.0, abs=0.01) or l == pytest.approx(360.0, abs=0.01)
    assert b == pytest.approx(0.0, abs=0.01)


def test_parsers_return_plain_floats():
    # numpy scalars break Django's validators ("truth value of an empty array")
    assert type(parse_ra("12:30:00")) is float and type(parse_dec("-10:00:00")) is float
    assert type(parse_radius_arcsec("1 arcmin")) is float
