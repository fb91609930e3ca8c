"""Every URL of the site × every role, generated from the URL configuration.

Each view declares its rule with a decorator from ``core.permissions`` (which
sets ``view.access``); this test reads that rule from every URL pattern, so a
URL added later is covered automatically, and a URL without a declared rule
fails here.
"""
from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.models import ApiToken
from dataproducts.models import DataProduct, ReducedDatum
from targets.models import Target, TargetList, TargetName
from tests.conftest import ROLES

# Sample values for URL parameters other than an object's pk.
SAMPLE_KWARGS = {"section": "names", "fmt": "csv", "tab": "history", "share_pk": 1}
# Global permissions no fixture group holds (the editors hold add_target and add_targetlist).
PERM_ROLES = {"alertstreams.view_deadletter": ("superuser",)}
ALLOWED = {200, 405}  # 405: a POST-only view answering a GET after the permission check passed


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in ("admin", "api"):  # the API: tests/api/test_api_permission_matrix.py
                continue
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}", p


def site_urls():
    return sorted(walk(get_resolver().url_patterns), key=lambda item: item[0])


def test_every_url_declares_its_access_rule():
    missing = [name for name, p in site_urls() if not hasattr(p.callback, "access")]
    assert not missing, f"views without a core.permissions decorator: {missing}"


def expected_status(access, role: str) -> set[int]:
    if access.kind == "public":
        return ALLOWED
    if access.kind == "machine":  # /metrics/: a token or an allowed address, whatever the role (none set here)
        return {404}
    if role == "anonymous":
        return {302}
    if access.kind == "login":
        return ALLOWED
    if access.kind == "perm":
        return ALLOWED if role in PERM_ROLES.get(access.perm, ("editor", "superuser")) else {403}
    if access.kind == "apitoken":  # the fixture's token is the editor's own
        return ALLOWED if role in ("editor", "superuser") else {404}
    # an object kind
    if role == "outsider":
        return {404}
    if role == "viewer":
        return ALLOWED if access.action == "view" else {403}
    return ALLOWED


def url_for(name, pattern, objects):
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "pk":
            kwargs["pk"] = objects[pattern.callback.access.kind].pk
        else:
            kwargs[key] = SAMPLE_KWARGS[key]
    return reverse(name, kwargs=kwargs)


def snapshot():
    return (
        list(Target.objects.order_by("pk").values_list("name", "ra", "dec", "modified")),
        list(TargetName.objects.order_by("pk").values_list("name", "key")),
        list(TargetList.objects.order_by("pk").values_list("name", "modified")),
        list(TargetList.targets.through.objects.order_by("pk").values_list("targetlist_id", "target_id")),
        list(DataProduct.objects.order_by("pk").values_list("pk", "data")),
        list(ReducedDatum.objects.order_by("pk").values_list("pk", "brightness", "limit")),
        list(ApiToken.objects.order_by("pk").values_list("pk", "user_id")),
    )


@pytest.fixture
def api_token(users):
    return ApiToken.objects.create_for(users["editor"], "peer")[0]


@pytest.mark.parametrize("role", ROLES)
def test_get_on_every_url(role, client_for, target, target_list, data_product, api_token):
    objects = {"target": target, "targetlist": target_list, "dataproduct": data_product, "apitoken": api_token}
    client = client_for(role)
    failures = []
    for name, pattern in site_urls():
        url = url_for(name, pattern, objects)
        response = client.get(url)
        expected = expected_status(pattern.callback.access, role)
        if (expected & ALLOWED and response.status_code == 302
                and not response["Location"].startswith("/accounts/login/")):
            continue  # an allowed redirect (the home page sends you to the targets)
        if response.status_code not in expected:
            failures.append(f"{name} {url}: {response.status_code}, expected {sorted(expected)}")
        if response.status_code == 302 and role == "anonymous":
            assert response["Location"].startswith("/accounts/login/"), url
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "viewer"])
def test_refused_posts_change_nothing(role, client_for, target, target_list, data_product, api_token):
    objects = {"target": target, "targetlist": target_list, "dataproduct": data_product, "apitoken": api_token}
    client = client_for(role)
    before = snapshot()
    checked = 0
    for name, pattern in site_urls():
        access = pattern.callback.access
        expected = expected_status(access, role)
        if expected & ALLOWED:
            continue  # this role may use the URL; its POSTs are tested with the feature
        url = url_for(name, pattern, objects)
        response = client.post(url, {"name": "Hacked", "ra": "1", "dec": "1", "target_list": target_list.pk,
                                      "targets": [target.pk], "action": "remove", "time": "60000", "bandpass": "V",
                                      "brightness": "12", "data_product_type": "photometry"})
        assert response.status_code in expected, f"POST {url}: {response.status_code}, expected {expected}"
        checked += 1
    assert checked > 0
    assert snapshot() == before


def test_objects_that_do_not_exist_are_404_even_for_superusers(client_for, target, target_list, data_product):
    client = client_for("superuser")
    for name, pattern in site_urls():
        if "pk" in pattern.pattern.converters:
            kwargs = {k: SAMPLE_KWARGS.get(k, 999999) for k in pattern.pattern.converters}
            assert client.get(reverse(name, kwargs=kwargs)).status_code in {404, 405}, name


def test_admin_is_for_staff_only(client_for, target):
    assert client_for("anonymous").get("/admin/").status_code == 302
    assert client_for("editor").get("/admin/").status_code == 302
    response = client_for("superuser").get(f"/admin/targets/target/{target.pk}/change/")
    assert response.status_code == 200 and b"SN 2024abc" in response.content
