"""continuous-sharing.rst's partials, word for word, in a user's own target page, in a real browser.

``{% create_persistent_share target %}`` and ``{% persistent_share_table target %}`` inside the documentation's
``<div id='target-persistent-share-create'>`` / ``<div id='target-persistent-share-table'>``: a share is created
and deleted through htmx, each answer lands in its own element, and the page never holds an id twice.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from sharing.models import PersistentShare
from tests.compat.test_template_tags import use_own_target_page
from tests.continuous.conftest import SHARE_PERMS
from tests.e2e.test_targets_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


def test_create_and_delete_through_the_documented_partials_in_a_users_own_page(page, live_server, settings, tmp_path,
                                                                              editors, target):
    use_own_target_page(settings, tmp_path / "templates")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="sharing", codename__in=SHARE_PERMS))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not sent
    settings.DATA_SHARING = {"peer": {"DISPLAY_NAME": "Peer TOM", "BASE_URL": "http://127.0.0.1:9/",
                                      "USERNAME": "u", "PASSWORD": "p"}}
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    log_in(page, live_server.url, "editor", "pw-editor")
    page.goto(f"{live_server.url}/targets/{target.pk}/")
    expect(page.locator("h3").first).to_contain_text("Continously Share data for Target")
    create = page.locator("#target-persistent-share-create")
    table = page.locator("#target-persistent-share-table")
    expect(table).to_contain_text("No continuous shares.")
    assert page.evaluate(DUPLICATE_IDS) == []

    create.locator("select[name=destination]").select_option("peer")
    create.locator("input[name=share_existing_data]").check()
    create.locator("button[type=submit]").click()
    expect(create).to_contain_text("now shares its new data with peer")
    row = table.locator("tbody tr[data-share]")
    expect(row).to_have_count(1)  # the table reloaded itself when the share was created
    expect(row).to_contain_text("peer")
    share = PersistentShare.objects.get()
    assert (share.user.username, share.deliveries.get().existing) == ("editor", True)
    assert page.evaluate(DUPLICATE_IDS) == []
    expect(page.locator("#target-persistent-share-create > .persistent-share-create")).to_have_count(1)
    expect(page.locator("#target-persistent-share-table > .persistent-share-table")).to_have_count(1)

    create.locator("button[type=submit]").click()  # the same again: refused inline, in the form's own element
    expect(create.locator(".persistent-share-error")).to_contain_text("already shared continuously with Peer TOM")

    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("button:has-text('Delete')").click()
    expect(table).to_contain_text("Stopped sharing SN 2024abc with peer.")
    expect(row).to_have_count(0)
    assert not PersistentShare.objects.exists()
    assert page.evaluate(DUPLICATE_IDS) == []
    expect(page.locator(".persistent-share-table")).to_have_count(1)
    expect(page.locator(".persistent-share-create")).to_have_count(1)
    assert errors == []  # no failed request, no script refused by the Content-Security-Policy
