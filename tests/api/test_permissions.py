"""Every API operation × roles, generated from the OpenAPI schema: operations added later are covered too.

Anonymous callers get a JSON 401 everywhere but ``GET /api/``; an account with no rights gets JSON
401/403/404 (or an empty list) and changes nothing.
"""
from __future__ import annotations

import pytest
from django.test import Client

from dataproducts.models import DataProduct, ReducedDatum
from targets.models import Target, TargetList
from tests.api.conftest import basic

PUBLIC = {("get", "/api/")}


def operations(client):
    schema = client.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        if not path.startswith("/api/"):
            continue  # the persistent-share operations: tests/continuous/test_api.py
        for method in methods:
            yield method, path


def concrete(path: str, ids: dict) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def snapshot():
    return (list(Target.objects.values_list("pk", "name", "ra")), list(TargetList.objects.values_list("pk", "name")),
            list(ReducedDatum.objects.values_list("pk", "brightness")), list(DataProduct.objects.values_list("pk")))


@pytest.fixture
def ids(target, target_list, data_product):
    return {"target_id": target.pk, "list_id": target_list.pk, "product_id": data_product.pk,
            "datum_id": data_product.reduced_data.first().pk}


BODY = {"name": "Intruder", "ra": 1, "dec": 1, "target": 0, "targets": [], "datums": [], "data_type": "photometry",
        "timestamp": "2024-01-01T00:00:00", "value": {"magnitude": 1}}


def call(client, method, url):
    if method in ("post", "patch", "put"):
        return getattr(client, method)(url, BODY, content_type="application/json")
    return getattr(client, method)(url)


def test_anonymous_callers_get_a_json_401_everywhere(client, ids):
    before = snapshot()
    for method, path in operations(client):
        response = call(Client(), method, concrete(path, ids))
        if (method, path) in PUBLIC:
            assert response.status_code == 200
            continue
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["detail"]
    assert snapshot() == before


def test_an_account_without_rights_learns_nothing_and_changes_nothing(client, users, ids):
    outsider = Client(headers=basic("outsider", "pw-outsider"))
    BODY["target"] = ids["target_id"]
    BODY["targets"] = [ids["target_id"]]
    before = snapshot()
    for method, path in operations(client):
        response = call(outsider, method, concrete(path, ids))
        assert response["Content-Type"].startswith("application/json"), (method, path)
        if method == "get" and "{" not in path:
            body = response.json()
            assert response.status_code == 200
            assert body.get("count", 0) == 0 or path == "/api/", (path, body)
        else:
            assert response.status_code in (400, 403, 404), (method, path, response.status_code, response.content[:200])
    assert snapshot() == before


def test_a_viewer_may_read_but_not_write(client, users, ids):
    viewer = Client(headers=basic("viewer", "pw-viewer"))
    BODY["target"] = ids["target_id"]
    before = snapshot()
    for method, path in operations(client):
        response = call(viewer, method, concrete(path, ids))
        if method == "get":
            assert response.status_code == 200, (method, path, response.status_code)
        else:
            assert response.status_code in (400, 403), (method, path, response.status_code, response.content[:200])
    assert snapshot() == before
