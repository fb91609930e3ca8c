"""No cross-site writes through a browser's remembered Basic login (issue 11, item 7).

A page on another site cannot make a browser write through our API: 401s do
not invite the browser to ask for (and remember) Basic credentials, JSON must
be declared ``application/json`` (an HTML form cannot), and unsafe API
requests a browser marks as coming from another site are refused. Senders
without browser headers (TOM Toolkit, ours, curl) are unaffected.
"""
from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.test import Client

from targets.models import Target, TargetList


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.fixture
def editor_api(users):
    return Client(headers=basic("editor", "pw-editor"))


def post_list(client: Client, name: str, **headers):
    return client.post("/api/targetlists/", json.dumps({"name": name}), content_type="application/json",
                       headers=headers)


def test_a_401_does_not_ask_the_browser_for_a_basic_password(users):
    for response in (Client().get("/api/targets/"), Client(headers=basic("editor", "wrong")).get("/api/targets/"),
                     Client().get("/targets/persistentshare/")):
        assert response.status_code == 401
        assert "basic" not in response.get("WWW-Authenticate", "").lower()


def test_senders_without_browser_headers_still_write(editor_api):
    assert post_list(editor_api, "From a script").status_code == 201


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example.org"},
    {"Origin": "null"},
    {"Origin": "http://[::1"},
    {"Origin": "https://evil.example.org", "Sec-Fetch-Site": "same-origin"},
])
def test_unsafe_api_requests_a_browser_marks_cross_site_are_a_json_403(editor_api, target, headers):
    response = post_list(editor_api, "Cross", **headers)
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Cross-site request refused")
    delete = editor_api.delete(f"/api/targets/{target.pk}/", headers=headers)
    assert delete.status_code == 403
    share = editor_api.post("/targets/persistentshare/", json.dumps({"target": target.pk, "destination": "x"}),
                            content_type="application/json", headers=headers)
    assert share.status_code == 403 and "Cross-site" in share.json()["detail"]
    assert not TargetList.objects.filter(name="Cross").exists() and Target.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "https://tom.partner.org", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://lab.example.edu", "Sec-Fetch-Site": "same-site"},
])
def test_same_origin_and_trusted_origins_may_write(editor_api, settings, headers):
    settings.CSRF_TRUSTED_ORIGINS = ["https://tom.partner.org", "https://*.example.edu"]
    assert post_list(editor_api, "Allowed", **headers).status_code == 201


def test_cross_site_reads_are_not_refused(editor_api, target):
    response = editor_api.get("/api/targets/", headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://x.org"})
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "", "text/json"])
def test_json_bodies_must_be_declared_json(editor_api, target, content_type):
    body = json.dumps({"name": "Undeclared"})
    for path in ("/api/targetlists/", "/api/targets/", "/api/reduceddatums/", "/api/reduceddatums/bulk/",
                 "/targets/persistentshare/"):
        response = editor_api.generic("POST", path, body, content_type=content_type)
        if content_type == "application/x-www-form-urlencoded" and path.startswith("/api/reduceddatums/"):
            assert response.status_code == 400  # a form the TOM Toolkit may send: read as a form, fields missing
        else:
            assert response.status_code == 415, (path, response.content)
            assert "Content-Type: application/json" in response.json()["detail"]
    assert not TargetList.objects.filter(name="Undeclared").exists()


def test_a_malformed_json_body_is_a_400_that_says_so(editor_api):
    response = editor_api.post("/api/targetlists/", "{nope", content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]


ATTACK_PAGE = """<!doctype html><html><body>
<form id="attack" method="POST" action="{action}" enctype="text/plain">
<input type="hidden" name='{{"name": "Pwned by {site}", "x": "' value='"}}'>
</form>
<script>document.getElementById("attack").submit();</script>
</body></html>"""


class AttackSite:
    """A tiny web server on another loopback origin whose page auto-submits a text/plain form to our API."""

    def __init__(self, host: str, action: str, site: str):
        body = ATTACK_PAGE.format(action=action, site=site).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attack_from(live_server):
    """``attack_from(host)``: an attack page served from ``host`` (another origin than our live server's)."""
    sites = []

    def start(host: str) -> AttackSite:
        sites.append(AttackSite(host, f"{live_server.url}/api/targetlists/", host))
        return sites[-1]

    yield start
    for site in sites:
        site.close()


def submit_attack(page, attacker: AttackSite, target_url: str) -> int:
    """Open the attack page; it submits its form to ``target_url``; the status our server answered."""
    statuses = {}
    page.on("response", lambda response: statuses.setdefault(response.url, response.status))
    page.goto(attacker.url)
    page.wait_for_url(target_url)
    page.wait_for_load_state()
    return statuses[target_url]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attack_host", ["127.0.0.1", "localhost"])  # cross-site, same-site
def test_the_browser_is_never_asked_for_a_basic_password_so_another_site_cannot_use_it(browser, live_server, users,
                                                                                        attack_from, attack_host):
    assert live_server.url.startswith("http://localhost:")
    # The user looks at our API in the browser. A Basic challenge would make the browser ask for the password
    # (Playwright answers as the user would) and then send it with every request to this site.
    context = browser.new_context(http_credentials={"username": "editor", "password": "pw-editor"})
    try:
        page = context.new_page()
        visit = page.goto(f"{live_server.url}/api/targetlists/")
        assert visit.status == 401 and "credentials were not provided" in page.content()
        status = submit_attack(page, attack_from(attack_host), f"{live_server.url}/api/targetlists/")
        assert status in (401, 403)
    finally:
        context.close()
    assert not TargetList.objects.filter(name__startswith="Pwned").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attack_host", ["127.0.0.1", "localhost"])  # cross-site, same-site
def test_a_page_on_another_site_cannot_write_with_basic_credentials_the_browser_holds(browser, live_server, users,
                                                                                      attack_from, attack_host):
    # However the browser came to hold them (a proxy's Basic prompt on this origin, an older version of this
    # TOM), it attaches them to the attack page's form post; the browser also says where the post comes from.
    context = browser.new_context(extra_http_headers=basic("editor", "pw-editor"))
    try:
        page = context.new_page()
        status = submit_attack(page, attack_from(attack_host), f"{live_server.url}/api/targetlists/")
        assert status == 403 and "Cross-site request refused" in page.content()
        assert context.request.get(f"{live_server.url}/api/targetlists/").status == 200  # its own requests work
    finally:
        context.close()
    assert not TargetList.objects.filter(name__startswith="Pwned").exists()


@pytest.mark.django_db(transaction=True)
def test_a_script_over_real_http_still_writes(live_server, users):
    response = requests.post(f"{live_server.url}/api/targetlists/", json={"name": "Scripted"},
                             auth=("editor", "pw-editor"), timeout=30)
    assert response.status_code == 201
