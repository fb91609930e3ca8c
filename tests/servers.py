"""Real servers on loopback for tests and benchmarks: another TOM of ours, and a real TOM Toolkit 3.1.0.

Plain functions (no pytest here) so that fixtures and ``bench/`` scripts start the same servers the same way.
Each server has its own database and files, listens on a free loopback port, and is stopped by ``stop()``.

- :func:`start_our_tom`: this project under gunicorn (gthread workers, as in production), migrated, with one
  account ``peer`` that may add targets and lists.
- :func:`start_toolkit_tom`: a project generated like ``tom_setup``'s, run by the TOM Toolkit's own Python from
  its virtualenv (:func:`toolkit_python`) under gunicorn (installed there too; ``manage.py runserver`` if that
  failed), with one account that may add targets and lists. Its REST API is DRF with HTTP Basic on ``/api/``.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
TOOLKIT_VENV = ROOT / ".cache" / "tomtoolkit"
TOOLKIT_VERSION = "3.1.0"
TOOLKIT_SCRIPTS = ROOT / "tests" / "interop" / "toolkit"
PEER_USERNAME = "peer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Poll ``url`` until anything answers; fail early if the server process died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with status {process.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


@contextmanager
def own_postgres_database(prefix: str):
    """The URL of a database of its own on the test run's PostgreSQL server (``DATABASE_URL``), dropped afterwards:
    for the processes a test starts (``make serve``, workers), which must not use pytest-django's test database."""
    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = {"host": url.hostname, "port": url.port or 5432, "user": url.username, "password": url.password,
             "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(**admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def end_process(process: subprocess.Popen | None) -> None:
    """Stop a process a test started: SIGTERM, then SIGKILL if it has not gone within 15 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class RunningServer:
    """A server process on loopback, with the account a sharing peer would use: ``.url`` ends with ``/``."""

    def __init__(self, url: str, process: subprocess.Popen, username: str, password: str):
        self.url = url
        self.process = process
        self.username = username
        self.password = password
        self.api = requests.Session()
        self.api.auth = (username, password)

    def get(self, path: str, **params) -> dict:
        """GET ``url + path`` as the peer account; the JSON body (raises for a non-2xx answer)."""
        response = self.api.get(self.url + path, params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self.api.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class OurTom(RunningServer):
    def __init__(self, url, process, username, password, env: dict):
        super().__init__(url, process, username, password)
        self.env = env

    def manage(self, *args: str, stdin: str | None = None) -> str:
        """Run one of this TOM's management commands against its own database; its stdout."""
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=self.env, cwd=ROOT, check=True,
                              timeout=600, text=True, input=stdin, capture_output=True).stdout


def start_our_tom(data_dir: Path, tom_name: str, password: str, workers: int = 1, threads: int = 4,
                  database_url: str = "") -> OurTom:
    """This project as a separate gunicorn server with its own SQLite database and media in ``data_dir``
    (``database_url``: an empty database of its own elsewhere instead, e.g. one bench/database.py made)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update({"TOM_DATA_DIR": str(data_dir), "TOM_NAME": tom_name, "DJANGO_SETTINGS_MODULE": "tom.settings",
                "SECRET_KEY": "tom-" + os.urandom(8).hex(), "LOG_LEVEL": "WARNING"})
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=300)
    subprocess.run([*manage, "shell"], env=env, cwd=ROOT, check=True, timeout=120, text=True, input=(
        "from django.contrib.auth.models import Permission, User\n"
        f"u = User.objects.create_user({PEER_USERNAME!r}, password={password!r})\n"
        "u.user_permissions.add(*Permission.objects.filter(codename__in=['add_target', 'add_targetlist']))\n"
    ))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tom.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads), "--keep-alive", "30",
         "--timeout", "300", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url + "healthz/", process)
    return OurTom(url, process, PEER_USERNAME, password, env)


def toolkit_env(**extra) -> dict:
    """Our environment without anything that would point the TOM Toolkit's Python at our settings or packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TOM_", "DATABASE_URL", "PYTHON"))}
    env.update(extra)
    return env


