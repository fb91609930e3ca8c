"""Plot legends are text, as plotly.js draws them in a real browser (issue 11, item 13).

Markup a peer sent as a bandpass, telescope or unit shows literally in the legend and axis titles, and
plotly makes no link (``<a>`` inside the plot's SVG) from it.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums
from tests.e2e.test_targets_in_browser import log_in
from tests.security.test_plot_text import BAND_LINK, TELESCOPE_LINK, UNIT_LINK, hostile_datums

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_legends_and_titles_show_markup_from_data_as_text(page, live_server, target):
    save_datums(target, [parse_datum(d) for d in hostile_datums()], origin="api")
    log_in(page, live_server.url, "viewer", "pw-viewer")
    page.goto(f"{live_server.url}{target.get_absolute_url()}")

    light_curve = page.locator("#plot-lightcurve")
    expect(light_curve.locator(".legend .traces")).to_have_count(2)
    expect(light_curve.locator(".legend")).to_contain_text(BAND_LINK)
    expect(light_curve.locator(".ytitle")).to_have_text(UNIT_LINK)
    spectra = page.locator("#plot-spectra")
    expect(spectra.locator(".legend .traces")).to_have_count(1)
    expect(spectra.locator(".legend")).to_contain_text(TELESCOPE_LINK)
    expect(spectra.locator(".xtitle")).to_have_text(f"Wavelength ({UNIT_LINK})")
    # plotly turns <a href> in its text into an SVG link, <b> into a bold tspan: none of either from data
    for plot in (light_curve, spectra):
        expect(plot.locator("svg a")).to_have_count(0)
        expect(plot.locator("svg tspan[style*='bold']")).to_have_count(0)
