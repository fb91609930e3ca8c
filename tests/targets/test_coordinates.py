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


@pytest.mark.parametrize("text,arcsec", [
    ("1e3 arcsec", 1000), ("1E3arcsec", 1000), ("1.5e-1 deg", 540), ("30'", 1800), ('10"', 10), ("1e3", 1000),
    ("30 arcmin", 1800), (".5 deg", 1800), ("5. arcmin", 300), ("+3 arcsec", 3), ("3 mas", 0.003), ("1 uas", 1e-6),
    ("2 degrees", 7200), ("10 arcseconds", 10), ("5\u2033", 5), ("5\u2032", 300), ("1\u00b0", 3600),
    ("1d30m", 5400), ("0.01 rad", 2062.648), ("1 hourangle", 54000), ("2.5e+1 arcsec", 25),
])
def test_radius_reads_any_float_syntax_with_any_angle_unit(text, arcsec):
    assert parse_radius_arcsec(text) == pytest.approx(arcsec, rel=1e-6)


@pytest.mark.parametrize("text,message", [
    ("1e3 parsec", "Cannot read radius '1e3 parsec' ('parsec' is not an angle unit)"),
    ("2 yr", "'yr' is not an angle unit"),
    ("1e3 arcsec2", "'arcsec2' is not an angle unit"),
    ("wide", "Cannot read radius 'wide'"),
    ("nan arcsec", "Cannot read radius"),
    ("1.5 e3 arcsec", "Cannot read radius"),
    ("1e400 arcsec", "Radius must be greater than 0"),
    ("1e-400 deg", "Radius must be greater than 0"),
    ("-1 arcsec", "Radius must be greater than 0"),
    ("181 deg", "at most 180 degrees"),
    ("", "Radius is empty"),
    ("9" * 500, "Cannot read radius '99999999999999999999'..."),
])
def test_a_bad_radius_is_named_and_says_why(text, message):
    with pytest.raises(CoordinateError) as caught:
        parse_radius_arcsec(text)
    assert message in str(caught.value)


def test_radius_default_unit_and_label_are_the_callers():
    assert parse_radius_arcsec("0.01", default_unit="deg") == pytest.approx(36)
    assert parse_radius_arcsec("5 arcsec", default_unit="deg") == pytest.approx(5)
    with pytest.raises(CoordinateError, match="Cone radius must be greater"):
        parse_radius_arcsec("0", label="Cone radius")


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
