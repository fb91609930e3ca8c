"""The visibility section on a target page, drawn by plotly in a real browser."""
from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_target_page_draws_tonights_airmass_at_every_site_with_the_moon(page, live_server, target):
    sites = list(settings.VISIBILITY_SITES)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.url, "viewer", "pw-viewer")
    page.goto(f"{live_server.url}{target.get_absolute_url()}")

    section = page.locator("#section-visibility")
    # the first computation in a process loads astropy's tables: allow for a slow, shared machine
    expect(section.locator("svg.main-svg").first).to_be_visible(timeout=45000)
    legend = section.locator(".legend .traces")
    expect(legend).to_have_count(len(sites))
    for name in sites:
        expect(section.locator(".legend")).to_contain_text(name)
    rows = section.locator("#visibility-table tbody tr")
    expect(rows).to_have_count(len(sites))
    for cell in section.locator("td.moon-illumination").all():
        expect(cell).to_have_text(re.compile(r"^\d{1,3}%$"))
    for cell in section.locator("td.moon-separation").all():
        expect(cell).to_have_text(re.compile(r"^\d{1,3}°–\d{1,3}°$"))

    # the legend is the site selector: a click hides that site's curve and its night bar
    section.locator(".legend .traces").filter(has_text="Paranal").locator(".legendtoggle").click()
    hidden = page.wait_for_function("""() => {
        const hidden = document.getElementById("plot-visibility").data.filter(t => t.visible === "legendonly");
        return hidden.length ? hidden.map(t => t.name) : null;
    }""").json_value()
    assert hidden == ["Paranal", "Paranal"]
    assert errors == []
