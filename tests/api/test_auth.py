"""Who may call the API: HTTP Basic (verified once, then remembered), tokens, the session with CSRF."""
from __future__ import annotations

import uuid

from django.test import Client
from django.urls import reverse

from core import auth
from core.identity import tom_id
from core.models import ApiToken
from tests.api.conftest import basic


def test_every_error_is_json(client, target):
    for response in (client.get("/api/targets/"), client.get(f"/api/targets/{target.pk}/"),
                     Client(headers=basic("nobody", "x")).get("/api/targets/")):
        assert response.status_code == 401 and response.json()["detail"]
        assert "Basic" not in response["WWW-Authenticate"]  # a browser would ask, then remember the password


def test_basic_auth_checks_the_hash_once_then_remembers(api_as, users, target, monkeypatch):
    calls = []
    original = type(users["editor"]).check_password

    def counting(self, raw):
        calls.append(raw)
        return original(self, raw)

    monkeypatch.setattr(type(users["editor"]), "check_password", counting)
    client = api_as("editor")
    for _ in range(5):
        assert client.get("/api/targets/").status_code == 200
    assert calls == ["pw-editor"]
    assert Client(headers=basic("editor", "wrong")).get("/api/targets/").status_code == 401


def test_a_changed_password_is_not_remembered(api_as, users):
    client = api_as("editor")
    assert client.get("/api/targets/").status_code == 200
    users["editor"].set_password("new-password")
    users["editor"].save()
    assert client.get("/api/targets/").status_code == 401
    assert Client(headers=basic("editor", "new-password")).get("/api/targets/").status_code == 200


def test_inactive_accounts_are_refused(api_as, users):
    users["editor"].is_active = False
    users["editor"].save()
    assert api_as("editor").get("/api/targets/").status_code == 401


def test_tokens_page_creates_a_key_shown_once_and_revokes_it(client_for, users, target):
    page = client_for("viewer").post(reverse("tokens"), {"name": "my script"})
    key = page.context["new_key"]
    assert key.startswith("tom_") and key in page.content.decode()
    token = ApiToken.objects.get(user=users["viewer"])
    assert token.digest != key and key not in client_for("viewer").get(reverse("tokens")).content.decode()
    api = Client(headers={"Authorization": f"Token {key}"})
    assert api.get("/api/targets/").json()["count"] == 1
    token.refresh_from_db()
    assert token.last_used is not None
    assert client_for("outsider").post(reverse("token-revoke", args=[token.pk])).status_code == 404
    client_for("viewer").post(reverse("token-revoke", args=[token.pk]))
    assert api.get("/api/targets/").status_code == 401


def test_session_auth_needs_the_csrf_token_for_writes(users, target):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["editor"])
    assert browser.get("/api/targets/").status_code == 200
    refused = browser.post("/api/targets/", {"name": "X", "ra": 1, "dec": 1}, content_type="application/json")
    assert refused.status_code in (401, 403)
    browser.get(reverse("targets:list"))  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/targets/", {"name": "X", "ra": 1, "dec": 1}, content_type="application/json",
                            headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_credentials_never_appear_in_responses(api_as):
    response = api_as("editor").post("/api/targets/", {"name": ""}, content_type="application/json")
    assert "pw-editor" not in response.content.decode()


def test_describe_names_this_tom_and_gives_its_id(db, client):
    body = client.get("/api/").json()
    assert body["name"] == "Test TOM" and "reduceddatums.bulk" in body["capabilities"]
    assert body["id"] == tom_id() == str(uuid.UUID(body["id"]))
    assert client.get("/api/").json()["id"] == body["id"]  # stable


def test_openapi_and_docs(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/targets/" in schema["paths"] and "/api/reduceddatums/bulk/" in schema["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_verified_cache_forgets_after_its_time(monkeypatch, users):
    key = auth.verified.key("editor", "pw", "hash")
    auth.verified.add(key)
    assert key in auth.verified
    monkeypatch.setattr(auth.time, "monotonic", lambda: 10**12)
    assert key not in auth.verified


def test_nul_characters_are_a_400_on_every_database(api_as, target):
    client = api_as("editor")
    created = client.post("/api/targets/", {"name": "bad\x00name", "ra": 1, "dec": 1}, content_type="application/json")
    assert created.status_code == 400 and "NUL" in created.json()["detail"]
    assert client.get("/api/targets/?name_fuzzy=a%00b").status_code == 400
    assert client.get("/api/targets/").status_code == 200
