"""A new target 2″ from an existing one: created, with a warning that names and links the neighbour."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from targets.models import Target
from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_target_two_arcsec_from_another_is_created_with_a_warning_linking_it(page, live_server, users, target):
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/create/")
    page.fill("#id_name", "AT 2026twin")
    page.fill("#id_ra", "10:00:00")
    page.fill("#id_dec", "+02:30:02")  # SN 2024abc is at 150, +2.5: 2″ away
    page.click("button:has-text('Save')")

    expect(page.locator("#target-name")).to_contain_text("AT 2026twin")
    warning = page.locator("#neighbour-warning")
    expect(warning).to_contain_text("AT 2026twin is within 5″ of SN 2024abc (2.0″), already in this TOM.")
    expect(warning.locator("xpath=ancestor::div[contains(@class, 'alert')]")).to_have_class(re.compile(r"alert-warning"))
    assert Target.objects.filter(name="AT 2026twin").exists()

    warning.get_by_role("link", name="SN 2024abc").click()
    expect(page).to_have_url(re.compile(rf"/targets/{target.pk}/$"))
    expect(page.locator("#target-name")).to_contain_text("SN 2024abc")
