"""Production refuses unsafe settings, and the pages work under the Content-Security-Policy (issue 11, item 8).

The start-up refusals and ``check --deploy`` run in subprocesses with the environment an operator would set; the
documented production environment is read from the documentation itself (docs/configuration.md), so it cannot
drift from what the test proves.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.test import Client
from playwright.sync_api import expect

from core.production import DEMO_SECRET_KEY
from tests.e2e.test_targets_in_browser import log_in
from tests.servers import ROOT

STRONG_KEY = secrets.token_urlsafe(50)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``manage.py`` with our settings module and only the given TOM settings in the environment."""
    clean = {k: v for k, v in os.environ.items()
             if k in ("PATH", "HOME", "LANG", "TOM_DATA_DIR", "PYTHONPATH") or k.startswith("LC_")}
    clean.update({"DJANGO_SETTINGS_MODULE": "tom.settings", **env})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


def documented_production_environment() -> dict[str, str]:
    """The environment of the "Production settings" block in docs/configuration.md, with a generated SECRET_KEY."""
    page = (ROOT / "docs" / "configuration.md").read_text()
    block = re.search(r"^## Production settings$.*?```sh\n(.*?)```", page, re.S | re.M).group(1)
    env = {}
    for line in block.splitlines():  # read as systemd's EnvironmentFile= reads it: "#" starts a comment line only
        line = line.strip()
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name.strip()] = value.strip().strip("\"")  # systemd and sh both take "..."
    assert env["SECRET_KEY"] and env["DEBUG"] == "false" and env["ALLOWED_HOSTS"]
    env["SECRET_KEY"] = STRONG_KEY
    env.pop("DATABASE_URL", None)  # check --deploy does not need the database; the test's SQLite serves
    return env


@pytest.mark.parametrize("secret_key", [None, "", DEMO_SECRET_KEY, "short-key", "a" * 60,
                                        "django-insecure-" + "x1y2z3" * 10])
@pytest.mark.parametrize("hosts", ["tom.example.org", "127.0.0.1,tom.example.org", "*"])
def test_a_tom_serving_the_public_refuses_to_start_with_a_weak_secret_key(secret_key, hosts):
    env = {"DEBUG": "false", "ALLOWED_HOSTS": hosts}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    result = manage("check", **env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Error: SECRET_KEY: ")  # manage.py says a settings error in one line
    if secret_key:
        assert secret_key not in result.stderr  # the key itself is never printed


@pytest.mark.parametrize("env", [
    {},  # make run: DEBUG off, local hosts, the demo key
    {"ALLOWED_HOSTS": "127.0.0.1,localhost,[::1]"},
    {"DEBUG": "true", "ALLOWED_HOSTS": "tom.example.org"},
    {"ALLOWED_HOSTS": "tom.example.org", "SECRET_KEY": STRONG_KEY},
])
def test_the_demo_and_a_strong_key_start(env):
    assert manage("check", **env).returncode == 0


def test_a_local_settings_module_that_opens_the_hosts_is_refused_too(tmp_path):
    (tmp_path / "opened_settings.py").write_text("from tom.settings import *  # noqa\nALLOWED_HOSTS = ['tom.example.org']\n")
    result = manage("check", DJANGO_SETTINGS_MODULE="opened_settings", PYTHONPATH=str(tmp_path))
    assert result.returncode != 0 and "ImproperlyConfigured: SECRET_KEY: it is the demo key" in result.stderr


def test_check_deploy_flags_the_demo_key():
    result = manage("check", "--deploy")
    assert "(tom.W001) SECRET_KEY is the demo key" in result.stderr + result.stdout


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **documented_production_environment())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_malformed_proxy_ssl_header_stops_the_start_naming_it():
    result = manage("check", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode != 0 and "SECURE_PROXY_SSL_HEADER must look like" in result.stderr


@pytest.fixture
def production(settings):
    """The documented production security settings, applied in this process."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def test_production_redirects_to_https_but_not_the_health_check(production, db):
    assert Client().get("/targets/")["Location"] == "https://testserver/targets/"
    assert Client().get("/healthz/").status_code == 200
    behind_proxy = Client(headers={"X-Forwarded-Proto": "https"})
    login = behind_proxy.get("/accounts/login/")
    assert login.status_code == 200
    assert login["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert login.cookies["csrftoken"]["secure"]


def test_every_page_sends_a_content_security_policy_without_inline_script(client_for, target):
    for url in ("/accounts/login/", "/targets/", f"/targets/{target.pk}/", "/api/docs", "/admin/"):
        policy = client_for("superuser").get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"  # no inline script, no eval
        assert directives["default-src"] == "'self'" and "'self'" in directives["style-src"]
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


@pytest.fixture
def watched(page):
    """The page, with every console error (CSP violations are reported there) and uncaught error collected."""
    problems: list[str] = []

    def console(message):
        if message.type == "error":  # /favicon.ico answers too (the admin's pages link no icon)
            problems.append(f"{page.url}: {message.text} ({message.location['url']})")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: uncaught {error}"))
    page.problems = problems
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("webgl_threshold", [5000, 1])  # SVG light curve, then WebGL (scattergl)
def test_the_pages_work_under_the_policy(watched, live_server, settings, target, target_list, data_product,
                                         webgl_threshold):
    settings.LIGHT_CURVE_WEBGL_THRESHOLD = webgl_threshold
    page, base = watched, live_server.url
    log_in(page, base, "root", "pw-root")

    page.goto(f"{base}/targets/")  # target list: select-all ticks every row
    page.check("#bulk-form thead input[type=checkbox]")
    expect(page.locator("#bulk-form tbody input[name=targets]").first).to_be_checked()

    detail = page.goto(f"{base}{target.get_absolute_url()}")  # sections and the light curve arrive through htmx
    directives = dict(part.strip().split(" ", 1) for part in detail.headers["content-security-policy"].split(";"))
    assert directives["script-src"] == "'self'"  # in whatever order django-csp writes the directives
    expect(page.locator("#section-names")).to_contain_text("AT 2024abc")
    expect(page.locator("#plot-lightcurve .main-svg").first).to_be_visible()
    expect(page.locator("#plot-lightcurve .legend .traces")).to_have_count(3)
    if webgl_threshold == 1:
        expect(page.locator("#plot-lightcurve canvas").first).to_be_attached()

    page.goto(f"{base}/targets/{target.pk}/share/")  # share page: tabs switch, the photometry table ticks
    page.click("#share-tabs a:has-text('History')")
    expect(page.locator("#share-tabs a:has-text('History')")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#share-tabs a:has-text('Share')")).not_to_have_class(re.compile(r"\bactive\b"))

    page.goto(f"{base}/targets/targetlists/{target_list.pk}/")
    page.check("#list-members thead input[type=checkbox]")
    expect(page.locator("#list-members tbody input[name=targets]").first).to_be_checked()

    page.goto(f"{base}/api/docs")  # Swagger UI
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("TOM API")

    page.goto(f"{base}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{base}/admin/targets/target/{target.pk}/change/")
    expect(page.locator("#target_form")).to_be_visible()

    assert page.problems == []
