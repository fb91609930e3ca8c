"""continuous-sharing.rst's permission strings (``tom_targets.*_persistentshare``) grant what ours grant.

The documentation's console block is run as written, through ``manage.py shell`` (which imports ``User`` and
``Group`` by itself, as the documentation assumes), for a user and for a group. Each of its permissions is then
compared with our own name for it (``sharing.*_persistentshare``) action by action: the same pages, tabs, buttons
and API answers, no more.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from sharing.models import PersistentShare
from sharing.permissions import may
from tests.api.conftest import basic
from tests.compat.documented import PERMISSIONS_BLOCK
from tests.security.test_sharing_rule import every_path

pytestmark = pytest.mark.django_db

DOWN = {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "peer", "PASSWORD": "peer-password"}  # nobody answers
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def destinations(settings):
    settings.DATA_SHARING = {key: {"DISPLAY_NAME": key, **DOWN} for key in ("d1", "d2", "d3", "d4", "d5")}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def documented(target):
    """'myusername' and a member of 'mygroupname', given their rights by the documentation's block, run as written;
    each may change the target (the documentation's other requirement)."""
    user = User.objects.create_user("myusername", password="pw-myusername")
    group = Group.objects.create(name="mygroupname")
    member = User.objects.create_user("member", password="pw-member")
    member.groups.add(group)
    call_command("shell", command=PERMISSIONS_BLOCK)
    for who in (user, member):
        assign_perm("view_target", who, target)
        assign_perm("change_target", who, target)
    return {"myusername": User.objects.get(pk=user.pk), "member": User.objects.get(pk=member.pk)}


def test_the_documented_block_runs_and_gives_the_documented_permissions(documented):
    for user in documented.values():
        for action in ("view", "add", "delete"):
            assert user.has_perm(f"tom_targets.{action}_persistentshare")
            assert may(user, f"sharing.{action}_persistentshare")  # what every page, tag and API call asks
    assert set(Group.objects.get(name="mygroupname").permissions.values_list("content_type__app_label", "codename")) \
        == {("tom_targets", f"{a}_persistentshare") for a in ("view", "add", "delete")}


@pytest.mark.parametrize("who,password", [("myusername", "pw-myusername"), ("member", "pw-member")])
def test_the_documented_setup_opens_every_continuous_sharing_path(documented, target, target_list, who, password):
    """The same paths as tests/security/test_sharing_rule.py walks for our own names, all open."""
    seen = every_path(who, documented[who], password, target, target_list)
    assert seen == {path: True for path in seen}


def test_the_documented_setup_shows_the_share_page_and_its_continuous_form(documented, target):
    """Issue 13 item 6: add_persistentshare (with view and delete) and change_target on the target, nothing more."""
    page = Client()
    page.force_login(documented["member"])
    assert page.get(reverse("sharing:share", args=[target.pk])).status_code == 200
    html = page.get(reverse("sharing:tab", args=[target.pk, "continuous"])).content.decode()
    assert "persistent-share-form" in html and "You do not have permission" not in html


def abilities(user: User, password: str, target) -> dict[str, object]:
    """What ``user`` may do with continuous sharing of ``target`` (which holds one share, on d1), path by path."""
    share = PersistentShare.objects.get(destination="d1")
    page = Client()
    page.force_login(user)
    api = Client(headers=basic(user.username, password))
    tab = page.get(reverse("sharing:tab", args=[target.pk, "continuous"])).content.decode()
    manage = page.get(reverse("sharing:persistentshare-manage")).content.decode()
    return {
        "tab shows the form": "persistent-share-form" in tab,
        "tab lists the share": f'data-share="{share.pk}"' in tab,
        "manage page lists it": f'data-share="{share.pk}"' in manage,
        "delete button": "Delete</button>" in tab,
        "retry button": "Retry now</button>" in tab,
        "API list": api.get("/targets/persistentshare/").status_code,
        "API get": api.get(f"/targets/persistentshare/{share.pk}/").status_code,
        "API create (validated only)": api.post("/targets/persistentshare/", {"target": target.pk, "destination": "d1"},
                                                content_type="application/json").status_code,
        "page create (validated only)": page.post(reverse("sharing:persistentshare-create", args=[target.pk]),
                                                  {"destination": "d1"}, **HTMX).status_code,
    }


@pytest.mark.parametrize("actions,granted", [
    (("view",), "tab lists the share"),
    (("add",), "tab shows the form"),
    (("view", "delete"), "delete button"),  # deleting needs seeing the share first (ours and theirs alike)
    (("view", "add", "delete"), "retry button"),
])
@pytest.mark.parametrize("holder", ["user", "group"])
def test_each_documented_permission_grants_exactly_what_ours_grants(users, target, actions, granted, holder):
    """One user holds ``tom_targets.<action>_persistentshare``, the other ``sharing.<action>_persistentshare``;
    both may change the target. Every answer is the same (creating d1 again is refused as a duplicate, so the
    comparison changes nothing)."""
    PersistentShare.objects.create(target=target, destination="d1", user=users["superuser"])
    found = {}
    for app in ("tom_targets", "sharing"):
        user = User.objects.create_user(f"{app}-{holder}", password="pw")
        grantee = user
        if holder == "group":
            grantee = Group.objects.create(name=f"{app} sharers")
            user.groups.add(grantee)
        for action in actions:
            assign_perm(f"{app}.{action}_persistentshare", grantee)
        assign_perm("view_target", user, target)
        assign_perm("change_target", user, target)
        found[app] = abilities(User.objects.get(pk=user.pk), "pw", target)
    assert found["tom_targets"] == found["sharing"]
    assert found["tom_targets"][granted] is True  # and the comparison is not between two users who may do nothing


def test_the_documented_permissions_without_change_target_open_nothing(documented, target, target_list):
    """The documentation's other half: without change_target (or our share_target) on the target, no path opens."""
    for user in documented.values():
        user.user_permissions.remove(*Permission.objects.filter(codename="change_target"))
    remove_perm("change_target", documented["myusername"], target)
    user = User.objects.get(username="myusername")
    seen = every_path("myusername", user, "pw-myusername", target, target_list)
    assert seen == {path: False for path in seen}
