"""Two (or more) TOMs of ours that share with each other, each a gunicorn server plus a real ``db_worker``.

Plain functions and classes (no pytest), so ``bench/continuous.py`` starts the same peers. Each TOM has its
own directory (SQLite database, files, a settings module naming its ``DATA_SHARING`` peers), the database task
backend, and short retry delays so an outage ends quickly. Accounts: ``peer`` (what other TOMs share with:
may add targets and lists) and ``alice`` (a superuser, who uploads and sets up continuous shares).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.servers import ROOT, end_process, free_port, wait_until_up

PEER_PASSWORD = "continuous-peer-pw-3"
ALICE_PASSWORD = "continuous-alice-pw-5"

SETTINGS = """\
from tom.settings import *  # noqa

TOM_NAME = {name!r}
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {{"default": {{"BACKEND": "django_tasks_db.DatabaseBackend"}}}}
CONTINUOUS_SHARING_RETRY_SECONDS = {retry!r}
CONTINUOUS_SHARING_RETRY_MAX_SECONDS = {retry_max!r}
DATA_SHARING = {sharing!r}
"""


class Tom:
    """One TOM of ours; ``start()``/``stop()`` its web server (same port every time) and its worker."""

    def __init__(self, data_dir: Path, name: str, port: int | None = None, database_url: str = ""):
        self.data_dir = data_dir
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
        if database_url:  # an empty database of its own elsewhere (bench/database.py); else SQLite in data_dir
            self.env["DATABASE_URL"] = database_url
        self.env.update({"TOM_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "continuous_peer_settings",
                         "PYTHONPATH": os.pathsep.join([str(data_dir), str(ROOT)]), "LOG_LEVEL": "WARNING",
                         "SECRET_KEY": "continuous-" + os.urandom(32).hex()})  # ALLOWED_HOSTS "*": a real key
        self.alice = requests.Session()
        self.alice.auth = ("alice", ALICE_PASSWORD)

    def configure(self, sharing: dict, retry: float = 0.5, retry_max: float = 2.0) -> None:
        """Write the settings (``sharing``: DATA_SHARING), migrate, make the two accounts."""
        (self.data_dir / "continuous_peer_settings.py").write_text(
            SETTINGS.format(name=self.name, sharing=sharing, retry=retry, retry_max=retry_max))
        self.manage("migrate", "-v0")
        self.manage("shell", stdin=(
            "from django.contrib.auth.models import Permission, User\n"
            f"u = User.objects.create_user('peer', password={PEER_PASSWORD!r})\n"
            "u.user_permissions.add(*Permission.objects.filter(codename__in=['add_target', 'add_targetlist']))\n"
            f"User.objects.create_superuser('alice', 'alice@example.org', {ALICE_PASSWORD!r})\n"))

    def destination(self) -> dict:
        """This TOM as a DATA_SHARING entry of another."""
        return {"DISPLAY_NAME": self.name, "BASE_URL": self.url, "USERNAME": "peer", "PASSWORD": PEER_PASSWORD}

    def manage(self, *args: str, stdin: str | None = None) -> str:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=self.env, cwd=ROOT, check=True,
                              timeout=600, text=True, input=stdin, capture_output=True).stdout

    def shell_json(self, code: str):
        """Run ``code`` in this TOM's ``manage.py shell``; it prints one line ``JSON <value>``."""
        line = next(line for line in self.manage("shell", stdin=code).splitlines() if line.startswith("JSON "))
        return json.loads(line[5:])

    def start(self, threads: int = 4) -> None:
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "tom.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--worker-class", "gthread", "--workers", "1", "--threads", str(threads), "--keep-alive", "30",
             "--timeout", "300", "--log-level", "warning"], env=self.env, cwd=ROOT)
        wait_until_up(self.url + "healthz/", self.server)

    def start_worker(self, interval: float = 0.1) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "db_worker", "--interval", str(interval), "--no-startup-delay",
             "--no-reload", "-v0"], env=self.env, cwd=ROOT)

    def stop(self) -> None:
        end_process(self.server)
        self.server = None

    def stop_all(self) -> None:
        self.stop()
        end_process(self.worker)
        self.worker = None
        self.alice.close()

    # What alice does, over this TOM's HTTP API

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = self.alice.request(method, self.url + path, timeout=60, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else {}

    def create_target(self, name: str, ra: float = 10.0, dec: float = 20.0) -> int:
        return self.call("POST", "api/targets/", json={"name": name, "type": "SIDEREAL", "ra": ra, "dec": dec})["id"]

    def let_peers_change(self, target_id: int) -> None:
        """Give the account other TOMs share with view and change on a target (for them to find and add to it)."""
        self.manage("shell", stdin=(
            "from django.contrib.auth.models import User; from guardian.shortcuts import assign_perm\n"
            "from targets.models import Target\n"
            f"t = Target.objects.get(pk={target_id}); u = User.objects.get(username='peer')\n"
            "assign_perm('view_target', u, t); assign_perm('change_target', u, t)\n"))

    def target_id(self, name: str) -> int | None:
        found = self.call("GET", "api/targets/", params={"name_fuzzy": name})["results"]
        return found[0]["id"] if found else None

    def share_continuously(self, target_id: int, destination: str, existing: bool = True) -> int:
        return self.call("POST", "targets/persistentshare/", json={
            "target": target_id, "destination": destination, "share_existing_data": existing})["id"]

    def share_state(self, share_id: int) -> dict:
        return self.call("GET", f"targets/persistentshare/{share_id}/")

    def upload_photometry(self, target_id: int, rows: list[tuple[float, str, float]], name: str) -> dict:
        """A CSV data product (mjd, filter, magnitude, error), processed into datums here."""
        text = "mjd,filter,magnitude,error\n" + "".join(f"{m:.6f},{f},{mag:.4f},0.02\n" for m, f, mag in rows)
        return self.call("POST", "api/dataproducts/", data={"target": str(target_id), "data_product_type": "photometry"},
                         files={"file": (name, text.encode(), "text/csv")})

    def upload_on_page(self, target_id: int, rows: list[tuple[float, str, float]], name: str) -> None:
        """The same CSV uploaded as a person does it: logged in, through the target page's upload form (the
        datums' origin is then "upload" and their source this TOM's name, unlike data sent to the API)."""
        with requests.Session() as browser:
            login = self.url + "accounts/login/"
            browser.get(login, timeout=60)
            token = browser.cookies["csrftoken"]
            answer = browser.post(login, data={"username": "alice", "password": ALICE_PASSWORD,
                                               "csrfmiddlewaretoken": token}, timeout=60)
            assert answer.ok and "sessionid" in browser.cookies, answer.status_code
            text = "mjd,filter,magnitude,error\n" + "".join(f"{m:.6f},{f},{mag:.4f},0.02\n" for m, f, mag in rows)
            answer = browser.post(self.url + f"dataproducts/target/{target_id}/upload/",
                                  data={"data_product_type": "photometry",
                                        "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                                  files={"file": (name, text.encode(), "text/csv")}, timeout=60)
            assert answer.status_code == 200, answer.text[:500]

    def datum_count(self, target_id: int | None) -> int:
        if target_id is None:
            return 0
        return self.call("GET", "api/reduceddatums/", params={"target__id": target_id, "limit": 1})["count"]


def wait_for(condition, seconds: float = 120, every: float = 0.2, what: str = "condition"):
    """Poll ``condition()`` until it returns something true; that value. Fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def light_curve(n: int, first_mjd: float, band: str = "g") -> list[tuple[float, str, float]]:
    return [(first_mjd + i * 0.001, band, 15.0 + (i % 100) / 100) for i in range(n)]


def start_pair(base: Path, retry: float = 0.5, retry_max: float = 2.0,
               names: tuple[str, str] = ("TOM A", "TOM B"), database_urls: tuple[str, str] = ("", "")) -> tuple[Tom, Tom]:
    """TOM A and TOM B (their TOM_NAMEs: ``names``), each a DATA_SHARING destination of the other (keys "a" and
    "b"), each serving and running its worker."""
    a = Tom(base / "a", names[0], database_url=database_urls[0])
    b = Tom(base / "b", names[1], database_url=database_urls[1])
    for tom in (a, b):
        tom.data_dir.mkdir(parents=True, exist_ok=True)
    a.configure({"b": b.destination()}, retry, retry_max)
    b.configure({"a": a.destination()}, retry, retry_max)
    for tom in (a, b):
        tom.start()
        tom.start_worker()
    return a, b
