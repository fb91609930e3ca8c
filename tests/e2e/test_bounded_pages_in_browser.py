"""Bounded pages in a real browser (issue 11, item 10): the spectra plot pages through older spectra with
htmx, and the Share tab lists a few spectra with an "all N" box."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums
from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def spectra(count: int) -> list[dict]:
    return [parse_datum({"data_type": "spectroscopy", "timestamp": f"2024-01-{day + 1:02d}T00:00:00",
                         "value": {"flux": [1.0, 2.0 + day], "wavelength": [500.0, 501.0], "telescope": f"T{day + 1}"}})
            for day in range(count)]


def test_older_spectra_are_a_click_away_and_the_share_tab_offers_all(page, live_server, target, settings):
    settings.SHARE_CHOICES_SHOWN = 4
    settings.DATA_SHARING = {"peer": {"DISPLAY_NAME": "Peer", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u",
                                      "PASSWORD": "p"}}
    save_datums(target, spectra(25), origin="api")
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}{target.get_absolute_url()}")
    plot = page.locator("#plot-spectra")
    expect(plot.locator(".legend .traces")).to_have_count(20)
    expect(page.locator("#spectra-pager")).to_contain_text("The latest 20 of 25 spectra")
    expect(plot.locator(".legend")).to_contain_text("2024-01-25 00:00 T25")
    page.click("#spectra-older")
    expect(page.locator("#spectra-pager")).to_contain_text("Spectra 21–25 of 25 spectra")
    expect(plot.locator(".legend .traces")).to_have_count(5)
    expect(plot.locator(".legend")).to_contain_text("2024-01-01 00:00 T1")
    page.click("#normalise")  # normalising keeps the page
    expect(page.locator("#plot-spectra .ytitle")).to_have_text("Normalised flux")
    expect(page.locator("#spectra-pager")).to_contain_text("Spectra 21–25 of 25 spectra")
    page.click("#spectra-newer")
    expect(page.locator("#plot-spectra .legend .traces")).to_have_count(20)

    page.goto(f"{live_server.url}/targets/{target.pk}/share/")
    expect(page.locator("input[name=spectra]")).to_have_count(4)
    expect(page.locator("#id_all_spectra")).to_be_checked()
    expect(page.locator("label[for=id_all_spectra]")).to_have_text("All 25 spectra and other data, not only the 4 latest listed")
    page.select_option("#id_destination", "peer")
    page.check("input[value=none][name=scope]")
    page.click("#preview-button")
    expect(page.locator("#share-preview")).to_contain_text("25 datums: 25 spectroscopy.")
    page.uncheck("#id_all_spectra")
    page.click("#preview-button")
    expect(page.locator("#share-preview")).to_contain_text("4 datums: 4 spectroscopy.")
    page.screenshot(path="/tmp/sd-share-tab.png", full_page=True)
