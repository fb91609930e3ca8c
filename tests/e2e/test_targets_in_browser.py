"""An astronomer's path through the pages, in a real browser (htmx swaps included)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from targets.models import Target
from targets.services import create_target_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/targets/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/targets/$"))


def test_create_with_sexagesimal_find_by_cone_search_and_add_to_a_list(page, live_server, users, editors):
    create_target_list(users["editor"], "Tonight", [], [editors])
    log_in(page, live_server.url, "editor", "pw-editor")

    page.click("text=Create target")
    page.fill("#id_name", "AT 2026browser")
    page.fill("#id_ra", "13:29:52.7")
    page.fill("#id_dec", "+47:11:43")
    page.fill("#id_aliases", "ZTF26browser")
    page.fill("#id_extras", "redshift = 0.0015")
    page.click("button:has-text('Save')")
    expect(page.locator("#target-name")).to_contain_text("AT 2026browser")
    # sections arrive through htmx after the page itself
    expect(page.locator("#section-coordinates")).to_contain_text("13:29:52.700 +47:11:43.00")
    expect(page.locator("#section-names")).to_contain_text("ZTF26browser")
    expect(page.locator("#section-extras")).to_contain_text("redshift")

    target = Target.objects.get(name="AT 2026browser")
    assert target.ra == pytest.approx(202.469583, abs=1e-6) and target.dec == pytest.approx(47.195278, abs=1e-6)

    # cone search in sexagesimal, 1 arcmin around a point 30" away; htmx swaps the table and pushes the URL
    page.goto(f"{live_server.url}/targets/")
    page.fill("#id_cone_ra", "13:29:54.5")
    page.fill("#id_cone_dec", "47:11:43")
    page.fill("#id_cone_radius", "1 arcmin")
    page.click("#target-search button[type=submit]")
    expect(page.locator("#result-count")).to_contain_text("1–1 of 1 target")
    expect(page.locator("#target-table")).to_contain_text("AT 2026browser")
    expect(page).to_have_url(re.compile(r"cone_radius=1(\+|%20)arcmin"))
    expect(page.locator("#export-link")).to_have_attribute("href", re.compile(r"export\.csv\?.*cone_radius=1"))

    # select it and add it to the list
    page.check("input[name=targets][aria-label='Select AT 2026browser']")
    page.select_option("#bulk-list", label="Tonight")
    page.click("button:has-text('Add to list')")
    expect(page.locator("#list-name")).to_have_text("Tonight")
    expect(page.locator("#list-members")).to_contain_text("AT 2026browser")

    # and the target page shows the membership (htmx section), where it can be removed without a reload
    page.goto(f"{live_server.url}{target.get_absolute_url()}")
    expect(page.locator("#member-lists")).to_contain_text("Tonight")
    page.click("#member-lists button:has-text('remove')")
    expect(page.locator("#member-lists")).to_contain_text("In no list you can see.")
    assert not target.target_lists.exists()


def test_bad_coordinates_are_explained_next_to_the_field(page, live_server, users):
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/create/")
    page.fill("#id_name", "Nowhere")
    page.fill("#id_ra", "12:99:00")
    page.fill("#id_dec", "-95")
    page.click("button:has-text('Save')")
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("Cannot read right ascension")
    expect(page.locator("body")).to_contain_text("Declination must be in [-90, 90]")
    assert not Target.objects.filter(name="Nowhere").exists()
