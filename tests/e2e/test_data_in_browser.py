"""Uploading photometry on a target page and seeing the light curve drawn, in a real browser."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dataproducts.models import ReducedDatum
from tests.conftest import PHOTOMETRY_CSV
from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_photometry_and_see_the_light_curve(page, live_server, target, tmp_path):
    csv = tmp_path / "lightcurve.csv"
    csv.write_text(PHOTOMETRY_CSV)
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}{target.get_absolute_url()}")
    expect(page.locator("#section-lightcurve")).to_contain_text("No photometry yet.")
    page.set_input_files("#id_file", str(csv))
    page.select_option("#id_data_product_type", "photometry")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#upload-outcome")).to_contain_text("Stored lightcurve.csv: 3 new data points.")
    assert ReducedDatum.objects.filter(target=target).count() == 3

    page.reload()
    # plotly.js (served from the plotly package) draws the figure: one legend entry per trace
    expect(page.locator("#plot-lightcurve .main-svg").first).to_be_visible()
    expect(page.locator("#plot-lightcurve .legend .traces")).to_have_count(3)
    expect(page.locator("#photometry-table tbody tr")).to_have_count(3)

    # a point by hand, through the htmx form
    page.click("text=Add a point by hand")
    page.fill("#id_time", "60402.5")
    page.fill("#id_bandpass", "r")
    page.fill("#id_brightness", "18.9")
    page.click("#photometry-form button[type=submit]")
    expect(page.locator("#photometry-outcome")).to_have_text("Added the point.")
    expect(page.locator("#photometry-table tbody tr")).to_have_count(4)


def test_a_refused_upload_is_explained_in_the_form(page, live_server, target, tmp_path, settings):
    """htmx does not swap a 4xx answer by default: the refusal must still reach the form."""
    settings.DATA_PRODUCT_MAX_BYTES = 1000
    big = tmp_path / "lightcurve.csv"
    big.write_text(PHOTOMETRY_CSV + "60402.10,g,18.40,0.05,,LCO-1m\n" * 100)
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}{target.get_absolute_url()}")
    page.set_input_files("#id_file", str(big))
    page.select_option("#id_data_product_type", "photometry")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#upload-errors")).to_contain_text("this TOM accepts files of at most 1,000 bytes")
    assert not ReducedDatum.objects.exists()
