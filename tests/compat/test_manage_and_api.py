"""continuous-sharing.rst: "/targets/persistentshare/manage to create and view", and its REST API (issue 13 item 5).

The manage page creates shares for any target the user may share, chosen by searching names (a target they may
not share is never offered, nor revealed); the REST API takes PATCH as the TOM Toolkit's viewset does; a duplicate
is refused under ``non_field_errors``, as DRF answers the TOM Toolkit's.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from guardian.shortcuts import assign_perm

from sharing.models import Delivery, PersistentShare
from targets.services import create_target
from tests.api.conftest import basic
from tests.conftest import sidereal

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
PEER = {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}


@pytest.fixture(autouse=True)
def queued_only(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_SHARING = {
        "peer": {"DISPLAY_NAME": "Peer", **PEER},
        "other": {"DISPLAY_NAME": "Other", **PEER},
        "hermes": {"DISPLAY_NAME": "Hermes", "BROKER_URL": "kafka://127.0.0.1:9/", "BROKER_AUTH": False,
                   "USER_TOPICS": ["hermes.test", "tomtoolkit.test"]},
    }


@pytest.fixture
def hidden(users):
    """A target only the superuser may see."""
    return create_target(users["superuser"], sidereal("SN 2024hid"))


@pytest.fixture
def seen_only(users, viewers):
    """A target the editor may view but not share."""
    target = create_target(users["superuser"], sidereal("SN 2024see"), view_groups=[viewers])
    assign_perm("view_target", users["editor"], target)
    return target


class TestTheManagePageCreates:
    def test_its_search_offers_only_targets_the_user_may_share(self, client_for, sharer, target, hidden, seen_only):
        editor = client_for("editor")
        page = editor.get("/targets/persistentshare/manage/").content.decode()
        assert 'name="q"' in page and "Share continuously" in page
        offered = editor.get("/targets/persistentshare/manage/targets/", {"q": "SN 2024"}).content.decode()
        assert f'value="{target.pk}"' in offered and "SN 2024abc" in offered
        assert "2024hid" not in offered and "2024see" not in offered
        by_alias = editor.get("/targets/persistentshare/manage/targets/", {"q": "ztf24"}).content.decode()
        assert f'value="{target.pk}"' in by_alias  # names and aliases, in any spelling

    def test_its_search_shows_a_bounded_number_of_targets_at_any_size(self, client_for, sharer, users, editors,
                                                                      django_assert_max_num_queries):
        for i in range(25):
            create_target(users["superuser"], sidereal(f"AT 2026m{i:02d}"), change_groups=[editors])
        editor = client_for("editor")
        with django_assert_max_num_queries(7):
            offered = editor.get("/targets/persistentshare/manage/targets/", {"q": "AT 2026m"})
        html = offered.content.decode()
        assert html.count('type="radio"') == 20 and "type more of the name" in html

    def test_it_creates_a_share_for_the_chosen_target(self, client_for, sharer, target):
        response = client_for("editor").post("/targets/persistentshare/manage/create/", {
            "q": "SN 2024", "target": target.pk, "destination": "peer", "share_existing_data": "on"}, **HTMX)
        assert response.status_code == 200 and response["HX-Trigger"] == "persistent-shares-changed"
        assert "SN 2024abc now shares its new data with peer" in response.content.decode()
        share = PersistentShare.objects.get()
        assert (share.target, share.destination, share.user, share.deliveries.get().existing) == (
            target, "peer", sharer, True)
        table = client_for("editor").get("/targets/persistentshare/manage/table/").content.decode()
        assert f'data-share="{share.pk}"' in table

    @pytest.mark.parametrize("chosen,words", [
        ("hidden", "No target {pk}."),  # the same words as for a target that does not exist
        ("seen_only", "You may not share SN 2024see"),
        ("missing", "No target 999999."),
        ("none", "Choose a target"),
        ("huge", "Choose a target"),
    ])
    def test_it_refuses_a_target_the_user_may_not_share_inline_and_creates_nothing(
            self, client_for, sharer, target, hidden, seen_only, chosen, words):
        pk = {"hidden": hidden.pk, "seen_only": seen_only.pk, "missing": 999999, "none": "",
              "huge": "9" * 40}[chosen]
        editor = client_for("editor")
        response = editor.post("/targets/persistentshare/manage/create/",
                               {"target": pk, "destination": "peer"}, **HTMX)
        html = response.content.decode()
        assert response.status_code == 200 and words.format(pk=pk) in html and "2024hid" not in html
        assert "persistent-share-error" in html
        assert editor.post("/targets/persistentshare/manage/create/",
                           {"target": pk, "destination": "peer"}).status_code == 400  # without htmx
        assert not PersistentShare.objects.exists()

    def test_it_needs_the_add_permission(self, client_for, target):
        editor = client_for("editor")  # may change the target, holds no persistentshare permission
        page = editor.get("/targets/persistentshare/manage/").content.decode()
        assert "You do not have permission to continuously share" in page and 'name="q"' not in page
        assert editor.post("/targets/persistentshare/manage/create/",
                           {"target": target.pk, "destination": "peer"}).status_code == 403
        assert 'type="radio"' not in editor.get("/targets/persistentshare/manage/targets/", {"q": "SN"}).content.decode()
        assert not PersistentShare.objects.exists()

    def test_a_duplicate_is_refused_inline(self, client_for, sharer, target):
        PersistentShare.objects.create(target=target, destination="peer")
        response = client_for("editor").post("/targets/persistentshare/manage/create/",
                                             {"target": target.pk, "destination": "peer"}, **HTMX)
        assert "already shared continuously with Peer" in response.content.decode()
        assert PersistentShare.objects.count() == 1


@pytest.fixture
def api(sharer):
    return Client(headers=basic("editor", "pw-editor"))


@pytest.fixture
def changer(sharer, editors):
    """The editors may also change shares (the TOM Toolkit's PATCH permission, under its name)."""
    assign_perm("tom_targets.change_persistentshare", editors)
    return Client(headers=basic("editor", "pw-editor"))


def patch(client, share, body):
    return client.patch(f"/targets/persistentshare/{share.pk}/", body, content_type="application/json")


class TestTheRestApi:
    def test_a_duplicate_is_refused_under_non_field_errors_as_drf_does(self, api, target):
        body = {"target": target.pk, "destination": "peer"}
        assert api.post("/targets/persistentshare/", body, content_type="application/json").status_code == 201
        again = api.post("/targets/persistentshare/", body, content_type="application/json")
        assert again.status_code == 400
        assert list(again.json()) == ["non_field_errors"]
        assert "the fields target, destination must make a unique set" in again.json()["non_field_errors"][0]
        assert PersistentShare.objects.count() == 1

    def test_patch_sends_elsewhere_and_the_caller_becomes_the_owner(self, changer, target, users):
        share = PersistentShare.objects.create(target=target, destination="peer", user=users["superuser"],
                                               last_error="Could not reach Peer", peer_name="Peer TOM")
        waiting = Delivery.objects.create(share=share)
        response = patch(changer, share, {"destination": "other"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["destination"], body["topic"], body["user"], body["last_error"], body["waiting"]) == (
            "other", "", users["editor"].pk, "", 1)
        share.refresh_from_db()
        assert (share.destination, share.user, share.peer_name) == ("other", users["editor"], "")
        assert Delivery.objects.get(pk=waiting.pk).share == share  # what waited goes to the new destination

    def test_patch_switches_off_and_on_and_can_send_the_data_so_far(self, changer, target):
        share = PersistentShare.objects.create(target=target, destination="peer")
        assert patch(changer, share, {"enabled": False}).json()["enabled"] is False
        body = patch(changer, share, {"enabled": True, "share_existing_data": True}).json()
        assert (body["enabled"], body["waiting"]) == (True, 1)
        assert share.deliveries.get().existing

    def test_patch_to_a_hermes_topic_the_toolkit_way(self, changer, target):
        share = PersistentShare.objects.create(target=target, destination="peer")
        body = patch(changer, share, {"destination": "hermes:tomtoolkit.test"}).json()
        assert (body["destination"], body["topic"]) == ("hermes", "tomtoolkit.test")
        assert patch(changer, share, {"topic": "hermes.test"}).json()["topic"] == "hermes.test"

    @pytest.mark.parametrize("body,field,words", [
        ({"destination": "nowhere"}, "destination", "'nowhere' is not a destination in DATA_SHARING."),
        ({"destination": "other"}, "non_field_errors", "already shared continuously with Other"),
        ({"topic": "gcn.circular"}, "topic", "Peer is a TOM: only a Hermes destination has topics."),
        ({"destination": "hermes:nope"}, "topic", "'nope' is not one of Hermes's USER_TOPICS"),
        ({"target": 999999}, "target", "stays with its target"),
        ({"user": 1}, "user", "not set by hand"),
        ({"enabled": "maybe"}, "enabled", ""),
    ])
    def test_a_bad_patch_is_refused_naming_the_field_and_changes_nothing(self, changer, target, users, body, field,
                                                                          words):
        share = PersistentShare.objects.create(target=target, destination="peer", user=users["superuser"])
        PersistentShare.objects.create(target=target, destination="other")
        response = patch(changer, share, body)
        assert response.status_code == 400 and words in " ".join(response.json()[field])
        share.refresh_from_db()
        assert (share.destination, share.topic, share.user, share.enabled) == ("peer", "", users["superuser"], True)

    def test_patch_needs_the_change_permission_under_either_name_and_the_right_to_share(self, api, users, target):
        share = PersistentShare.objects.create(target=target, destination="peer")
        refused = patch(api, share, {"enabled": False})  # the editor holds view/add/delete, not change
        assert refused.status_code == 403 and "sharing.change_persistentshare" in refused.json()["detail"]
        viewer = users["viewer"]
        viewer.user_permissions.add(*Permission.objects.filter(codename__endswith="_persistentshare"))
        as_viewer = Client(headers=basic("viewer", "pw-viewer"))
        assert patch(as_viewer, share, {"enabled": False}).status_code == 403  # may not share the target
        assert patch(Client(headers=basic("outsider", "pw-outsider")), share, {"enabled": False}).status_code == 404
        share.refresh_from_db()
        assert share.enabled
