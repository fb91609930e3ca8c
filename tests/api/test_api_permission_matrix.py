"""Every API operation × every role × read or write, generated from the OpenAPI schema.

Each operation declares its rule with ``core.permissions.api_rule``, which puts it in the schema as
``x-access``; this test reads the rule there, so an operation added later is covered automatically, and one
without a declared rule fails here. The roles are the fixtures' (tests/conftest.py); a share of the target, a
datum and a data product exist too, and the roles hold the continuous-sharing permissions their part needs.

Expected answers, from the rule alone: anonymous callers get 401 (public operations excepted); a global
permission the caller lacks is a 403; an object the caller may not see is a 404, an action they may not take
on one they see is a 403; an object named in the body that they may not act on is a 400 naming the field.
A refused write changes nothing.
"""
from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from ninja import NinjaAPI

from core.permissions import api_rule
from dataproducts.models import ReducedDatum
from sharing.models import PersistentShare
from tests.conftest import ROLES
from tests.test_permission_matrix import snapshot
from tom.api import api

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
READ = {200}
WRITE_OK = {200, 201, 204}
# What each role may do to the fixtures' objects it can see (the outsider sees none; the superuser may all).
ROLE_ACTIONS = {"viewer": {"view"}, "editor": {"view", "change", "delete", "share", "retry", "resume"}}
# Continuous-sharing permissions: viewers may see shares, editors may do everything with them.
SHARE_PERMS = {"viewers": ("view_persistentshare",),
               "editors": ("view_persistentshare", "add_persistentshare", "change_persistentshare",
                           "delete_persistentshare")}
DATA_SHARING = {key: {"DISPLAY_NAME": key, "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}
                for key in ("peer", "other")}  # the fixture's share goes to peer, a new one to other

PHOTOMETRY = {"data_type": "photometry", "timestamp": "2024-05-01T00:00:00+00:00",
              "value": {"magnitude": 15.5, "error": 0.1, "filter": "g"}}
# A valid request body for each write operation (a callable of the fixtures' objects), so that a refusal is the
# rule's and an allowed call succeeds. A write operation added later needs one here.
BODIES = {
    "POST /api/targets/": lambda o: {"name": "Matrix 1", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0},
    "PATCH /api/targets/{target_id}/": lambda o: {"dec": 3.0},
    "POST /api/targetlists/": lambda o: {"name": "Matrix list"},
    "POST /api/targetlists/{list_id}/targets/": lambda o: {"targets": [o["target"].pk], "action": "remove"},
    "POST /api/reduceddatums/": lambda o: {"target": o["target"].pk, **PHOTOMETRY},
    "POST /api/reduceddatums/bulk/": lambda o: {"target": o["target"].pk, "datums": [PHOTOMETRY]},
    "POST /api/dataproducts/": lambda o: {
        "target": str(o["target"].pk), "data_product_type": "photometry",
        "file": SimpleUploadedFile("matrix.csv", b"mjd,filter,magnitude,error\n60500.1,g,17.0,0.1\n", "text/csv")},
    "POST /targets/persistentshare/": lambda o: {"target": o["target"].pk, "destination": "other"},
    "PATCH /targets/persistentshare/{pk}/": lambda o: {"enabled": False},
}
MULTIPART = {"POST /api/dataproducts/"}


def operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, op) for path, ops in schema["paths"].items()
            for method, op in ops.items() if method in METHODS]


def without_rule(schema: dict) -> list[str]:
    return [f"{method} {path}" for method, path, op in operations(schema) if "x-access" not in op]


SCHEMA = api.get_openapi_schema()  # the one API: /api/... and /targets/persistentshare/...
OPERATIONS = sorted((method, path, op["x-access"]) for method, path, op in operations(SCHEMA) if "x-access" in op)


def test_every_api_operation_declares_its_rule():
    missing = without_rule(SCHEMA)
    assert not missing, f"API operations without core.permissions.api_rule: {missing}"
    assert len(OPERATIONS) >= 26


