"""A real TOM Toolkit 3.1.0 as a peer: its own virtualenv, a project generated like tom_setup's, its own sharing code.

The virtualenv lives in ``.cache/tomtoolkit`` (ignored by git) and is kept between runs; the first run installs
``tomtoolkit==3.1.0`` from PyPI into it (a few minutes). The TOM Toolkit sends to our TOM served by pytest-django's
``live_server``: real HTTP on loopback.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "tomtoolkit"
TOOLKIT_VERSION = "3.1.0"
SCRIPTS = Path(__file__).resolve().parent / "toolkit"

# The sync test thread talks to the ORM while live_server serves from another thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TOM_", "DATABASE_URL", "PYTHON"))}
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def toolkit_python() -> Path:
    python = VENV / "bin" / "python"
    marker = VENV / f".tomtoolkit-{TOOLKIT_VERSION}"
    if not marker.exists():
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"tomtoolkit=={TOOLKIT_VERSION}"],
                       check=True, env=_clean_env(), timeout=1200)
        marker.touch()
    return python


class ToolkitTOM:
    def __init__(self, python: Path, project: Path):
        self.python = python
        self.project = project

    def manage(self, *args, stdin: str | None = None, **env) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.python), "manage.py", *args], cwd=self.project, input=stdin, capture_output=True, text=True,
            env=_clean_env(DJANGO_SETTINGS_MODULE="ttk.settings", **env), timeout=600,
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
        check=True, env=_clean_env(), capture_output=True, text=True, timeout=120,
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
