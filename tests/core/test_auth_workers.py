"""The remembered HTTP Basic passwords are per process: with several gunicorn workers, a password change and a
deactivation still take effect at once in every one of them (docs/api.md#authentication).

The production web process (tom/gunicorn.py) with two workers and its JSON access log, which names the worker
(pid) that answered each request (matched by the X-Request-ID the test sends).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from itertools import count
from pathlib import Path

import pytest
import requests

from tests.servers import ROOT, free_port, wait_until_up

SETTINGS = """\
from tom.settings import *  # noqa

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast misses: the cache works the same
"""
_ids = count()

# The server below has its own SQLite database whatever DATABASE_URL says: the PostgreSQL pass would repeat it.
pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                                reason="database-independent (its server uses SQLite): the SQLite pass runs it")


class Web:
    def __init__(self, tmp_path: Path):
        (tmp_path / "auth_workers_settings.py").write_text(SETTINGS)
        self.log_path = tmp_path / "gunicorn.log"
        port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                                                     "PROMETHEUS_MULTIPROC_DIR")}
        self.env.update({"TOM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "auth_workers_settings",
                         "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), "PORT": str(port),
                         "WEB_CONCURRENCY": "2", "WEB_THREADS": "2", "WEB_ACCESS_LOG": "true", "LOG_FORMAT": "json",
                         "LOGIN_FAILURE_LIMIT": "100000"})  # the refused requests below must not lock carol out
        self.url = f"http://127.0.0.1:{port}/"

    def manage(self, code: str) -> str:
        return subprocess.run([sys.executable, "manage.py", "shell"], cwd=ROOT, env=self.env, check=True,
                              timeout=120, text=True, input=code, capture_output=True).stdout

    def answers(self, auth: tuple[str, str] | None = None, token: str = "") -> dict[int, set[int]]:
        """GET /api/targets/ with HTTP Basic ``auth`` or ``token`` on new connections, in parallel, until both
        workers have answered some: the statuses each worker (pid) gave."""
        headers = {"Connection": "close"} | ({"Authorization": f"Token {token}"} if token else {})
        phase = f"p{next(_ids)}x"
        by_pid: dict[int, set[int]] = {}
        deadline = time.monotonic() + 60
        while len(by_pid) < 2 and time.monotonic() < deadline:
            threads = [threading.Thread(target=lambda i=i: requests.get(
                self.url + "api/targets/", auth=auth, timeout=30, headers={**headers, "X-Request-ID": f"{phase}{i}"}))
                for i in range(10)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            time.sleep(0.2)
            text = self.log_path.read_text()
            by_pid = {}
            for line in text[:text.rfind("\n") + 1].splitlines():
                entry = json.loads(line)
                if entry["logger"] == "gunicorn.access" and entry.get("request_id", "").startswith(phase):
                    by_pid.setdefault(entry["pid"], set()).add(entry["status"])
        assert len(by_pid) == 2, "both workers should have answered some of the requests"
        return by_pid


def test_a_password_change_and_a_deactivation_take_effect_at_once_in_every_worker(tmp_path):
    web = Web(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=web.env, check=True, timeout=300)
    token = web.manage("from django.contrib.auth.models import User; from core.models import ApiToken\n"
                       "u = User.objects.create_user('carol', password='first-pw-1')\n"
                       "print('TOKEN', ApiToken.objects.create_for(u, 'peer')[1])\n")
    token = next(line[6:] for line in token.splitlines() if line.startswith("TOKEN "))
    log = open(web.log_path, "a")  # O_APPEND: gunicorn's writes never land where a read left off
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "tom.wsgi:application", "--config",
                               "python:tom.gunicorn"], cwd=ROOT, env=web.env, stderr=log)
    try:
        wait_until_up(web.url + "healthz/", server)
        assert set(map(frozenset, web.answers(("carol", "first-pw-1")).values())) == {frozenset({200})}
        # Asked twice more: every worker now answers from its remembered password.
        web.answers(("carol", "first-pw-1"))

        web.manage("from django.contrib.auth.models import User\n"
                   "u = User.objects.get(username='carol'); u.set_password('second-pw-2'); u.save()\n")
        assert set(map(frozenset, web.answers(("carol", "first-pw-1")).values())) == {frozenset({401})}
        assert set(map(frozenset, web.answers(("carol", "second-pw-2")).values())) == {frozenset({200})}
        assert set(map(frozenset, web.answers(token=token).values())) == {frozenset({200})}

        web.manage("from django.contrib.auth.models import User\n"
                   "User.objects.filter(username='carol').update(is_active=False)\n")
        assert set(map(frozenset, web.answers(("carol", "second-pw-2")).values())) == {frozenset({401})}
        assert set(map(frozenset, web.answers(token=token).values())) == {frozenset({401})}
    finally:
        server.terminate()
        server.wait(30)
        log.close()
