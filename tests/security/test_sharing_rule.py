"""One sharing rule, applied identically by every path: pages, the API with HTTP Basic, the command, the worker.

The rule (``sharing.permissions``): an active user may share a target when they are a superuser or hold
``change_target`` or ``share_target`` on it. Continuous sharing adds the persistentshare model permissions.
Each user below holds all three of those, so only the rule on the target decides.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from dataproducts.services import save_datums
from sharing import delivery
from sharing.continuous import create_persistent_share
from sharing.lists import shareable_ids
from sharing.models import Delivery, PersistentShare, ShareRecord
from sharing.permissions import may_share
from tests.api.conftest import basic
from tests.continuous.conftest import SHARE_PERMS, photometry

pytestmark = pytest.mark.django_db

DOWN = {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "peer", "PASSWORD": "peer-password"}  # nothing listens
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def destinations(settings):
    """Five destinations nobody answers at (one per path, so no two paths meet the one-share-per-destination
    constraint); tasks are queued and dropped: the worker path calls ``deliver`` itself."""
    settings.DATA_SHARING = {key: {"DISPLAY_NAME": key, **DOWN} for key in ("d1", "d2", "d3", "d4", "d5")}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def people(users, target):
    """Who may share ``target`` and who may not, each with every persistentshare permission and a password."""
    perms = Permission.objects.filter(content_type__app_label="sharing", codename__in=SHARE_PERMS)
    changers = Group.objects.create(name="Changers")
    assign_perm("view_target", changers, target)
    assign_perm("change_target", changers, target)
    changer = User.objects.create_user("changer", password="pw-changer")  # change, no share_target
    changer.groups.add(changers)
    granted = User.objects.create_user("granted", password="pw-granted")  # share_target, no change
    assign_perm("view_target", granted, target)
    assign_perm("share_target", granted, target)
    for user in (changer, granted, users["viewer"], users["superuser"]):
        user.user_permissions.add(*perms)
    passwords = {"changer": "pw-changer", "granted": "pw-granted", "viewer": "pw-viewer", "superuser": "pw-root"}
    return {"changer": changer, "granted": granted, "viewer": users["viewer"], "superuser": users["superuser"]}, \
        passwords


def every_path(who: str, user: User, password: str, target, target_list) -> dict[str, bool]:
    """Whether each path let ``user`` share ``target``: True where it went through, False where it refused."""
    page = Client()
    page.force_login(user)
    api = Client(headers=basic(user.username, password))
    owner = User.objects.get(username="root")
    on_d3 = PersistentShare.objects.create(target=target, destination="d3", user=owner)
    on_d4 = PersistentShare.objects.create(target=target, destination="d4", user=owner)
    mine = PersistentShare.objects.create(target=target, destination="d5", user=user)
    Delivery.objects.create(share=mine, existing=True)  # "share existing data": the target goes
    seen = {}
    seen["rule"] = may_share(user, target)
    seen["Share page"] = page.get(reverse("sharing:share", args=[target.pk])).status_code == 200
    seen["Share button on the target page"] = reverse("sharing:share", args=[target.pk]) in page.get(
        reverse("targets:detail", args=[target.pk])).content.decode()
    seen["list share page"] = target.pk in shareable_ids(user, target_list)
    seen["Continuous tab: create"] = page.post(reverse("sharing:persistentshare-create", args=[target.pk]),
                                               {"destination": "d1"}, **HTMX).status_code == 200 \
        and PersistentShare.objects.filter(destination="d1").exists()
    seen["Continuous tab: retry"] = page.post(reverse("sharing:persistentshare-retry", args=[target.pk, on_d3.pk]),
                                              **HTMX).status_code == 200
    seen["Continuous tab: delete"] = page.post(reverse("sharing:persistentshare-delete", args=[target.pk, on_d3.pk]),
                                               **HTMX).status_code == 200
    seen["API: create"] = api.post("/targets/persistentshare/", {"target": target.pk, "destination": "d2"},
                                   content_type="application/json").status_code == 201
    seen["API: retry"] = api.post(f"/targets/persistentshare/{on_d4.pk}/retry/").status_code == 200
    seen["API: delete"] = api.delete(f"/targets/persistentshare/{on_d4.pk}/").status_code == 204
    try:
        call_command("share", target.name, "d1", "--user", user.username)
    except CommandError as exc:
        assert "may not share" in str(exc) or "did not fully go through" in str(exc), exc
    seen["manage.py share --user"] = ShareRecord.objects.filter(via="command", user=user).exists()
    outcome = delivery.deliver(mine.pk)  # the destination does not answer: tried, and waiting to be tried again
    mine.refresh_from_db()
    seen["delivery worker"] = not mine.paused and outcome.startswith("will retry") \
        and mine.deliveries.get().attempts == 1
    return seen


@pytest.mark.parametrize("who,allowed", [("changer", True), ("granted", True), ("superuser", True),
                                         ("viewer", False)])
def test_every_path_applies_the_same_rule(people, target, target_list, who, allowed):
    users, passwords = people
    seen = every_path(who, users[who], passwords[who], target, target_list)
    assert seen == {path: allowed for path in seen}


def test_a_user_without_the_right_changes_nothing_through_the_rest_api(people, target):
    """The viewer holds every persistentshare permission, may see the shares, and may still do nothing to them."""
    users, passwords = people
    share = PersistentShare.objects.create(target=target, destination="d1", user=users["superuser"])
    failed = share.deliveries.create(status="failed", last_error="boom")
    api = Client(headers=basic("viewer", passwords["viewer"]))
    assert api.get(f"/targets/persistentshare/{share.pk}/").status_code == 200
    created = api.post("/targets/persistentshare/", {"target": target.pk, "destination": "d2"},
                       content_type="application/json")
    assert created.status_code == 400 and "You may not share SN 2024abc" in created.json()["target"][0]
    for response in (api.post(f"/targets/persistentshare/{share.pk}/retry/"),
                     api.post(f"/targets/persistentshare/{share.pk}/resume/"),
                     api.delete(f"/targets/persistentshare/{share.pk}/")):
        assert response.status_code == 403 and "change or share permission" in response.json()["detail"]
    assert list(PersistentShare.objects.values_list("pk", flat=True)) == [share.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.last_error) == ("failed", "boom")


def test_the_documented_permissions_open_the_share_page_and_its_continuous_form(people, target):
    """continuous-sharing.rst: add_persistentshare (with view/delete) plus change_target on the target."""
    users, _ = people
    page = Client()
    page.force_login(users["changer"])
    html = page.get(reverse("sharing:share", args=[target.pk]) + "?tab=continuous").content.decode()
    assert "persistent-share-form" in html and "Continuous" in html
    users["changer"].user_permissions.remove(Permission.objects.get(content_type__app_label="sharing", codename="add_persistentshare"))
    page.force_login(User.objects.get(pk=users["changer"].pk))
    html = page.get(reverse("sharing:tab", args=[target.pk, "continuous"])).content.decode()
    assert "persistent-share-form" not in html and "sharing.add_persistentshare" in html


def test_manage_py_share_refuses_a_user_who_may_not_share_and_sends_nothing(people, target):
    with pytest.raises(CommandError, match=r"viewer may not share SN 2024abc .* nothing was sent"):
        call_command("share", "SN 2024abc", "d1", "--user", "viewer")
    User.objects.filter(username="granted").update(is_active=False)
    with pytest.raises(CommandError, match="granted is deactivated"):
        call_command("share", "SN 2024abc", "d1", "--user", "granted")
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("share", "SN 2024abc", "d1", "--user", "nobody")
    assert not ShareRecord.objects.exists()


class TestAShareWhoseOwnerMayNoLongerShare:
    @pytest.fixture
    def share(self, people, target):
        users, _ = people
        share = create_persistent_share(users["changer"], target, "d1")
        return share

    def test_deactivating_the_owner_pauses_their_shares_at_once_with_the_reason(self, share, client_for):
        owner = share.user
        owner.is_active = False
        owner.save()
        share.refresh_from_db()
        assert share.paused_reason == "its owner changer was deactivated" and share.paused_at is not None
        page = client_for("superuser").get(reverse("sharing:persistentshare-manage")).content.decode()
        assert "paused: its owner changer was deactivated" in page and "Resume as me" in page
        tab = client_for("superuser").get(reverse("sharing:tab", args=[share.target_id, "continuous"]))
        assert "paused: its owner changer was deactivated" in tab.content.decode()

    def test_new_data_wait_and_nothing_goes_in_a_deactivated_owners_name(self, share, target,
                                                                         django_capture_on_commit_callbacks):
        User.objects.filter(pk=share.user_id).update(is_active=False)  # even without the signal (a bulk update)
        with django_capture_on_commit_callbacks(execute=True):
            save_datums(target, photometry(3), origin="manual")
        assert delivery.deliver(share.pk) == "paused: its owner changer was deactivated"
        assert delivery.deliver(share.pk).startswith("paused")
        assert list(share.deliveries.values_list("status", flat=True)) == ["pending"]
        assert not ShareRecord.objects.exists()
        assert delivery.deliver_due() == []  # the command leaves paused shares alone

    def test_a_revoked_permission_pauses_the_share_at_its_next_delivery(self, share, target, people,
                                                                        django_capture_on_commit_callbacks):
        users, _ = people
        users["changer"].groups.clear()  # no longer may change (nor view) the target
        with django_capture_on_commit_callbacks(execute=True):
            save_datums(target, photometry(2), origin="manual")
        assert delivery.deliver(share.pk) == "paused: its owner changer may no longer share SN 2024abc"
        share.refresh_from_db()
        assert share.paused and share.deliveries.get().status == "pending"
        assert not ShareRecord.objects.exists()

    def test_deleting_the_owner_pauses_the_share_naming_them(self, share):
        User.objects.get(pk=share.user_id).delete()
        share.refresh_from_db()
        assert (share.user, share.paused_reason) == (None, "its owner changer was deleted")

    def test_someone_who_may_share_resumes_it_as_theirs_and_what_waited_is_sent(
            self, share, target, people, django_capture_on_commit_callbacks):
        users, passwords = people
        User.objects.filter(pk=share.user_id).update(is_active=False)
        with django_capture_on_commit_callbacks(execute=True):
            save_datums(target, photometry(2), origin="manual")
        delivery.deliver(share.pk)
        viewer = Client(headers=basic("viewer", passwords["viewer"]))
        assert viewer.post(f"/targets/persistentshare/{share.pk}/resume/").status_code == 403
        granted = Client(headers=basic("granted", passwords["granted"]))
        body = granted.post(f"/targets/persistentshare/{share.pk}/resume/").json()
        assert (body["paused"], body["user"], body["waiting"]) == ("", users["granted"].pk, 1)
        assert delivery.deliver(share.pk).startswith("will retry")  # tried now (d1 does not answer)
        share.refresh_from_db()
        assert (share.paused, share.user, share.deliveries.get().attempts) == (False, users["granted"], 1)

    def test_resume_as_me_from_the_table(self, share, target, people):
        users, _ = people
        User.objects.filter(pk=share.user_id).update(is_active=False)
        delivery.deliver(share.pk)
        page = Client()
        page.force_login(users["granted"])
        response = page.post(reverse("sharing:persistentshare-resume", args=[target.pk, share.pk]),
                             {"scope": "all"}, **HTMX)
        assert "now in your name" in response.content.decode()
        share.refresh_from_db()
        assert (share.paused, share.user) == (False, users["granted"])
        assert page.post(reverse("sharing:persistentshare-resume", args=[target.pk, share.pk]),
                         **HTMX).status_code == 403  # not paused any more: nothing to resume


def test_a_share_without_an_owner_sends_in_nobodys_name(target):
    """Made in the admin without a user (or left by a deleted one): paused at its first delivery."""
    share = PersistentShare.objects.create(target=target, destination="d1")
    Delivery.objects.create(share=share, existing=True)
    assert delivery.deliver(share.pk) == "paused: it has no owner (it was set up without one, or its owner was deleted)"
    assert share.deliveries.get().status == "pending" and not ShareRecord.objects.exists()
