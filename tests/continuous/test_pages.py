"""The Continuous tab, its htmx actions, and the manage page: what each role sees and may do."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from sharing.models import Delivery, PersistentShare
from tests.continuous.conftest import SHARE_PERMS

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def queued_only(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_SHARING = {
        "peer": {"DISPLAY_NAME": "Peer TOM", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"},
        "broken": {"DISPLAY_NAME": "Broken", "BASE_URL": "http://127.0.0.1:9/"},
    }


def test_the_continuous_tab_offers_configured_destinations_to_a_user_who_may_share(client_for, sharer, target):
    page = client_for("editor").get(f"/targets/{target.pk}/share/?tab=continuous").content.decode()
    assert "persistent-share-form" in page and "Share existing data immediately" in page
    assert '<option value="peer"' in page and 'value="broken"' not in page  # not configured: not offered
    assert "No continuous shares." in page


def test_without_the_model_permissions_the_tab_says_what_is_missing(client_for, target):
    page = client_for("editor").get(f"/targets/{target.pk}/share/tabs/continuous/").content.decode()
    assert "persistent-share-form" not in page
    assert "sharing.add_persistentshare" in page and "sharing.view_persistentshare" in page


def test_creating_from_the_tab_shows_it_in_the_table_and_queues_the_existing_data(client_for, sharer, target):
    response = client_for("editor").post(f"/targets/{target.pk}/persistentshare/create/",
                                         {"destination": "peer", "share_existing_data": "on"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "now shares its new data with peer" in html
    assert response["HX-Trigger"] == "persistent-shares-changed"  # every table on the page reloads itself
    share = PersistentShare.objects.get()
    assert (share.target, share.user, share.destination) == (target, sharer, "peer")
    assert share.deliveries.get().existing
    table = client_for("editor").get(f"/targets/{target.pk}/persistentshare/table/").content.decode()
    assert f'data-share="{share.pk}"' in table


@pytest.mark.parametrize("destination,words", [("peer", "already shared continuously"),
                                               ("broken", "Destination: Broken is not configured for sharing")])
def test_errors_come_back_inline_and_change_nothing(client_for, sharer, target, destination, words):
    PersistentShare.objects.create(target=target, destination="peer")
    editor = client_for("editor")
    assert editor.post(f"/targets/{target.pk}/persistentshare/create/", {"destination": destination}).status_code == 400
    response = editor.post(f"/targets/{target.pk}/persistentshare/create/", {"destination": destination}, **HTMX)
    assert response.status_code == 400  # base.html has htmx swap it: the error is shown inline
    assert words in response.content.decode() and 'persistent-share-error' in response.content.decode()
    assert PersistentShare.objects.count() == 1


def test_creating_needs_the_add_permission_and_change_on_the_target(client_for, users, target):
    assert client_for("editor").post(f"/targets/{target.pk}/persistentshare/create/",
                                     {"destination": "peer"}).status_code == 403
    users["viewer"].user_permissions.add(*Permission.objects.filter(content_type__app_label="sharing", codename__in=SHARE_PERMS))
    assert client_for("viewer").post(f"/targets/{target.pk}/persistentshare/create/",
                                     {"destination": "peer"}).status_code == 403
    assert client_for("outsider").post(f"/targets/{target.pk}/persistentshare/create/",
                                       {"destination": "peer"}).status_code == 404
    assert not PersistentShare.objects.exists()


def test_delete_and_retry_from_the_table(client_for, sharer, target):
    share = PersistentShare.objects.create(target=target, destination="peer", last_error="Could not reach Peer")
    Delivery.objects.create(share=share, status="failed", last_error="Could not reach Peer")
    editor = client_for("editor")
    retried = editor.post(f"/targets/{target.pk}/persistentshare/{share.pk}/retry/", {"scope": "all"}, **HTMX)
    assert "Retrying 1 delivery of SN 2024abc to peer." in retried.content.decode()
    assert share.deliveries.get().status == "pending"
    deleted = editor.post(f"/targets/{target.pk}/persistentshare/{share.pk}/delete/", **HTMX)
    assert "Stopped sharing SN 2024abc with peer." in deleted.content.decode()
    assert not PersistentShare.objects.exists()


def test_a_share_of_another_target_cannot_be_reached_through_this_one(client_for, sharer, target, users):
    from targets.services import create_target
    from tests.conftest import sidereal

    other = create_target(users["superuser"], sidereal("Elsewhere"))
    share = PersistentShare.objects.create(target=other, destination="peer")
    assert client_for("superuser").post(f"/targets/{target.pk}/persistentshare/{share.pk}/delete/").status_code == 404
    assert PersistentShare.objects.filter(pk=share.pk).exists()


def test_the_manage_page_lists_what_the_user_may_see_in_a_constant_number_of_queries(
        client_for, sharer, target, users, django_assert_max_num_queries):
    from targets.services import create_target
    from tests.conftest import sidereal

    hidden = create_target(users["superuser"], sidereal("Hidden"))
    PersistentShare.objects.create(target=hidden, destination="peer")
    for key in ("peer", "a", "b", "c"):
        PersistentShare.objects.create(target=target, destination=key, last_error=f"error of {key}", user=sharer)
    editor = client_for("editor")
    with django_assert_max_num_queries(14):
        page = editor.get("/targets/persistentshare/manage/").content.decode()
    assert page.count("data-share=") == 4 and "Hidden" not in page
    assert "error of c" in page and "Retry now" in page and "Delete" in page
    viewer_page = client_for("viewer").get("/targets/persistentshare/manage/").content.decode()
    assert "You do not have permission to view continuous shares" in viewer_page
    table = editor.get("/targets/persistentshare/manage/table/").content.decode()
    assert table.count("data-share=") == 4
