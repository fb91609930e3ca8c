"""/targets/persistentshare/ REST API: the TOM Toolkit's paths and request field, JSON answers, every role."""
from __future__ import annotations

import pytest
from django.test import Client

from sharing.models import PersistentShare
from tests.api.conftest import basic

pytestmark = pytest.mark.django_db

DATA_SHARING = {"peer": {"DISPLAY_NAME": "Peer", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}}


@pytest.fixture(autouse=True)
def queued_only(settings):
    """Nothing here is about delivery: tasks are queued and dropped."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_SHARING = DATA_SHARING


@pytest.fixture
def editor_api(sharer):
    return Client(headers=basic("editor", "pw-editor"))


@pytest.fixture
def share(sharer, target):
    return PersistentShare.objects.create(target=target, destination="peer", user=sharer)


def test_create_with_share_existing_data_then_get_list_and_delete(editor_api, target):
    response = editor_api.post("/targets/persistentshare/", {"target": target.pk, "destination": "peer",
                                                             "share_existing_data": True},
                               content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["target"], body["destination"], body["waiting"]) == (target.pk, "peer", 1)
    share = PersistentShare.objects.get()
    assert share.user.username == "editor" and share.deliveries.get().existing

    assert editor_api.get(f"/targets/persistentshare/{share.pk}/").json()["id"] == share.pk
    listed = editor_api.get("/targets/persistentshare/").json()
    assert (listed["count"], listed["results"][0]["id"]) == (1, share.pk)
    assert editor_api.get(f"/targets/{target.pk}/persistentshare/").json()["count"] == 1
    assert editor_api.delete(f"/targets/persistentshare/{share.pk}/").status_code == 204
    assert not PersistentShare.objects.exists()


def test_token_authentication_works_too(sharer, target):
    from tom.models import ApiToken

    key = ApiToken.objects.create_for(sharer, "script")[1]
    response = Client(headers={"Authorization": f"Token {key}"}).get("/targets/persistentshare/")
    assert response.status_code == 200


@pytest.mark.parametrize("body,field,words", [
    ({"destination": "nowhere"}, "destination", "'nowhere' is not a destination in DATA_SHARING."),
    ({"target": 999999}, "target", "No target 999999."),
    ({"target": "x"}, "target", ""),
])
def test_bad_requests_are_json_400s_naming_the_field(editor_api, target, body, field, words):
    response = editor_api.post("/targets/persistentshare/", {"target": target.pk, "destination": "peer", **body},
                               content_type="application/json")
    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert not PersistentShare.objects.exists()


def test_a_duplicate_is_a_400(editor_api, share, target):
    response = editor_api.post("/targets/persistentshare/", {"target": target.pk, "destination": "peer"},
                               content_type="application/json")
    assert response.status_code == 400
    assert "already shared continuously" in response.json()["non_field_errors"][0]  # where DRF says it


def test_the_right_to_share_the_target_is_needed(users, target):
    """The viewer holds every persistentshare permission but may neither change nor share the target."""
    from django.contrib.auth.models import Permission

    from tests.continuous.conftest import SHARE_PERMS

    users["viewer"].user_permissions.add(*Permission.objects.filter(content_type__app_label="sharing", codename__in=SHARE_PERMS))
    viewer = Client(headers=basic("viewer", "pw-viewer"))
    response = viewer.post("/targets/persistentshare/", {"target": target.pk, "destination": "peer"},
                           content_type="application/json")
    assert response.status_code == 400
    assert "You may not share SN 2024abc" in response.json()["target"][0]
    share = PersistentShare.objects.create(target=target, destination="peer")
    assert viewer.get(f"/targets/persistentshare/{share.pk}/").status_code == 200  # may see it
    assert viewer.delete(f"/targets/persistentshare/{share.pk}/").status_code == 403  # may not delete it
    assert PersistentShare.objects.count() == 1


def test_the_retry_route_resets_a_failed_share(editor_api, share):
    share.deliveries.create(status="failed", last_error="boom", attempts=3)
    response = editor_api.post(f"/targets/persistentshare/{share.pk}/retry/")
    assert response.status_code == 200 and response.json()["waiting"] == 1
    assert share.deliveries.get().status == "pending"


def operations(client):
    for path, methods in client.get("/targets/persistentshare/openapi.json").json()["paths"].items():
        for method in methods:
            yield method, path


@pytest.mark.parametrize("role,expected", [
    ("anonymous", {401}), ("outsider", {403, 404}), ("viewer", {400, 403, 404}),
])
def test_every_operation_refuses_callers_without_rights_in_json_and_changes_nothing(
        api_as, client, share, target, role, expected):
    caller = api_as(role)
    seen = 0
    for method, path in operations(client):
        url = path.replace("{pk}", str(share.pk)).replace("{target_pk}", str(target.pk))
        kwargs = {"data": {"target": target.pk, "destination": "peer"}, "content_type": "application/json"} \
            if method in ("post", "patch") else {}
        response = getattr(caller, method)(url, **kwargs)
        assert response["Content-Type"].startswith("application/json"), (method, url)
        assert response.status_code in expected, (role, method, url, response.status_code, response.content)
        seen += 1
    assert seen == 8
    assert list(PersistentShare.objects.values_list("pk", "destination")) == [(share.pk, "peer")]
    assert not share.deliveries.exists()


def test_a_share_of_a_target_the_caller_cannot_view_is_404(users, share):
    from django.contrib.auth.models import Permission

    from tests.continuous.conftest import SHARE_PERMS

    users["outsider"].user_permissions.add(*Permission.objects.filter(content_type__app_label="sharing", codename__in=SHARE_PERMS))
    outsider = Client(headers=basic("outsider", "pw-outsider"))
    assert outsider.get(f"/targets/persistentshare/{share.pk}/").status_code == 404
    assert outsider.delete(f"/targets/persistentshare/{share.pk}/").status_code == 404
    assert outsider.get(f"/targets/{share.target_id}/persistentshare/").status_code == 404
    assert outsider.get("/targets/persistentshare/").json()["count"] == 0
