"""A real TOM Toolkit 3.1.0 as a peer: its own virtualenv, a project generated like tom_setup's, its own sharing code.

The virtualenv lives in ``.cache/tomtoolkit`` (ignored by git) and is kept between runs; the first run installs
``tomtoolkit==3.1.0`` from PyPI into it (a few minutes). The TOM Toolkit sends to our TOM served by pytest-django's
``live_server`` (``toolkit``), or serves its own API for our TOM to share into (``toolkit_server``): real HTTP on
loopback either way. The servers start in ``tests/servers.py``, which ``bench/`` uses too.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.servers import TOOLKIT_SCRIPTS as SCRIPTS
from tests.servers import ToolkitTom, start_toolkit_tom, toolkit_env
from tests.servers import toolkit_python as ensure_toolkit_python

# The sync test thread talks to the ORM while live_server serves from another thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def toolkit_python() -> Path:
    return ensure_toolkit_python()


@pytest.fixture(scope="module")
def toolkit_server(toolkit_python, tmp_path_factory) -> ToolkitTom:
    """A real TOM Toolkit 3.1.0 serving its API on a loopback port, for our TOM to share into.

    Own SQLite database, migrated; ``.username``/``.password`` may add targets and lists (HTTP Basic on /api/).
    ``.url``, ``.get(path, **params)`` (JSON), ``.shell_json(code)`` for what its API does not show.
    """
    server = start_toolkit_tom(tmp_path_factory.mktemp("toolkit-server"))
    try:
        yield server
    finally:
        server.stop()


class ToolkitTOM:
    def __init__(self, python: Path, project: Path):
        self.python = python
        self.project = project

    def manage(self, *args, stdin: str | None = None, **env) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.python), "manage.py", *args], cwd=self.project, input=stdin, capture_output=True, text=True,
            env=toolkit_env(DJANGO_SETTINGS_MODULE="ttk.settings", **env), timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def share(self, round_number: int) -> dict:
        result = self.manage("shell", stdin=(SCRIPTS / "share.py").read_text(), SHARE_ROUND=str(round_number))
        line = next(line for line in result.stdout.splitlines() if line.startswith("RESULTS "))
        return json.loads(line[len("RESULTS "):])


@pytest.fixture
def toolkit(toolkit_python, tmp_path, live_server, peer_account) -> ToolkitTOM:
    project = tmp_path / "toolkit_tom"
    username, password = peer_account
    subprocess.run(
        [str(toolkit_python), str(SCRIPTS / "make_project.py"), str(project), f"{live_server.url}/", username, password],
        check=True, env=toolkit_env(), capture_output=True, text=True, timeout=120,
    )
    tom = ToolkitTOM(toolkit_python, project)
    tom.manage("migrate", "--noinput", "-v0")
    return tom


@pytest.fixture
def peer_account(transactional_db):
    """The account the TOM Toolkit shares as: may add targets, nothing more."""
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("toolkit-peer", password="peer-password-123")
    user.user_permissions.add(Permission.objects.get(codename="add_target"))
    return "toolkit-peer", "peer-password-123"
