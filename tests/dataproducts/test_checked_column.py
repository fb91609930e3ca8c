"""checked_column: a column of datums checked by parse_datum's own rules, and a NUL refused by both."""
from __future__ import annotations

import math

import pytest

from dataproducts.datums import DatumError, checked_column, parse_datum


def test_a_text_column_is_stripped_and_a_float_column_made_finite_or_none():
    assert checked_column("bandpass", [" r", "g ", None, "r"]) == ["r", "g", "", "r"]
    assert checked_column("brightness", [18.5, 17, None, "", math.nan, math.inf]) == [18.5, 17.0, None, None, None,
                                                                                    None]


@pytest.mark.parametrize(("name", "values", "row", "message"), [
    ("bandpass", ["r", "x" * 33], 2, "is longer than 32 characters"),
    ("telescope", ["LCO", "L\x00CO"], 2, "contains a NUL character"),
    ("brightness", [18.5, 18.6, "bright"], 3, "'bright' is not a number"),
    ("limit", [True], 1, "True is not a number"),
])
def test_a_bad_value_is_named_by_its_row_as_parse_datum_names_it(name, values, row, message):
    with pytest.raises(DatumError) as caught:
        checked_column(name, values)
    assert (caught.value.field, caught.value.row) == (name, row) and message in caught.value.message
    with pytest.raises(DatumError) as one:  # the same rule, one datum at a time
        parse_datum({"data_type": "photometry", "timestamp": "2026-04-01T00:00:00Z", name: values[row - 1]})
    assert one.value.message == caught.value.message


def test_parse_datum_refuses_a_nul_character_in_any_text_field():
    for field in ("source_name", "source_location", "bandpass", "unit", "telescope", "instrument"):
        with pytest.raises(DatumError, match="NUL"):
            parse_datum({"data_type": "photometry", "timestamp": "2026-04-01T00:00:00Z", field: "a\x00b"})
    with pytest.raises(DatumError, match="NUL"):
        parse_datum({"data_type": "spectroscopy", "timestamp": "2026-04-01T00:00:00Z", "telescope": "\x00",
                     "value": {"flux": [1.0], "wavelength": [1.0]}})