def test_an_operation_without_a_rule_is_found():
    """The check above reads what api_rule records: an operation added without it shows up."""
    probe = NinjaAPI(urls_namespace="matrix-probe")

    @probe.get("/ruled/")
    @api_rule(login=True)
    def ruled(request):
        return {}

    @probe.get("/forgotten/")
    def forgotten(request):
        return {}

    assert without_rule(probe.get_openapi_schema(path_prefix="/probe/")) == ["GET /probe/forgotten/"]


def expected(access: dict, role: str, write: bool, users) -> set[int]:
    ok = WRITE_OK if write else READ
    kind = access["kind"]
    if kind == "public":
        return READ
    if role == "anonymous":
        return {401}
    if kind == "login":
        return ok
    perm = access.get("perm")
    has_perm = not perm or User.objects.get(pk=users[role].pk).has_perm(perm)  # fresh: no cached permissions
    if kind == "perm":
        return ok if has_perm else {403}
    may = role == "superuser" or access["action"] in ROLE_ACTIONS.get(role, set())
    if "field" in access:  # named in the body: the permission first, then the object, refused as a bad field
        return ok if has_perm and may else ({403} if not has_perm else {400})
    if role == "outsider":
        return {404}
    return ok if has_perm and may else {403}


@pytest.fixture
def objects(users, viewers, editors, target, target_list, data_product, settings):
    settings.DATA_SHARING = DATA_SHARING
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    for group, codenames in ((viewers, SHARE_PERMS["viewers"]), (editors, SHARE_PERMS["editors"])):
        group.permissions.add(*Permission.objects.filter(content_type__app_label="sharing", codename__in=codenames))
    share = PersistentShare.objects.create(target=target, destination="peer", user=users["editor"],
                                           paused_reason="its owner was deactivated")  # so it may be resumed
    return {"target": target, "targetlist": target_list, "dataproduct": data_product, "persistentshare": share,
            "reduceddatum": ReducedDatum.objects.filter(target=target).order_by("pk").first()}


def call(client, method: str, path: str, access: dict, objects, pk=None):
    name = f"{method} {path}"
    url = path
    if "param" in access:
        url = path.replace("{" + access["param"] + "}", str(pk if pk is not None else objects[access["kind"]].pk))
    assert "{" not in url, f"{name}: a path parameter the rule does not name"
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    body = BODIES[name](objects) if name in BODIES else None
    assert body is not None or method == "POST", f"{name}: add a sample body to BODIES"
    if name in MULTIPART:
        return client.post(url, body)
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def shares_snapshot():
    return list(PersistentShare.objects.order_by("pk").values_list("pk", "destination", "enabled", "paused_reason",
                                                                   "user_id"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,access", OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_api_operation_for_role(method, path, access, role, users, objects, api_as):
    write = method != "GET"
    if write and method == "POST" and f"{method} {path}" not in BODIES:
        assert "param" in access, f"{method} {path}: add a sample body to BODIES"  # retry/resume take none
    before = (snapshot(), shares_snapshot())
    response = call(api_as(role), method, path, access, objects)
    allowed = expected(access, role, write, users)
    assert response.status_code in allowed, (f"{method} {path} as {role}: {response.status_code} "
                                             f"{response.content[:300]!r}, expected {sorted(allowed)}")
    assert response["Content-Type"].startswith(("application/json", "text/csv", "application/octet-stream")) or (
        response.status_code == 204)
    if not allowed & WRITE_OK:
        assert (snapshot(), shares_snapshot()) == before, f"{method} {path} as {role} changed something"


@pytest.mark.parametrize("method,path,access", [op for op in OPERATIONS if "param" in op[2]],
                         ids=[f"{m} {p}" for m, p, a in OPERATIONS if "param" in a])
def test_api_objects_that_do_not_exist_are_404_even_for_superusers(method, path, access, objects, api_as):
    response = call(api_as("superuser"), method, path, access, objects, pk=999999)
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
