"""Editing a target keeps other groups' access (issue 11, item 9).

The edit form offers the editor their own groups only; saving it must change only those groups'
permissions, never those an administrator granted to a group the editor is not in.
"""
from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm, get_perms

from targets.services import create_target
from tests.conftest import sidereal


@pytest.fixture
def observers(db):
    return Group.objects.create(name="Observers")


@pytest.fixture
def granted(target, observers):
    """An administrator let the Observers (the editor is not one) view and change the target."""
    assign_perm("view_target", observers, target)
    assign_perm("change_target", observers, target)
    return target


def edit(client, target, **groups):
    form = client.get(reverse("targets:update", args=[target.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name not in groups}
    data = {**data, "view_groups": [], "change_groups": [], **{k: [g.pk for g in v] for k, v in groups.items()}}
    return client.post(reverse("targets:update", args=[target.pk]), data)


def test_an_editor_saving_the_form_keeps_a_group_they_cannot_choose(client_for, granted, editors, observers):
    client = client_for("editor")
    choices = client.get(reverse("targets:update", args=[granted.pk])).context["form"].fields["view_groups"].queryset
    assert observers not in choices  # the form never showed it...
    response = edit(client, granted, change_groups=[editors])
    assert response.status_code == 302
    assert sorted(get_perms(observers, granted)) == ["change_target", "view_target"]  # ...so it keeps its access


def test_the_editor_still_changes_what_they_could_choose(client_for, users, granted, editors, observers):
    night_crew = Group.objects.create(name="Night crew")
    users["editor"].groups.add(night_crew)
    response = edit(client_for("editor"), granted, view_groups=[night_crew], change_groups=[editors])
    assert response.status_code == 302
    assert get_perms(night_crew, granted) == ["view_target"]
    assert "view_target" in get_perms(editors, granted) and "change_target" in get_perms(editors, granted)
    edit(client_for("editor"), granted, change_groups=[editors])
    assert get_perms(night_crew, granted) == []  # unticked by someone who could choose it
    assert sorted(get_perms(observers, granted)) == ["change_target", "view_target"]


def test_a_superuser_may_choose_every_group_and_so_may_remove_any(client_for, granted, editors, observers):
    response = edit(client_for("superuser"), granted, change_groups=[editors])
    assert response.status_code == 302
    assert get_perms(observers, granted) == []


def test_a_peer_patching_a_target_changes_no_group(users, editors, viewers):
    """The API's PATCH never touches groups (held before the fix)."""
    target = create_target(users["editor"], sidereal("Patched"), view_groups=[viewers], change_groups=[editors])
    peer = Client(headers={"Authorization": "Basic " + base64.b64encode(b"editor:pw-editor").decode()})
    response = peer.patch(f"/api/targets/{target.pk}/", {"ra": 12.0}, content_type="application/json")
    assert response.status_code == 200
    assert get_perms(viewers, target) == ["view_target"]
