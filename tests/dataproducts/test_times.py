"""The one rule that tells a JD from an MJD, which a column, a page's field, a stream and a spectrum all use."""
from __future__ import annotations

import math

import pytest

from dataproducts.processors.times import jd_or_mjd, number_to_mjd


@pytest.mark.parametrize(("number", "kind"), [
    (60400.25, "mjd"), (15_000.5, "mjd"), (99_999.0, "mjd"),
    (2_460_400.75, "jd"), (2_400_000.1, "jd"), (3_000_000.0, "jd"),
    (15_000.0, None), (12.0, None), (0.0, None), (-5.0, None), (100_000.0, None), (2_000_000.0, None),
    (math.nan, None),
])
def test_a_number_is_a_jd_above_2400000_and_an_mjd_between_15000_and_100000(number, kind):
    assert jd_or_mjd(number) == kind


@pytest.mark.parametrize(("number", "mjd"), [
    (60400.25, 60400.25), (2_460_400.75, 60400.25), (2_400_000.6, 0.1),
    (12.0, None), (99_999_999.0, None), (3_000_000.0, None), (math.nan, None), (math.inf, None), (-math.inf, None),
])
def test_one_number_becomes_an_mjd_of_the_years_1800_to_2200_or_nothing(number, mjd):
    result = number_to_mjd(number)
    assert result == pytest.approx(mjd) if mjd is not None else result is None
