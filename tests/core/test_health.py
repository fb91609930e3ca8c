"""``/healthz/``: the database is reachable, in JSON, whatever the Host, with no session; 503 when it is not."""
from __future__ import annotations

import os
import subprocess
import sys

import requests
from django.test import Client

from tests.servers import ROOT, free_port, wait_until_up


def test_it_answers_ok_as_json_for_any_host_without_a_cookie(db):
    for host in ("testserver", "10.1.2.3", "evil.example.com"):  # a load balancer probes by address
        response = Client(HTTP_HOST=host).get("/healthz/")
        assert response.status_code == 200, host
        assert response.json() == {"status": "ok"}
        assert response["Cache-Control"] == "no-store" and not response.cookies


def test_an_unreachable_database_gives_a_503_in_seconds_without_the_password(tmp_path):
    """A real gunicorn whose DATABASE_URL points at a loopback port where nothing listens."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    port, dead = free_port(), free_port()
    env.update({"TOM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tom.settings", "LOG_LEVEL": "WARNING",
                "DATABASE_URL": f"postgres://tom:hunter2-secret@127.0.0.1:{dead}/tom"})
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "tom.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
                              env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/favicon.ico", server)
        answer = requests.get(f"http://127.0.0.1:{port}/healthz/", timeout=15)
        assert answer.status_code == 503
        assert answer.json() == {"status": "unavailable", "database": "unreachable"}
    finally:
        server.terminate()
        log = server.communicate(timeout=15)[1]
    assert "Health check: the database is unreachable" in log
    assert "hunter2" not in answer.text + log
