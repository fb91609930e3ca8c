"""A second TOM of ours, as a separate server process on a loopback port with its own database and files."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PEER_PASSWORD = "second-tom-peer-pw-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SecondTom:
    def __init__(self, url: str, env: dict):
        self.url = url
        self.env = env
        self.api = requests.Session()
        self.api.auth = ("peer", PEER_PASSWORD)

    def get(self, path: str, **params) -> dict:
        response = self.api.get(self.url + path, params=params, timeout=30)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def second_tom(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("second-tom")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"TOM_DATA_DIR": str(data_dir), "TOM_NAME": "Second TOM", "DJANGO_SETTINGS_MODULE": "tom.settings",
                "SECRET_KEY": "second-tom-" + os.urandom(8).hex(), "LOG_LEVEL": "WARNING"})
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=300)
    subprocess.run([*manage, "shell"], env=env, cwd=ROOT, check=True, timeout=120, text=True, input=(
        "from django.contrib.auth.models import Permission, User\n"
        f"u = User.objects.create_user('peer', password={PEER_PASSWORD!r})\n"
        "u.user_permissions.add(*Permission.objects.filter(codename__in=['add_target', 'add_targetlist']))\n"
    ))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tom.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "gthread", "--workers", "1", "--threads", "4", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                requests.get(url + "healthz/", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        yield SecondTom(url, env)
    finally:
        server.terminate()
        server.wait(10)