def toolkit_venv_python(venv: Path, version: str) -> Path:
    """The Python of a virtualenv holding ``tomtoolkit==version`` (its own pins); the first call installs it from PyPI."""
    python = venv / "bin" / "python"
    marker = venv / f".tomtoolkit-{version}"
    if not marker.exists():
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"tomtoolkit=={version}"],
                       check=True, env=toolkit_env(), timeout=1200)
        marker.touch()
    return python


def toolkit_python() -> Path:
    """The TOM Toolkit 3.1.0 virtualenv's Python (``.cache/tomtoolkit``); the first call installs it from PyPI."""
    python = toolkit_venv_python(TOOLKIT_VENV, TOOLKIT_VERSION)
    tried = TOOLKIT_VENV / ".gunicorn-tried"
    if not (TOOLKIT_VENV / "bin" / "gunicorn").exists() and not tried.exists():
        # How a TOM Toolkit is deployed; without it, runserver serves (slower: see start_toolkit_tom).
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "gunicorn"], check=False, env=toolkit_env(),
                       timeout=600)
        tried.touch()
    return python


def make_toolkit_project(python: Path, project: Path, destination_url: str, username: str, password: str) -> None:
    """Generate a TOM Toolkit project like ``tom_setup`` does, its DATA_SHARING "ours" at ``destination_url``."""
    subprocess.run([str(python), str(TOOLKIT_SCRIPTS / "make_project.py"), str(project), destination_url, username,
                    password], check=True, env=toolkit_env(), capture_output=True, text=True, timeout=120)


def toolkit_manage(python: Path, project: Path, *args: str, stdin: str | None = None,
                   **env) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(python), "manage.py", *args], cwd=project, input=stdin, capture_output=True, text=True,
        env=toolkit_env(DJANGO_SETTINGS_MODULE="ttk.settings", **env), timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed in the TOM Toolkit project: {result.stderr[-3000:]}")
    return result


class ToolkitTom(RunningServer):
    """A running TOM Toolkit; ``.shell(code)`` runs Python in its ``manage.py shell`` (for what its API hides)."""

    def __init__(self, url, process, username, password, python: Path, project: Path):
        super().__init__(url, process, username, password)
        self.python = python
        self.project = project

    def shell(self, code: str) -> str:
        return toolkit_manage(self.python, self.project, "shell", stdin=code).stdout

    def shell_json(self, code: str):
        """Run ``code``, which prints one line ``JSON <value>``; the value."""
        line = next(line for line in self.shell(code).splitlines() if line.startswith("JSON "))
        return json.loads(line[len("JSON "):])


def start_toolkit_tom(project: Path, username: str = "ours-peer", password: str = "toolkit-peer-pw-9",
                      destination_url: str = "http://127.0.0.1:9/") -> ToolkitTom:
    """A real TOM Toolkit 3.1.0 server in ``project`` (created here): own SQLite database, migrated, one account.

    The account may add targets and target lists and nothing else, like a peer account an administrator makes;
    the TOM Toolkit gives the creator of a target view/change/delete on it, which is what lets it add data later.
    ``destination_url`` is where the toolkit's own DATA_SHARING "ours" points (unused unless it shares).
    """
    python = toolkit_python()
    make_toolkit_project(python, project, destination_url, "unused", "unused")
    toolkit_manage(python, project, "migrate", "--noinput", "-v0")
    toolkit_manage(python, project, "shell", stdin=(
        "from django.contrib.auth.models import Permission, User\n"
        f"u = User.objects.create_user({username!r}, password={password!r})\n"
        "u.user_permissions.add(*Permission.objects.filter(codename__in=['add_target', 'add_targetlist']))\n"
    ))
    port = free_port()
    if (python.parent / "gunicorn").exists():
        command = [str(python), "-m", "gunicorn", "ttk.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--worker-class", "gthread", "--workers", "1", "--threads", "4", "--log-level", "warning"]
    else:
        # runserver answers a kept-alive connection 40 ms late per request (headers and body written apart,
        # Nagle's algorithm against delayed ACKs): fine for tests, not for measuring.
        command = [str(python), "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"]
    log = open(project / "server.log", "ab")
    process = subprocess.Popen(command, cwd=project, env=toolkit_env(DJANGO_SETTINGS_MODULE="ttk.settings"),
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}/"
    wait_until_up(url + "api/", process, seconds=120)
    return ToolkitTom(url, process, username, password, python, project)
