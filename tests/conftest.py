"""Shared fixtures: a small TOM with one object of each kind and a user for each role.

Roles (what the permission matrix walks through):
- anonymous: not logged in
- outsider: logged in, no group, no permission on anything
- viewer: in a group that may view the target and the list
- editor: in a group that may view and change them, may add targets and lists,
  and may delete them (as their creator would)
- superuser
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from guardian.shortcuts import assign_perm

from targets.services import TargetInput, create_target, create_target_list

pytest_plugins = ["tests.kafka.fixtures", "tests.e2e.fixtures", "tests.object_storage"]

ROLES = ("anonymous", "outsider", "viewer", "editor", "superuser")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test writes its uploads to a directory of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def viewers(db):
    return Group.objects.create(name="Viewers")


@pytest.fixture
def editors(db):
    group = Group.objects.create(name="Editors")
    group.permissions.add(*Permission.objects.filter(codename__in=["add_target", "add_targetlist"]))
    return group


@pytest.fixture
def users(db, viewers, editors):
    make = User.objects.create_user
    outsider = make("outsider", password="pw-outsider")
    viewer = make("viewer", password="pw-viewer")
    viewer.groups.add(viewers)
    editor = make("editor", password="pw-editor")
    editor.groups.add(editors)
    superuser = User.objects.create_superuser("root", "root@example.org", "pw-root")
    return {"anonymous": None, "outsider": outsider, "viewer": viewer, "editor": editor, "superuser": superuser}


@pytest.fixture
def target(users, viewers, editors):
    t = create_target(
        users["superuser"],
        TargetInput({"name": "SN 2024abc", "type": "SIDEREAL", "ra": 150.0, "dec": 2.5},
                    ["AT 2024abc", "ZTF24aaaaaaa"], {"redshift": "0.05"}),
        view_groups=[viewers], change_groups=[editors],
    )
    assign_perm("delete_target", editors, t)
    assign_perm("share_target", editors, t)
    return t


@pytest.fixture
def target_list(users, viewers, editors, target):
    tl = create_target_list(users["superuser"], "Transients", [viewers], [editors], [target])
    assign_perm("delete_targetlist", editors, tl)
    return tl


PHOTOMETRY_CSV = """mjd,filter,magnitude,error,limit,telescope
60400.10,g,18.50,0.05,,LCO-1m
60400.20,r,18.20,0.04,,LCO-1m
60401.10,g,,,20.1,LCO-1m
"""


@pytest.fixture
def data_product(users, target):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dataproducts.services import upload_data_product

    upload = SimpleUploadedFile("lightcurve.csv", PHOTOMETRY_CSV.encode(), "text/csv")
    return upload_data_product(target, upload, "photometry", user=users["superuser"]).data_product


@pytest.fixture
def client_for(client, users):
    """A test client logged in as the named role (anonymous: not logged in)."""

    def make(role: str):
        from django.test import Client

        c = Client()
        if users[role] is not None:
            c.force_login(users[role])
        return c

    return make


def sidereal(name: str, ra: float = 10.0, dec: float = 10.0, aliases=(), extras=None) -> TargetInput:
    return TargetInput({"name": name, "type": "SIDEREAL", "ra": ra, "dec": dec}, list(aliases), dict(extras or {}))
