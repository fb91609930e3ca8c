"""Guessing passwords is throttled, on the login page and over HTTP Basic (issue 11, item 6).

Failures count per account+address and per address (django-axes, core/lockout.py): a locked-out address is
refused even the right password, a locked-out Basic guess costs no password hash, and a guesser elsewhere
cannot lock out a peer that sends the right password from its own address.
"""
from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from requests.adapters import HTTPAdapter

from core.auth import verified
from tests.servers import ROOT, start_our_tom

GUESSER = "10.0.0.66"
PEER = "10.0.0.7"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    verified.clear()
    yield
    verified.clear()


def basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def api_get(username: str, password: str, address: str, **extra):
    return Client(REMOTE_ADDR=address).get("/api/targets/", headers=basic(username, password), **extra)


def log_in(username: str, password: str, address: str, **extra):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password}, **extra)
    return client, response


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash computed (checked, or made to look checked for an unknown account)."""
    calls = []
    check, make = User.check_password, User.set_password
    monkeypatch.setattr(User, "check_password", lambda self, raw: calls.append("check") or check(self, raw))
    monkeypatch.setattr(User, "set_password", lambda self, raw: calls.append("set") or make(self, raw))
    return calls


def test_the_login_page_locks_an_address_out_and_refuses_it_the_right_password(users):
    statuses = [log_in("editor", f"guess-{i}", GUESSER)[1].status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    client, locked = log_in("editor", "pw-editor", GUESSER)
    assert locked.status_code == 429 and 0 < int(locked["Retry-After"]) <= 15 * 60
    page = locked.content.decode()
    assert "Too many failed logins from your address: try again in 15 minutes." in page and 'id="id_username"' in page
    assert client.get("/targets/").status_code == 302  # not logged in
    elsewhere, welcome = log_in("editor", "pw-editor", PEER)
    assert welcome.status_code == 302 and elsewhere.get("/targets/").status_code == 200


def test_basic_guesses_are_refused_before_the_password_hash_once_locked_out(users, hash_checks):
    assert [api_get("editor", f"guess-{i}", GUESSER).status_code for i in range(3)] == [401, 401, 429]
    assert hash_checks == ["check"] * 3
    hash_checks.clear()
    for i in range(20):
        refused = api_get("editor", f"more-{i}", GUESSER)
        assert refused.status_code == 429
    right = api_get("editor", "pw-editor", GUESSER)
    assert right.status_code == 429 and hash_checks == []  # no hash computed for any of them
    body = right.json()
    assert body["detail"].startswith("Too many failed logins") and 0 < body["retry_after"] <= 900
    assert right["Retry-After"] == str(body["retry_after"])


def test_a_guesser_elsewhere_cannot_lock_out_a_peer_with_the_right_password(users):
    for i in range(10):
        api_get("editor", f"guess-{i}", GUESSER)
    assert api_get("editor", "pw-editor", GUESSER).status_code == 429
    assert api_get("editor", "pw-editor", PEER).status_code == 200
    assert log_in("editor", "pw-editor", PEER)[1].status_code == 302


def test_an_address_guessing_many_accounts_is_locked_out_of_all(users):
    for name in ("alice", "bob", "carol"):  # accounts that do not even exist count too
        api_get(name, "password1", GUESSER)
    assert api_get("viewer", "pw-viewer", GUESSER).status_code == 429
    assert log_in("viewer", "pw-viewer", GUESSER)[1].status_code == 429
    assert api_get("viewer", "pw-viewer", PEER).status_code == 200


def test_the_persistent_share_api_is_throttled_too(users):
    for i in range(3):
        Client(REMOTE_ADDR=GUESSER).get("/targets/persistentshare/", headers=basic("editor", f"g{i}"))
    refused = Client(REMOTE_ADDR=GUESSER).get("/targets/persistentshare/", headers=basic("editor", "pw-editor"))
    assert refused.status_code == 429 and refused["Retry-After"] and refused.json()["retry_after"] > 0


def test_a_lockout_ends_after_the_cool_off(users):
    for i in range(3):
        api_get("editor", f"guess-{i}", GUESSER)
    assert api_get("editor", "pw-editor", GUESSER).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert api_get("editor", "pw-editor", GUESSER).status_code == 200


def test_a_right_password_between_typos_is_not_locked_out(users):
    for i in range(2):
        api_get("editor", f"typo-{i}", PEER)
    assert api_get("editor", "pw-editor", PEER).status_code == 200
    assert log_in("editor", "pw-editor", PEER)[1].status_code == 302


def test_each_failure_is_logged_in_one_line_without_the_password(users, caplog):
    caplog.set_level(logging.INFO)
    api_get("editor", "s3cret-guess", GUESSER)
    log_in("root", "0ther-guess\nAXES: forged line", GUESSER)
    failures = [r for r in caplog.records if r.name.startswith("axes") and "login failure" in r.getMessage()]
    assert len(failures) == 2
    for record, name in zip(failures, ("editor", "root")):
        line = record.getMessage()
        assert "\n" not in line and f"username: '{name}'" in line and f"address: {GUESSER}" in line
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "s3cret-guess" not in everything and "0ther-guess" not in everything
    assert not [r for r in caplog.records if r.name.startswith("axes") and r.levelno < logging.WARNING]


def test_x_forwarded_for_is_not_trusted_by_default(users):
    for i in range(3):
        api_get("editor", f"guess-{i}", GUESSER, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert api_get("editor", "pw-editor", GUESSER, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_trusted_proxies_the_address_they_append_is_counted(users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for i in range(3):  # whatever the guesser writes first, the proxy appends the address it saw
        api_get("editor", f"guess-{i}", proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, {GUESSER}")
    assert api_get("editor", "pw-editor", proxy, HTTP_X_FORWARDED_FOR=GUESSER).status_code == 429
    assert api_get("editor", "pw-editor", proxy, HTTP_X_FORWARDED_FOR=f"{GUESSER}, {PEER}").status_code == 200
    assert api_get("editor", "pw-editor", proxy, HTTP_X_FORWARDED_FOR="not an address").status_code == 200


def test_an_overlong_basic_username_is_refused_without_a_hash_or_a_record(users, hash_checks):
    assert api_get("x" * 300, "pw", GUESSER).status_code == 401
    assert hash_checks == [] and not AccessAttempt.objects.exists()


def test_the_limits_come_from_the_environment():
    code = ("from django.conf import settings; "
            "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(), "
            "settings.TRUSTED_PROXY_COUNT)")
    env = {**os.environ, "LOGIN_FAILURE_LIMIT": "4", "LOGIN_COOLOFF_MINUTES": "2.5", "TRUSTED_PROXY_COUNT": "2",
           "DJANGO_SETTINGS_MODULE": "tom.settings"}
    out = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    assert out == ["4", "150.0", "2"]


class FromAddress(HTTPAdapter):
    """Connections from a chosen loopback source address (127.0.0.0/8 is all this machine's)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    session.auth = (username, password)
    return session


@pytest.fixture(scope="module")
def gunicorn_tom(tmp_path_factory):
    """Our TOM under gunicorn with two workers and a failure limit of 5."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOGIN_FAILURE_LIMIT", "5")
        tom = start_our_tom(tmp_path_factory.mktemp("throttled"), "Throttled TOM", "peer-pw-7c1d", workers=2,
                            threads=2)
    yield tom
    tom.stop()


def test_two_gunicorn_workers_share_the_count_and_the_peer_keeps_working(gunicorn_tom):
    url = gunicorn_tom.url + "api/targets/"
    statuses = []
    for i in range(8):  # a new connection each time, so both workers take guesses
        with session_from("127.0.0.66", "peer", f"guess-{i}") as guesser:
            statuses.append(guesser.get(url, timeout=30).status_code)
    assert statuses == [401] * 4 + [429] * 4
    with session_from("127.0.0.66", "peer", "peer-pw-7c1d") as guesser:
        assert guesser.get(url, timeout=30).status_code == 429
    with session_from("127.0.0.7", "peer", "peer-pw-7c1d") as peer:
        for _ in range(4):
            assert peer.get(url, timeout=30).status_code == 200
        created = peer.post(gunicorn_tom.url + "api/targetlists/", json={"name": "Still sharing"}, timeout=30)
        assert created.status_code == 201
