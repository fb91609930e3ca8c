"""Prometheus metrics at ``/metrics/``: who may read them, what the apps count, and several gunicorn workers summed."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.test import Client
from prometheus_client import REGISTRY

from dataproducts.models import Origin
from dataproducts.services import save_datums
from sharing.models import Delivery, PersistentShare
from tests.conftest import sidereal
from tests.continuous.conftest import photometry
from tests.servers import ROOT, free_port, wait_until_up
from targets.services import create_target

TOKEN = "metrics-token-" + "x7" * 10


def scrape(**headers) -> str:
    response = Client().get("/metrics/", headers=headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")  # Prometheus text format
    return response.content.decode()


def sample(text: str, name: str, **labels) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return None


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def test_nobody_reads_them_until_a_token_or_an_address_is_set(db, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert Client().get("/metrics/").status_code == 404
    assert Client().get("/metrics/", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_bearer_token_or_an_allowed_network_reads_them(db, token, settings):
    assert Client().get("/metrics/").status_code == 404
    assert Client().get("/metrics/", headers={"Authorization": "Bearer wrong-" + TOKEN}).status_code == 404
    assert Client().get("/metrics/", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 404
    scrape(Authorization=f"Bearer {TOKEN}")
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.2.3.4").get("/metrics/").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.1").get("/metrics/").status_code == 404
    # behind one proxy: the address the proxy appended counts, not what the client wrote before it
    settings.TRUSTED_PROXY_COUNT = 1
    forged = {"X-Forwarded-For": "10.9.9.9, 192.0.2.1"}
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics/", headers=forged).status_code == 404


def test_a_short_token_or_a_bad_network_stops_the_start_naming_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"TOM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tom.settings"})
    for name, value, words in (("METRICS_TOKEN", "short", "METRICS_TOKEN must be at least 20 characters"),
                               ("METRICS_ALLOWED_IPS", "10.0.0.0/8,intranet", "METRICS_ALLOWED_IPS: 'intranet' is not")):
        result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env={**env, name: value},
                                capture_output=True, text=True, timeout=120)
        lines = result.stderr.strip().splitlines()
        assert result.returncode != 0 and len(lines) == 1 and lines[0].startswith(f"Error: {words}"), lines


def test_datums_stored_are_counted_by_route_once_committed(db, token, users, django_capture_on_commit_callbacks):
    target = create_target(users["superuser"], sidereal("SN 2026met"))
    before = {route: REGISTRY.get_sample_value("tom_datums_stored_total", {"route": route}) for route in Origin.values}
    with django_capture_on_commit_callbacks(execute=False):
        save_datums(target, photometry(5), origin=Origin.UPLOAD)  # never committed: not counted
    with django_capture_on_commit_callbacks(execute=True):
        save_datums(target, photometry(3), origin=Origin.API)
        save_datums(target, photometry(2), origin=Origin.STREAM)
        datums = photometry(4)
        save_datums(target, datums, origin=Origin.MANUAL)
        save_datums(target, datums, origin=Origin.MANUAL)  # the same again: nothing new, nothing counted
    text = scrape(Authorization=f"Bearer {TOKEN}")
    grown = {route: sample(text, "tom_datums_stored_total", route=route) - before[route] for route in Origin.values}
    assert grown == {"upload": 0, "manual": 4, "api": 3, "stream": 2, "import": 0, "code": 0}


def test_deliveries_waiting_and_failed_are_read_per_destination_at_each_scrape(db, token, settings, users):
    settings.DATA_SHARING = {key: {"BASE_URL": f"http://127.0.0.1:9/{key}/", "USERNAME": "u", "PASSWORD": "p"}
                             for key in ("partner", "quiet")}
    target = create_target(users["superuser"], sidereal("SN 2026que"))
    share = PersistentShare.objects.create(target=target, destination="partner")
    Status = Delivery.Status
    for status in (Status.PENDING, Status.PENDING, Status.SENDING, Status.FAILED, Status.SENT, Status.SENT):
        Delivery.objects.create(share=share, status=status)
    Delivery.objects.filter(status=Status.PENDING).update(created=share.created.replace(year=2020))
    text = scrape(Authorization=f"Bearer {TOKEN}")
    assert sample(text, "tom_deliveries_waiting", destination="partner") == 3
    assert sample(text, "tom_deliveries_failed", destination="partner") == 1
    assert sample(text, "tom_deliveries_waiting", destination="quiet") == 0  # configured, nothing queued: 0
    assert sample(text, "tom_deliveries_oldest_waiting_seconds", destination="partner") > 5 * 365 * 86400
    Delivery.objects.filter(status=Status.FAILED).update(status=Status.PENDING)  # "Retry now"
    text = scrape(Authorization=f"Bearer {TOKEN}")
    assert (sample(text, "tom_deliveries_waiting", destination="partner"),
            sample(text, "tom_deliveries_failed", destination="partner")) == (4, 0)


def test_request_methods_outside_http_are_one_label_not_a_series_each(db, token):
    for method in ("FROBNICATE", "XYZZY"):
        Client().generic(method, "/accounts/login/")
    text = scrape(Authorization=f"Bearer {TOKEN}")
    methods = set(re.findall(r'django_http_requests_latency_seconds_by_view_method_count\{method="([^"]*)"', text))
    assert "other" in methods and not methods & {"FROBNICATE", "XYZZY"}


def test_two_gunicorn_workers_count_into_one_total(tmp_path):
    """The production web process (tom/gunicorn.py: 2 workers): requests served by both are summed at /metrics/,
    whichever worker answers the scrape. The access log (JSON) says which worker served each request."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                                            "PROMETHEUS_MULTIPROC_DIR")}
    env.update({"TOM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tom.settings", "PORT": str(port),
                "WEB_CONCURRENCY": "2", "WEB_THREADS": "2", "WEB_ACCESS_LOG": "true", "LOG_FORMAT": "json",
                "METRICS_TOKEN": TOKEN})
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    log = open(tmp_path / "gunicorn.log", "a")  # O_APPEND: gunicorn's writes never land where a read left off
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "tom.wsgi:application", "--config",
                               "python:tom.gunicorn"], cwd=ROOT, env=env, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    served: set[int] = set()
    sent = 0
    try:
        wait_until_up(url + "healthz/", server)

        def access_lines():
            text = (tmp_path / "gunicorn.log").read_text()
            lines = text[:text.rfind("\n") + 1].splitlines()  # whole lines only: a worker may be mid-write
            return [e for e in map(json.loads, lines) if e["logger"] == "gunicorn.access"]

        deadline = time.monotonic() + 60
        while len(served) < 2 and time.monotonic() < deadline:  # new connections, in parallel: both workers take some
            threads = [threading.Thread(target=lambda: requests.get(url + "accounts/login/", timeout=30,
                                                                    headers={"Connection": "close"}))
                       for _ in range(10)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            sent += len(threads)
            time.sleep(0.2)
            served = {e["pid"] for e in access_lines() if e["path"] == "/accounts/login/"}
        assert len(served) == 2, "both workers should have served some of the requests"
        text = requests.get(url + "metrics/", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).text
        assert sample(text, "django_http_requests_latency_seconds_by_view_method_count", method="GET",
                      view="login") == sent
        entry = next(e for e in access_lines() if e["path"] == "/accounts/login/")
        assert entry["status"] == 200 and entry["method"] == "GET" and len(entry["request_id"]) == 32
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    assert lines
    not_json = [line for line in lines if not line.startswith("{")]
    assert not not_json, "gunicorn's own lines are JSON too, but it wrote:\n" + "\n".join(lines)
    assert all(json.loads(line) for line in lines)
