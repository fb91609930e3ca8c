"""One datum serializer, two audiences: our API's answers say all we hold, a share sends what a receiver stores."""
from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timezone

from dataproducts.models import ReducedDatum
from dataproducts.wire import PEER_FIELDS, Audience, datum_wire

WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _photometry(**fields) -> ReducedDatum:
    defaults = dict(pk=7, target_id=3, data_type="photometry", timestamp=WHEN, source_name="", source_location="",
                    value={"seeing": 1.2}, brightness=18.5, brightness_error=0.1, bandpass="r", limit=None,
                    telescope="LT", instrument="", unit="AB mag", exposure_time=30.0)
    return ReducedDatum(**{**defaults, **fields})


def test_the_api_answer_says_everything_we_hold(settings):
    answer = datum_wire(_photometry())
    assert answer["id"] == 7 and answer["target"] == 3 and answer["source_name"] == ""
    assert answer["value"] == {"magnitude": 18.5, "error": 0.1, "filter": "r", "telescope": "LT", "instrument": "",
                               "unit": "AB mag", "exposure_time": 30.0, "seeing": 1.2}


def test_a_peer_gets_the_value_earlier_versions_sent_and_no_ids_of_ours(settings):
    """A TOM Toolkit 3.x receiver recognises a datum it holds by its value: it must not change between versions."""
    settings.TOM_NAME = "Sender TOM"
    sent = datum_wire(_photometry(), Audience.PEER)
    assert sent == {"data_type": "photometry", "timestamp": "2025-01-02T03:04:05+00:00", "source_name": "Sender TOM",
                    "source_location": "", "data_product": None,
                    "value": {"magnitude": 18.5, "error": 0.1, "filter": "r", "telescope": "LT", "unit": "AB mag"}}
    assert list(sent["value"]) == ["magnitude", "error", "filter", "telescope", "unit"]  # the order sent before


def test_a_limit_without_a_bandpass_still_names_its_filter_for_a_peer(settings):
    sent = datum_wire(_photometry(brightness=None, brightness_error=None, limit=20.1, bandpass=""), Audience.PEER)
    assert sent["value"] == {"filter": "", "limit": 20.1, "telescope": "LT", "unit": "AB mag"}


def test_a_spectrum_is_its_value_with_where_it_was_taken_for_both_audiences():
    spectrum = ReducedDatum(pk=1, target_id=2, data_type="spectroscopy", timestamp=WHEN, source_name="S",
                            source_location="", value={"flux": [1.0], "wavelength": [5000.0]}, telescope="NOT",
                            instrument="ALFOSC")
    expected = {"flux": [1.0], "wavelength": [5000.0], "telescope": "NOT", "instrument": "ALFOSC"}
    assert datum_wire(spectrum)["value"] == datum_wire(spectrum, Audience.PEER)["value"] == expected


def test_what_a_peer_gets_is_read_from_peer_fields_alone():
    """The sender reads PEER_FIELDS with values_list(named=True) (4x cheaper than objects): the same answer."""
    row_type = namedtuple("Row", PEER_FIELDS)
    for datum in (_photometry(), _photometry(limit=20.0, brightness=None), _photometry(data_type="spectroscopy")):
        row = row_type(*(getattr(datum, name) for name in PEER_FIELDS))
        assert datum_wire(row, Audience.PEER) == datum_wire(datum, Audience.PEER)
