"""The dead letters page: for holders of alertstreams.view_deadletter only; shows what was set aside and why."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from alertstreams.models import DeadLetter

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(db):
    return [DeadLetter.objects.create(stream="alertstreams.streams.HopskotchAlertStream", topic=topic, partition=1,
                                      offset=offset, message_id="6f1c-id", headers=[["title", "t"]],
                                      value=b'{"title": "cut short', handler="alertstreams.hermes.hermes_alert_handler",
                                      error="cannot decode the message: Expecting ','", attempts=1)
            for topic, offset in (("hermes.test", 7), ("hermes.other", 9))]


def test_it_lists_dead_letters_with_their_error_and_content(client_for, letters):
    response = client_for("superuser").get("/alertstreams/dead-letters/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "hermes.test" in page and "hermes.other" in page and "6f1c-id" in page
    assert "cannot decode the message" in page and "{&quot;title&quot;: &quot;cut short" in page


def test_it_filters_by_topic(client_for, letters):
    page = client_for("superuser").get("/alertstreams/dead-letters/", {"topic": "hermes.other"}).content.decode()
    assert "1 / 9" in page and "1 / 7" not in page


def test_it_needs_the_view_permission(client_for, users, letters):
    assert client_for("editor").get("/alertstreams/dead-letters/").status_code == 403
    users["editor"].user_permissions.add(Permission.objects.get(codename="view_deadletter"))
    assert client_for("editor").get("/alertstreams/dead-letters/").status_code == 200


def test_the_menu_links_dead_letters_only_for_those_who_may_see_them(client_for):
    from django.urls import reverse

    link = reverse("alertstreams:dead-letters")
    assert link in client_for("superuser").get(reverse("targets:list")).content.decode()
    outsider_page = client_for("outsider").get(reverse("targets:list")).content.decode()
    assert link not in outsider_page
    assert reverse("sharing:persistentshare-manage") in outsider_page


def test_it_pages_fifty_at_a_time(client_for):
    """With the pages' paging (core.paging_pages), like every page of the site; a page past the end is empty."""
    DeadLetter.objects.bulk_create(DeadLetter(stream="s", topic="t", partition=0, offset=i, value=b"x",
                                              handler="h", error=f"e{i:03d}", attempts=1) for i in range(51))
    client = client_for("superuser")
    first = client.get("/alertstreams/dead-letters/").content.decode()
    assert "e050" in first and "e000" not in first and "?page=2" in first and "?page=0" not in first
    second = client.get("/alertstreams/dead-letters/", {"page": "2"}).content.decode()
    assert "e000" in second and "e001" not in second and "?page=1" in second and "?page=3" not in second
    assert client.get("/alertstreams/dead-letters/", {"page": "99999999999999999999"}).status_code == 200
