"""The target form in a real browser: the chosen type's fields only, the scheme's required marks, and honest
validation marks after a refused submit (static/targets/target_form.js, under the site's CSP)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from targets.models import Target
from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# What the site's Content-Security-Policy allows (tom/settings.py once it is on main): no inline script at all.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"


@pytest.fixture
def csp_complaints(page):
    """Every page served with STRICT_CSP; the browser's complaints about it, collected."""
    def add_header(route):
        response = route.fetch(max_redirects=0)
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route("**/*", add_header)
    complaints: list[str] = []
    page.on("console", lambda msg: complaints.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield complaints
    page.unroute_all(behavior="ignoreErrors")  # requests still in flight when the test ends are let go


def mark(page, field: str):
    return page.locator(f"label[for=id_{field}] .required-mark")


def test_non_sidereal_shows_its_fields_marks_the_schemes_elements_and_no_empty_field_turns_green(
        page, live_server, users, csp_complaints):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/create/")

    # sidereal by default: its fields only, RA and Dec marked required
    expect(page.locator("#id_ra")).to_be_visible()
    expect(page.locator("#id_inclination")).to_be_hidden()
    expect(mark(page, "ra")).to_be_visible()
    expect(page.locator("label[for=id_pm_ra]")).to_have_text("Proper motion in RA (mas/yr)")

    page.select_option("#id_type", "NON_SIDEREAL")
    expect(page.locator("#id_ra")).to_be_hidden()
    expect(page.locator("#id_pm_ra")).to_be_hidden()
    expect(page.locator("#id_inclination")).to_be_visible()
    expect(page.locator("label[for=id_lng_asc_node]")).to_contain_text("Longitude of ascending node (deg)")
    for field in ("scheme", "epoch_of_elements", "inclination", "lng_asc_node", "arg_of_perihelion", "eccentricity"):
        expect(mark(page, field)).to_be_visible()
    for field in ("perihdist", "epoch_of_perihelion", "mean_anomaly", "semimajor_axis", "abs_mag"):
        expect(mark(page, field)).to_be_hidden()

    page.select_option("#id_scheme", "MPC_COMET")
    expect(mark(page, "perihdist")).to_be_visible()
    expect(mark(page, "epoch_of_perihelion")).to_be_visible()
    expect(mark(page, "mean_anomaly")).to_be_hidden()
    page.select_option("#id_scheme", "JPL_MAJOR_PLANET")
    for field in ("mean_daily_motion", "mean_anomaly", "semimajor_axis"):
        expect(mark(page, field)).to_be_visible()
    expect(mark(page, "perihdist")).to_be_hidden()
    expect(page.locator("#id_mean_anomaly")).to_have_attribute("aria-required", "true")
    page.select_option("#id_scheme", "MPC_COMET")

    # submit with the comet's elements missing: refused, and what was left empty is not green
    page.fill("#id_name", "2P/Encke")
    page.fill("#id_inclination", "11.4")
    page.click("button:has-text('Save')")
    expect(page.locator("#id_perihdist")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("body")).to_contain_text("Required for a non-sidereal target with scheme MPC_COMET")
    expect(page.locator("#id_inclination")).to_have_class(re.compile(r"\bis-valid\b"))
    expect(page.locator("#id_name")).to_have_class(re.compile(r"\bis-valid\b"))
    for empty in ("abs_mag", "slope", "mean_anomaly", "ephemeris_period"):
        expect(page.locator(f"#id_{empty}")).not_to_have_class(re.compile(r"\bis-valid\b"))
    assert page.eval_on_selector("#id_abs_mag", "el => getComputedStyle(el).borderColor") == \
        page.eval_on_selector("#id_aliases", "el => getComputedStyle(el).borderColor")
    # still the non-sidereal form, its scheme's marks restored from the submitted choice
    expect(page.locator("#id_ra")).to_be_hidden()
    expect(mark(page, "perihdist")).to_be_visible()
    assert not Target.objects.filter(name="2P/Encke").exists()

    # finishing the elements saves it
    for field, value in (("epoch_of_elements", "60600"), ("lng_asc_node", "334.2"), ("arg_of_perihelion", "187.0"),
                         ("eccentricity", "0.847"), ("perihdist", "0.339"), ("epoch_of_perihelion", "60240.5")):
        page.fill(f"#id_{field}", value)
    page.click("button:has-text('Save')")
    expect(page.locator("#target-name")).to_contain_text("2P/Encke")
    assert Target.objects.get(name="2P/Encke").perihdist == 0.339
    assert errors == [] and csp_complaints == []


def test_a_refused_field_of_the_other_type_stays_in_view(page, live_server, users):
    """RA typed, then Non-sidereal chosen: the server refuses the RA, and its fieldset is not hidden with it."""
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/create/")
    page.fill("#id_name", "Odd one")
    page.fill("#id_ra", "99:99:99")
    page.select_option("#id_type", "NON_SIDEREAL")
    expect(page.locator("#id_ra")).to_be_hidden()
    page.click("button:has-text('Save')")
    expect(page.locator("#id_ra")).to_be_visible()
    expect(page.locator("#id_ra")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_inclination")).to_be_visible()
