"""Hostile numbers, bodies and characters get a clear 4xx (JSON under the APIs), never a 500, on SQLite and PostgreSQL.

Run on both databases: SQLite overflows on integers past 2**63 ("Python int too
large", "datatype mismatch"), PostgreSQL on "bigint out of range" and on NUL in
text. The hostile values are built here, never stored in the repository.
"""
from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from dataproducts.models import DataProduct
from targets.models import TargetList
from tom.wsgi import application

HUGE_PAGE = str(10**20)
HUGE_ID = str(10**30)
PHOTOMETRY = b"mjd,magnitude,error,filter\n60400.1,18.5,0.05,g\n"


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture
def browser_client(users):
    """The superuser's logged-in session; a 500 comes back as a response (not raised) so it can be asserted."""
    client = Client(raise_request_exception=False)
    client.force_login(users["superuser"])
    return client


@pytest.fixture
def api_client(users):
    return Client(raise_request_exception=False, headers=basic("root", "pw-root"))


PAGED_URLS = [
    "/targets/?page={n}",
    "/targets/targetlists/?page={n}",
    "/targets/targetlists/{list}/?page={n}",
    "/dataproducts/target/{target}/photometry/?page={n}",
    "/targets/{target}/share/photometry/?page={n}",
    "/targets/persistentshare/manage/table/?page={n}",
    "/alertstreams/dead-letters/?page={n}",
]


@pytest.mark.parametrize("number", [HUGE_PAGE, "-" + HUGE_PAGE, "9" * 5000, "²", "1e30"])
@pytest.mark.parametrize("url", PAGED_URLS)
def test_an_absurd_page_number_shows_a_page(browser_client, target, target_list, data_product, url, number):
    response = browser_client.get(url.format(n=number, target=target.pk, list=target_list.pk))
    assert response.status_code == 200


def test_a_page_number_beyond_the_end_shows_an_empty_page_not_an_error(browser_client, target):
    response = browser_client.get(f"/targets/?page={HUGE_PAGE}")
    assert response.status_code == 200
    assert target.name not in response.content.decode()


@pytest.mark.parametrize("url", ["/api/targets/?offset={n}&limit={n}", "/api/reduceddatums/?offset={n}",
                                 "/targets/persistentshare/?offset={n}&limit={n}"])
def test_an_absurd_api_offset_is_clamped(api_client, target, url):
    response = api_client.get(url.format(n=HUGE_PAGE))
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize("fields", [
    {"targets": [HUGE_ID], "target_list": "{list}"},
    {"targets": ["{target}"], "target_list": HUGE_ID},
    {"targets": ["²"], "target_list": "{list}"},
])
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_adding_ids_no_database_holds_to_a_list_is_a_400_naming_the_field(browser_client, target, target_list,
                                                                            fields, encoding):
    data = {key: [v.format(target=target.pk, list=target_list.pk) for v in value] if isinstance(value, list)
            else value.format(target=target.pk, list=target_list.pk) for key, value in fields.items()}
    if encoding == "urlencoded":
        response = browser_client.post("/targets/targetlists/add/", urlencode(data, doseq=True),
                                       content_type="application/x-www-form-urlencoded")
    else:
        response = browser_client.post("/targets/targetlists/add/", data)
    assert response.status_code == 400
    page = response.content.decode()
    bad_field = "targets" if fields["targets"] != ["{target}"] else "target_list"
    assert f"{bad_field}: " in page and "is not a valid id" in page


@pytest.mark.parametrize("value", [HUGE_ID, "²", "-1"])
def test_removing_ids_no_database_holds_from_a_list_is_a_400_and_removes_nothing(browser_client, target, target_list,
                                                                                   value):
    response = browser_client.post(f"/targets/targetlists/{target_list.pk}/remove/",
                                   {"targets": [str(target.pk), value]})
    assert response.status_code == 400 and "targets: " in response.content.decode()
    assert list(target_list.targets.all()) == [target]


@pytest.mark.parametrize("value", [HUGE_ID, "²"])
def test_a_list_id_no_database_holds_on_the_target_page_is_no_such_list(browser_client, target, value):
    response = browser_client.post(f"/targets/{target.pk}/lists/", {"target_list": value})
    assert response.status_code == 404


def test_a_huge_group_id_in_a_form_is_a_field_error(browser_client):
    response = browser_client.post("/targets/create/", {"name": "X", "type": "SIDEREAL", "ra": "1", "dec": "2",
                                                        "view_groups": [HUGE_ID]})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("value", ["²", "9" * 5000, HUGE_ID])
def test_a_share_link_for_a_product_id_no_database_holds_is_a_400(browser_client, target, value):
    response = browser_client.get(f"/targets/{target.pk}/share/", {"product": value})
    assert response.status_code == 400 and "product: " in response.content.decode()


@pytest.mark.parametrize("payload", [{"targets": [10**30]}, {"targets": [2**63]}])
def test_api_list_membership_with_huge_ids_is_a_400_naming_the_field(api_client, target_list, payload):
    response = api_client.post(f"/api/targetlists/{target_list.pk}/targets/", json.dumps(payload),
                               content_type="application/json")
    assert response.status_code == 400 and "targets.0" in response.json()


