"""Continuous sharing from the Share page's Continuous tab in a real browser: create one, see it, delete it."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from sharing.models import PersistentShare
from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_and_delete_a_continuous_share_in_the_tab(page, live_server, settings, editors, data_product):
    target = data_product.target
    editors.permissions.add(*Permission.objects.filter(
        content_type__app_label="sharing", codename__in=["view_persistentshare", "add_persistentshare", "delete_persistentshare"]))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_SHARING = {"localhost-tom": {"DISPLAY_NAME": "This TOM", "BASE_URL": live_server.url + "/",
                                               "USERNAME": "editor", "PASSWORD": "pw-editor"}}
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/{target.pk}/share/")
    page.click("#share-tabs a:has-text('Continuous')")
    expect(page.locator("#target-persistent-share-table .persistent-shares")).to_contain_text("No continuous shares.")

    page.select_option("#target-persistent-share-create select[name=destination]", "localhost-tom")
    page.check("#target-persistent-share-create input[name=share_existing_data]")
    page.click("#target-persistent-share-create button[type=submit]")
    expect(page.locator("#target-persistent-share-create")).to_contain_text("now shares its new data with localhost-tom")
    row = page.locator("#target-persistent-share-table tbody tr[data-share]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("localhost-tom")
    share = PersistentShare.objects.get()
    assert share.deliveries.get().status == "sent"  # the existing data went at once (immediate backend)
    # This TOM shares with itself here: its own data are not sent "back" to where they came from.
    expect(row).to_contain_text("up to date")

    page.click("#target-persistent-share-create button[type=submit]")  # the same again: refused inline
    expect(page.locator("#target-persistent-share-create .persistent-share-error")).to_contain_text("already shared continuously with This TOM")

    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("button:has-text('Delete')").click()
    expect(page.locator("#target-persistent-share-table")).to_contain_text("Stopped sharing SN 2024abc with localhost-tom.")
    expect(page.locator("#target-persistent-share-table tbody tr[data-share]")).to_have_count(0)
    assert not PersistentShare.objects.exists()


def test_create_a_share_from_the_manage_page_by_searching_the_target(page, live_server, settings, editors, target):
    """continuous-sharing.rst: the manage page "to create and view": the target is found by typing its name."""
    editors.permissions.add(*Permission.objects.filter(
        content_type__app_label="sharing", codename__in=["view_persistentshare", "add_persistentshare"]))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not sent
    settings.DATA_SHARING = {"peer": {"DISPLAY_NAME": "Peer TOM", "BASE_URL": "http://127.0.0.1:9/",
                                      "USERNAME": "u", "PASSWORD": "p"}}
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/persistentshare/manage/")
    form = page.locator(".persistent-share-create")
    form.locator("input[name=q]").fill("ztf24")  # an alias, in another spelling
    choice = form.locator(f"input[name=target][value='{target.pk}']")
    expect(choice).to_be_checked()  # the only match is picked
    form.locator("select[name=destination]").select_option("peer")
    form.locator("button[type=submit]").click()
    expect(page.locator(".persistent-share-create")).to_contain_text("SN 2024abc now shares its new data with peer")
    row = page.locator(".persistent-share-table tbody tr[data-share]")
    expect(row).to_have_count(1)  # the table of every share reloaded itself
    expect(row).to_contain_text("SN 2024abc")
    assert PersistentShare.objects.get().user.username == "editor"
