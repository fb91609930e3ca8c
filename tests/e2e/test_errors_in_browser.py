"""Every kind of htmx form, given bad input in a real browser, shows why where the user acted (issue 12 item 1).

htmx 2 swaps no 4xx answer unless told to (base.html's htmx-config); a 5xx and a request that gets no answer at
all are shown by static/tom/tom.js. The refused upload of a too-large file is in test_data_in_browser.py.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from playwright.sync_api import expect

from dataproducts.models import DataProduct, ReducedDatum
from sharing.models import PersistentShare, ShareRecord
from targets.services import create_target_list
from tests.e2e.test_targets_in_browser import log_in
from tests.servers import start_our_tom

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEER = {"DISPLAY_NAME": "Peer TOM", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}
UNCONFIGURED = {"DISPLAY_NAME": "Half set up", "BASE_URL": "http://127.0.0.1:9/",
                "USERNAME": "set HALF_USERNAME value in environment"}


def open_target(page, live_server, target, role="editor"):
    log_in(page, live_server.url, role, f"pw-{role}")
    page.goto(f"{live_server.url}{target.get_absolute_url()}")


def forge_option(page, select: str, value: str) -> None:
    """A menu value the page never offered (a stale page, or a hand-made request)."""
    page.evaluate("([select, value]) => { const option = new Option(value, value); "
                  "document.querySelector(select).add(option); option.selected = true; }", [select, value])


@pytest.mark.parametrize("content,words", [
    ("filter,mag\ng,18.5\n", "no time column"),
    ("mjd,filter,mag\n60700.10,g,18\n60700.12,g,18\nnotadate,g,18\n",
     "data row 3, column 'mjd': 'notadate' is not a time"),
])
def test_an_unreadable_photometry_file_is_explained_in_the_upload_form(page, live_server, target, tmp_path, content,
                                                                       words):
    unreadable = tmp_path / "lightcurve.csv"
    unreadable.write_text(content)
    open_target(page, live_server, target)
    page.set_input_files("#id_file", str(unreadable))
    page.select_option("#id_data_product_type", "photometry")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#section-products #upload-errors")).to_contain_text(words)
    expect(page.locator("#section-products #upload-form")).to_be_visible()  # still there, to try again
    assert not DataProduct.objects.exists()


def test_a_point_with_empty_fields_is_explained_at_its_fields(page, live_server, target):
    open_target(page, live_server, target)
    page.click("text=Add a point by hand")
    page.click("#photometry-form button[type=submit]")
    form = page.locator("#section-photometry #photometry-form")
    expect(form.locator("#id_time ~ .invalid-feedback")).to_have_text("This field is required.")
    expect(form.locator("#id_bandpass ~ .invalid-feedback")).to_have_text("This field is required.")
    expect(form.locator("#id_time ~ .invalid-feedback")).to_be_visible()
    page.fill("#id_time", "60700.5")
    page.fill("#id_bandpass", "g")
    page.click("#photometry-form button[type=submit]")
    expect(form).to_contain_text("Give a magnitude, or a limit for a non-detection.")
    assert not ReducedDatum.objects.exists()


def test_until_before_from_is_named_in_the_share_tab(page, live_server, settings, data_product):
    target = data_product.target
    settings.DATA_SHARING = {"peer": PEER}
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/{target.pk}/share/")
    page.fill("#id_since", "2024-04-02")
    page.fill("#id_until", "2024-04-01")
    page.press("#id_until", "Enter")  # applies the filter: the table says why it lists nothing (and nothing is sent)
    expect(page.locator("#photometry-filter-errors")).to_have_text("Until (inclusive): Until is before From.")
    expect(page.locator("#photometry-count")).to_have_text("No photometry matches.")
    page.click("#share-button")
    expect(page.locator("#share-form #id_until_error")).to_have_text("Until is before From.")
    expect(page.locator("#id_until")).to_have_value("2024-04-01")  # what was typed, to correct
    assert not ShareRecord.objects.exists()


@pytest.mark.parametrize("value,words", [
    ("nowhere", "'nowhere' is not one of this TOM's sharing destinations (DATA_SHARING)."),
    ("half", "Half set up is not configured for sharing:"),
])
def test_an_unknown_or_unconfigured_destination_is_named_in_the_share_tab(page, live_server, settings, data_product,
                                                                          value, words):
    target = data_product.target
    settings.DATA_SHARING = {"peer": PEER, "half": UNCONFIGURED}
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/{target.pk}/share/")
    forge_option(page, "#share-form #id_destination", value)
    page.click("#preview-button")
    expect(page.locator("#share-preview #preview-errors")).to_contain_text(f"Destination: {words}")
    page.click("#share-button")
    expect(page.locator("#share-form #id_destination_error")).to_contain_text(words)
    assert not ShareRecord.objects.exists()


def test_an_unknown_destination_is_named_on_the_list_share_page(page, live_server, settings, target_list):
    settings.DATA_SHARING = {"peer": PEER}
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/targetlists/{target_list.pk}/share/")
    forge_option(page, "#list-share-form #id_destination", "nowhere")
    page.click("#list-share-form button[type=submit]")
    expect(page.locator("#list-share #id_destination_error")).to_contain_text(
        "'nowhere' is not one of this TOM's sharing destinations")
    assert not ShareRecord.objects.exists()


@pytest.fixture
def sharer(settings, editors):
    editors.permissions.add(*Permission.objects.filter(
        codename__in=["view_persistentshare", "add_persistentshare", "delete_persistentshare"]))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_SHARING = {"peer": PEER, "half": UNCONFIGURED}


def test_a_continuous_share_to_a_bad_destination_is_refused_in_the_tab(page, live_server, sharer, target):
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/{target.pk}/share/?tab=continuous")
    forge_option(page, "#target-persistent-share-create select[name=destination]", "half")
    page.click("#target-persistent-share-create button[type=submit]")
    expect(page.locator("#target-persistent-share-create .persistent-share-error")).to_contain_text(
        "Destination: Half set up is not configured for sharing:")
    expect(page.locator("#target-persistent-share-create .persistent-share-form")).to_be_visible()
    assert not PersistentShare.objects.exists()


def test_a_share_gone_meanwhile_is_not_found_where_its_button_was(page, live_server, sharer, target):
    """A refusal with no form of its own (here a 404): an alert at the top of the table, which stays."""
    share = PersistentShare.objects.create(target=target, destination="peer")
    other = PersistentShare.objects.create(target=target, destination="half")
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/{target.pk}/share/?tab=continuous")
    row = page.locator(f"tr[data-share='{share.pk}']")
    share.delete()  # in another tab, by someone else
    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("button:has-text('Delete')").click()
    alert = page.locator("#target-persistent-share-table > .persistent-share-table > [data-request-error]")
    expect(alert).to_have_text("Not found: No such continuous share: it does not exist, or you may not view it.")
    expect(page.locator(f"tr[data-share='{other.pk}']")).to_be_visible()
    alert.locator(".btn-close").click()  # dismissible
    expect(alert).to_have_count(0)


def test_adding_or_removing_nothing_on_the_list_pages_says_so(page, live_server, users, editors, target):
    tonight = create_target_list(users["editor"], "Tonight", [], [editors], [target])
    log_in(page, live_server.url, "editor", "pw-editor")
    page.select_option("#bulk-list", str(tonight.pk))
    page.click("#bulk-form button:has-text('Add to list')")
    expect(page.locator("#messages")).to_contain_text("Nothing was added: Select at least one target.")
    page.goto(f"{live_server.url}/targets/targetlists/{tonight.pk}/")
    page.click("button:has-text('Remove selected from list')")
    expect(page.locator("#messages")).to_contain_text("Nothing was removed: select at least one target.")
    assert list(tonight.targets.all()) == [target]


def test_a_server_error_is_shown_where_the_user_acted(page, live_server, target):
    """The database fails under the form (its table renamed away): the 500 is not swapped, tom.js says so."""
    open_target(page, live_server, target)
    page.click("text=Add a point by hand")
    page.fill("#id_time", "60700.5")
    page.fill("#id_bandpass", "g")
    page.fill("#id_brightness", "18.2")
    table = ReducedDatum._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        page.click("#photometry-form button[type=submit]")
        alert = page.locator("#section-photometry > [data-request-error]")
        expect(alert).to_contain_text("Server error: The TOM failed to answer (HTTP 500 Internal Server Error).")
        expect(alert).to_be_visible()
        expect(page.locator("#id_brightness")).to_have_value("18.2")  # the form as it was, to send again
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
    page.click("#photometry-form button[type=submit]")  # the database is back: the same click works
    expect(page.locator("#photometry-outcome")).to_have_text("Added the point.")
    expect(page.locator("#section-photometry > [data-request-error]")).to_have_count(0)


def test_no_answer_at_all_is_shown_where_the_user_acted(page, tmp_path):
    """The server is gone (stopped after the page loaded): htmx gets no answer, tom.js says so."""
    tom = start_our_tom(tmp_path / "tom", "Short-lived TOM", "pw-short-lived-4")
    try:
        created = tom.api.post(tom.url + "api/targets/", json={"name": "AT 2026gone", "type": "SIDEREAL", "ra": 10,
                                                               "dec": 20}, timeout=30)
        assert created.status_code == 201, created.text
        page.goto(tom.url + "accounts/login/")
        page.fill("#id_username", tom.username)
        page.fill("#id_password", tom.password)
        page.click("button[type=submit]")
        page.goto(f"{tom.url}targets/{created.json()['id']}/")
        page.click("text=Add a point by hand")
        page.fill("#id_time", "60700.5")
        page.fill("#id_bandpass", "g")
        page.fill("#id_brightness", "18.2")
    finally:
        tom.stop()
    page.click("#photometry-form button[type=submit]")
    alert = page.locator("#section-photometry > [data-request-error]")
    expect(alert).to_contain_text("No answer: The TOM did not answer: the server may be down or the network unreachable.")
    expect(page.locator("#id_brightness")).to_have_value("18.2")


def test_a_search_that_cannot_be_read_says_which_field(page, live_server, target):
    log_in(page, live_server.url, "viewer", "pw-viewer")
    page.fill("#id_cone_ra", "xx")
    page.fill("#id_cone_dec", "0")
    page.fill("#id_cone_radius", "10")
    page.click("#target-search button[type=submit]")
    expect(page.locator("#target-table #search-errors")).to_contain_text("Cannot read right ascension")
    expect(page.locator("#result-count")).to_have_text("No targets match.")