def test_a_65_mb_form_to_a_page_is_a_clear_413_over_real_http(live_server, users):
    session = requests.Session()
    login = session.get(live_server.url + "/accounts/login/", timeout=30)
    token = session.cookies["csrftoken"]
    session.post(live_server.url + "/accounts/login/", timeout=30, headers={"Referer": login.url},
                 data={"username": "root", "password": "pw-root", "csrfmiddlewaretoken": token})
    token = session.cookies["csrftoken"]
    response = session.post(live_server.url + "/targets/targetlists/create/", timeout=120,
                            headers={"Referer": live_server.url + "/", "X-CSRFToken": token},
                            data={"csrfmiddlewaretoken": token, "name": "x" * (65 * 2**20)})
    assert response.status_code == 413
    assert "The request is too large" in response.text and "64 MiB" in response.text
    assert not TargetList.objects.exists()


@pytest.mark.parametrize("path,api", [
    ("/api/", True), ("/api/targets/1/", True), ("/targets/persistentshare/", True),
    ("/targets/persistentshare/12/", True), ("/targets/persistentshare/12/retry/", True),
    ("/targets/persistentshare/12/resume/", True),
    ("/targets/persistentshare/openapi.json", True), ("/targets/7/persistentshare/", True),
    ("/targets/", False), ("/targets/persistentshare/manage/", False), ("/targets/persistentshare/manage/table/", False),
    ("/targets/7/persistentshare/create/", False), ("/targets/7/persistentshare/3/retry/", False), ("/apidocs/", False),
])
def test_errors_are_json_exactly_on_the_api_paths(browser_client, path, api):
    response = browser_client.post(path, {f"field{i}": "1" for i in range(1500)})  # multipart: always read
    assert response.status_code == 400 and "more than 1000 form fields" in response.content.decode()
    assert response["Content-Type"].startswith("application/json") == api


def test_a_65_mb_body_to_the_api_is_a_json_413(api_client):
    response = api_client.post("/api/targets/", b" " * (65 * 2**20), content_type="application/json")
    assert response.status_code == 413 and "too large" in response.json()["detail"]


def test_too_many_form_fields_is_a_400_in_words(browser_client):
    body = "&".join(f"field{i}=1" for i in range(1500))
    response = browser_client.post("/targets/create/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "more than 1000 form fields" in response.content.decode()


def test_a_broken_multipart_body_is_a_400_in_words(browser_client, api_client):
    page = browser_client.post("/targets/create/", b"junk", content_type="multipart/form-data")
    assert page.status_code == 400 and "multipart form could not be read" in page.content.decode()
    api = api_client.post("/api/dataproducts/", b"junk", content_type="multipart/form-data")
    assert api.status_code == 400 and "multipart form could not be read" in api.json()["detail"]


@pytest.mark.parametrize("field", ["product_id", "extra_data", "target"])
def test_nul_in_a_multipart_field_of_the_api_is_a_json_400(api_client, target, field):
    data = {"target": str(target.pk), "data_product_type": "photometry",
            "file": SimpleUploadedFile("lc.csv", PHOTOMETRY, "text/csv")}
    data[field] = "a\x00b"
    response = api_client.post("/api/dataproducts/", data)
    assert response.status_code == 400 and response.json()["detail"].startswith(f"{field}: ")
    assert not DataProduct.objects.exists()


@pytest.mark.parametrize("url", ["/dataproducts/target/{target}/upload/", "/targets/import/",
                                 "/targets/{target}/share/preview/"])
def test_nul_in_a_multipart_field_of_a_page_is_a_400_naming_it(browser_client, target, url):
    response = browser_client.post(url.format(target=target.pk), {
        "data_product_type": "photometry", "product_id": "a\x00b", "destination": "x",
        "file": SimpleUploadedFile("lc.csv", PHOTOMETRY, "text/csv")})
    assert response.status_code == 400 and "product_id: text may not contain NUL" in response.content.decode()
    assert not DataProduct.objects.exists()


@pytest.mark.parametrize("path", ["/api/targets/", "/targets/persistentshare/"])
def test_nul_in_a_basic_username_is_a_json_400(users, path):
    response = Client(raise_request_exception=False, headers=basic("ro\x00ot", "pw-root")).get(path)
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


@pytest.mark.parametrize("body", [{"target": 10**30, "destination": "x"}, {"target": 1, "destination": "x\x00"}])
def test_the_persistent_share_api_refuses_huge_ids_and_nul(api_client, body):
    response = api_client.post("/targets/persistentshare/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()


persistent_share_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="/persistentshare/")


@pytest.fixture
def keep_the_test_connection():
    """Calls go straight to the WSGI app, whose request signals would close the test's database connection
    (inside the test transaction, on PostgreSQL), as tests/api/test_fuzz_openapi.py explains."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@persistent_share_schema.parametrize()
@hypothesis_settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_persistent_share_api_fail(case, keep_the_test_connection, users, target):
    """The whole schema is fuzzed in tests/api; the persistent-share operations are fuzzed here too."""
    case.call_and_validate(headers=basic("root", "pw-root"), checks=[not_a_server_error])
