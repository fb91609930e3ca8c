"""Sharing from the Share tab in a real browser: send photometry, read the outcome, find it in History."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sharing.models import ShareRecord
from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_share_photometry_and_see_it_in_history(page, live_server, settings, data_product):
    target = data_product.target
    settings.DATA_SHARING = {"localhost-tom": {"DISPLAY_NAME": "This TOM", "BASE_URL": live_server.url,
                                               "USERNAME": "editor", "PASSWORD": "pw-editor"}}
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}{target.get_absolute_url()}")
    page.click(f"a[href='/targets/{target.pk}/share/']")  # the target's Share button
    page.select_option("#id_destination", "localhost-tom")
    expect(page.locator("#share-photometry input[name=datums]")).to_have_count(3)
    page.select_option("#id_bandpass", ["g"])  # the filter reloads the table (htmx)
    expect(page.locator("#photometry-count")).to_contain_text("2 points match the filter.")
    expect(page.locator("#share-photometry input[name=datums]")).to_have_count(2)
    page.locator("#share-photometry input[name=datums]").nth(1).uncheck()
    page.check("input[name=scope][value=ticked]")
    page.click("#preview-button")
    expect(page.locator("#preview")).to_contain_text("1 datum: 1 photometry.")
    expect(page.locator("#preview")).to_contain_text('"magnitude": 18.5')
    page.click("#share-button")
    expect(page.locator("#share-outcome")).to_contain_text("SN 2024abc was already in This TOM")
    expect(page.locator("#share-outcome")).to_contain_text("0 new, 1 already there, 0 failed.")
    page.click("#share-tabs a:has-text('History')")
    expect(page.locator("#share-history tbody tr")).to_have_count(1)
    expect(page.locator("#share-history")).to_contain_text("localhost-tom")
    expect(page.locator("#share-history")).to_contain_text("target and 1 selected datum")
    assert ShareRecord.objects.get().outcome == "sent"


def test_the_date_filter_takes_mjd_and_iso_dates_and_enter_only_filters(page, live_server, settings, data_product):
    """The points: MJD 60400.10 g, 60400.20 r, 60401.10 g (a limit); MJD 60400 is 2024-03-31."""
    target = data_product.target
    settings.DATA_SHARING = {"peer": {"DISPLAY_NAME": "Peer", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u",
                                      "PASSWORD": "p"}}
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/{target.pk}/share/")
    expect(page.locator("#photometry-count")).to_contain_text("3 points match the filter.")
    expect(page.locator("#share-photometry tbody tr").first.locator("td").nth(6)).to_have_text("mag")
    page.fill("#id_since", "60400.15")
    page.press("#id_since", "Enter")  # applies the filter; it does not submit the Share form
    expect(page.locator("#photometry-count")).to_contain_text("2 points match the filter.")
    page.fill("#id_until", "2024-03-31")
    page.locator("#id_since").focus()  # leaving the box applies it too
    expect(page.locator("#photometry-count")).to_contain_text("1 point matches the filter.")
    page.fill("#id_until", "31/03/2024")
    page.press("#id_until", "Enter")
    expect(page.locator("#photometry-filter-errors")).to_contain_text(
        "Until (inclusive): '31/03/2024' is neither a date nor an MJD")
    page.fill("#id_until", "2024-03-31T04:48")
    page.press("#id_until", "Enter")
    expect(page.locator("#photometry-count")).to_contain_text("1 point matches the filter.")
    expect(page.locator("#photometry-filter-errors")).to_have_count(0)
    assert not ShareRecord.objects.exists()
