"""Populated TOM Toolkit projects of both generations (3.1.0 and the last 2.x), for the importer's tests.

Each is a project generated like ``tom_setup``'s (``toolkit/make_project.py``), migrated by the TOM
Toolkit's own migrations and filled through its own ORM (``toolkit/populate.py``), in its own virtualenv:
``.cache/tomtoolkit`` (3.1.0, shared with the other interop tests) and ``.cache/tomtoolkit2`` (2.32.4, made
here on first use from PyPI like the first; about a minute). A PostgreSQL copy is made the same way, with the
TOM Toolkit's settings pointed at a database of its own on the server our tests use.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.contrib.auth.models import Group, User

from core.models import ApiToken
from dataproducts.models import DataProduct, Ingest, ReducedDatum
from targets.models import (
    Target,
    TargetExtra,
    TargetGroupObjectPermission,
    TargetList,
    TargetListGroupObjectPermission,
    TargetListUserObjectPermission,
    TargetName,
    TargetUserObjectPermission,
)
from tests.servers import (ROOT, TOOLKIT_SCRIPTS, TOOLKIT_VERSION, make_toolkit_project, toolkit_env, toolkit_python,
                           toolkit_venv_python)
from toolkit_import.services import import_toolkit

TOOLKIT2_VERSION = "2.32.4"  # the last 2.x release
TOOLKIT2_VENV = ROOT / ".cache" / "tomtoolkit2"
# psycopg for the TOM Toolkit's Python when its project runs on PostgreSQL, installed beside (not into) its venv.
TOOLKIT_PSYCOPG = ROOT / ".cache" / "toolkit-psycopg"
RELEASES = (TOOLKIT_VERSION, TOOLKIT2_VERSION)


def toolkit2_python() -> Path:
    """The 2.x virtualenv's Python; the first call installs ``tomtoolkit==2.32.4`` (its own pins: Django 5.2,
    django-guardian 2.x) from PyPI, as for 3.1.0."""
    return toolkit_venv_python(TOOLKIT2_VENV, TOOLKIT2_VERSION)


def python_for(version: str) -> Path:
    return toolkit_python() if version == TOOLKIT_VERSION else toolkit2_python()


@dataclass
class PopulatedToolkit:
    version: str
    project: Path
    database: str  # what import_toolkit is given: the SQLite file, or a postgres:// URL
    media: Path
    truth: dict  # what the TOM Toolkit says about its own data (populate.py's JSON line)

    @property
    def three(self) -> bool:
        return self.truth["three"]


def run_manage(python: Path, project: Path, *args: str, stdin: str | None = None,
               settings: str = "ttk.settings", **env: str) -> str:
    result = subprocess.run([str(python), "manage.py", *args], check=False, cwd=project, input=stdin, capture_output=True,
                            text=True, timeout=600, env=toolkit_env(DJANGO_SETTINGS_MODULE=settings, **env))
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed in the TOM Toolkit project: {result.stderr[-3000:]}")
    return result.stdout


def populate(version: str, project: Path, database: str | None = None, settings: str = "ttk.settings",
             **env: str) -> PopulatedToolkit:
    """Generate, migrate and fill a TOM Toolkit project in ``project``."""
    python = python_for(version)
    if not (project / "manage.py").exists():
        make_toolkit_project(python, project, "http://127.0.0.1:9/", "unused", "unused")
    run_manage(python, project, "migrate", "--noinput", "-v0", settings=settings, **env)
    out = run_manage(python, project, "shell", stdin=(TOOLKIT_SCRIPTS / "populate.py").read_text(),
                     settings=settings, **env)
    line = next(line for line in out.splitlines() if line.startswith("JSON "))
    return PopulatedToolkit(version, project, database or str(project / "db.sqlite3"), project / "media",
                            json.loads(line[len("JSON "):]))


def toolkit_psycopg() -> Path:
    """psycopg for the TOM Toolkit's Python (same CPython as ours), in a folder put on its PYTHONPATH."""
    marker = TOOLKIT_PSYCOPG / ".installed"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(TOOLKIT_PSYCOPG),
                        "psycopg[binary]>=3.1,<4"], check=True, timeout=600)
        marker.touch()
    return TOOLKIT_PSYCOPG


class ToolkitDatabaseOnPostgres:
    """A database of its own for a TOM Toolkit project, on the PostgreSQL server at ``server_url``."""

    def __init__(self, server_url: str):
        self.name = f"toolkit_src_{uuid.uuid4().hex[:10]}"
        parts = urlsplit(server_url.replace("postgres://", "postgresql://", 1))
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        self.parts = parts
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.name}"')

    def settings_module(self, project: Path) -> str:
        """Write ``ttk/settings_pg.py`` (the project's settings, this database); its module name."""
        p = self.parts
        (project / "ttk" / "settings_pg.py").write_text(
            "from ttk.settings import *  # noqa\n"
            f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.postgresql', 'NAME': {self.name!r}, "
            f"'USER': {p.username!r}, 'PASSWORD': {p.password!r}, 'HOST': {p.hostname!r}, 'PORT': {p.port or 5432}}}}}\n")
        return "ttk.settings_pg"

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def postgres_server_url() -> str | None:
    """The PostgreSQL server our own tests run on, if they do (DATABASE_URL)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


_POPULATED: dict[str, PopulatedToolkit] = {}


def populated(version: str, tmp_path_factory) -> PopulatedToolkit:
    """That release's filled project, made once per test session (the importer only reads it)."""
    if version not in _POPULATED:
        _POPULATED[version] = populate(version, tmp_path_factory.mktemp(f"toolkit-{version}") / "project")
    return _POPULATED[version]


def run_import(toolkit: PopulatedToolkit, database: str | None = None, **options):
    """Import ``toolkit`` (or another ``database`` with its media); the report and the progress lines."""
    lines: list[str] = []
    options.setdefault("media_root", toolkit.media)
    report, _ = import_toolkit(database or toolkit.database, write=lines.append, **options)
    return report, lines


def snapshot(media: Path) -> dict:
    """Everything an import writes: rows of every kind, the datums' fingerprints, the files under MEDIA_ROOT."""
    models = (User, Group, User.groups.through, User.user_permissions.through, Group.permissions.through, ApiToken,
              Target, TargetName, TargetExtra, TargetList, TargetList.targets.through, TargetUserObjectPermission,
              TargetGroupObjectPermission, TargetListUserObjectPermission, TargetListGroupObjectPermission,
              DataProduct, ReducedDatum, Ingest)
    counts = {model._meta.label: model.objects.count() for model in models}
    files = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []
    return {**counts, "files": files, "datums": sorted(ReducedDatum.objects.values_list("fingerprint", flat=True))}


def tallies(report) -> dict:
    return {kind: (t.new, t.existing, t.skipped) for kind, t in report.tallies.items()}
