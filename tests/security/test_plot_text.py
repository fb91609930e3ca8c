"""Plot legends are text (issue 11, item 13): what a peer sends as a bandpass, telescope or unit is shown
literally by plotly, never as its HTML dialect (a live ``<a href>`` link in the legend or hover box).

The browser half of this (the legend drawn by plotly.js has no link) is tests/e2e/test_plot_text_in_browser.py.
"""
from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from django.urls import reverse

# Generated here, not stored: markup a peer puts where plotly reads its HTML dialect (bandpass: 32 characters).
BAND_LINK = '<a href="http://127.0.0.1">x</a>'
TELESCOPE_LINK = '<a href="http://127.0.0.1:9/t">Telescope</a><b>bold</b>'
UNIT_LINK = '<a href="//127.0.0.1">nm</a>'  # a photometry unit: at most 32 characters


def hostile_datums() -> list[dict]:
    return [
        {"data_type": "photometry", "timestamp": "2025-01-01T00:00:00",
         "value": {"magnitude": 18.0, "error": 0.1, "filter": BAND_LINK, "telescope": TELESCOPE_LINK,
                   "unit": UNIT_LINK}},
        {"data_type": "photometry", "timestamp": "2025-01-02T00:00:00",
         "value": {"limit": 20.0, "filter": BAND_LINK, "telescope": TELESCOPE_LINK}},
        {"data_type": "spectroscopy", "timestamp": "2025-01-03T00:00:00",
         "value": {"flux": [1.0, 2.0], "wavelength": [500.0, 501.0], "telescope": TELESCOPE_LINK,
                   "wavelength_units": UNIT_LINK, "flux_units": UNIT_LINK}},
    ]


def plant(target) -> None:
    """As a peer does: HTTP Basic, the bulk endpoint."""
    peer = Client(headers={"Authorization": "Basic " + base64.b64encode(b"root:pw-root").decode()})
    response = peer.post("/api/reduceddatums/bulk/", {"target": target.pk, "datums": hostile_datums()},
                         content_type="application/json")
    assert response.json()["created"] == 3, response.content


def figure_in(html: str) -> dict:
    start = html.index('type="application/json"')
    return json.loads(html[html.index(">", start) + 1: html.index("</script>", start)])


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@pytest.mark.parametrize("section", ["lightcurve", "spectra"])
def test_the_figure_has_no_live_markup_from_data(client_for, target, section):
    plant(target)
    html = client_for("viewer").get(reverse(f"dataproducts:{section}", args=[target.pk])).content.decode()
    figure = figure_in(html)
    texts = list(strings_in(figure))
    assert not [t for t in texts if "<a" in t or "<b>" in t], texts
    assert not [t for t in texts if "%{" in t and ("127.0.0.1" in t or "Telescope" in t)]  # no data in templates
    names = [trace["name"] for trace in figure["data"]]
    if section == "lightcurve":
        assert names == ["&lt;a href=\"http://127.0.0.1\"&gt;x&lt;/a&gt;",
                         "&lt;a href=\"http://127.0.0.1\"&gt;x&lt;/a&gt; limit"]
        assert figure["layout"]["yaxis"]["title"]["text"] == "&lt;a href=\"//127.0.0.1\"&gt;nm&lt;/a&gt;"
    else:
        assert names == ["2025-01-03 00:00 &lt;a href=\"http://127.0.0.1:9/t\"&gt;Telescope&lt;/a&gt;"
                         "&lt;b&gt;bold&lt;/b&gt;"]
        assert figure["layout"]["xaxis"]["title"]["text"] == (
            "Wavelength (&lt;a href=\"//127.0.0.1\"&gt;nm&lt;/a&gt;)")
