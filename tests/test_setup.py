"""The README's promises about setting up: settings from the environment, local_settings, the demo data."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from targets.models import Target, TargetList

ROOT = Path(__file__).resolve().parent.parent


def run_manage(args, env_extra, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(env_extra)
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_manage_py_respects_django_settings_module_and_the_environment(tmp_path):
    (tmp_path / "local_settings.py").write_text(
        "from tom.settings import *  # noqa\n"
        "DATA_SHARING = {'peer': {'DISPLAY_NAME': 'Peer TOM', 'BASE_URL': 'http://127.0.0.1:8001/'}}\n"
    )
    code = ("from django.conf import settings; print(settings.TOM_NAME, settings.DATA_SHARING['peer']['DISPLAY_NAME'],"
            " settings.DATABASES['default']['NAME'], settings.MEDIA_ROOT, settings.DEBUG, sep='|')")
    result = run_manage(["shell", "-c", code], {
        "DJANGO_SETTINGS_MODULE": "local_settings", "PYTHONPATH": f"{tmp_path}:{ROOT}",
        "TOM_NAME": "Second TOM", "TOM_DATA_DIR": str(tmp_path / "data"),
    })
    assert result.returncode == 0, result.stderr
    name, display, db, media, debug = result.stdout.strip().splitlines()[-1].split("|")
    assert (name, display) == ("Second TOM", "Peer TOM")
    assert db == str(tmp_path / "data" / "tom.sqlite3") and media == str(tmp_path / "data" / "media")
    assert debug == "False"


def test_default_sqlite_database_runs_in_wal_mode(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "tom.settings", "TOM_DATA_DIR": str(tmp_path)}
    assert run_manage(["migrate", "-v0"], env).returncode == 0
    result = run_manage(["shell", "-c", "from django.db import connection; c = connection.cursor();"
                         " c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"], env)
    assert result.stdout.strip().splitlines()[-1] == "wal"
    demo = run_manage(["demo"], env)
    assert demo.returncode == 0 and "admin" in demo.stdout and "observer" in demo.stdout
    again = run_manage(["demo"], env)
    assert again.stdout == demo.stdout  # same accounts, same passwords, nothing recreated
    assert oct((tmp_path / "demo-accounts.txt").stat().st_mode & 0o777) == "0o600"


def test_demo_data(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo", stdout=open(os.devnull, "w"))
    call_command("demo", stdout=open(os.devnull, "w"))
    assert Target.objects.count() == 6 and TargetList.objects.count() == 2
    assert Target.objects.filter(type="NON_SIDEREAL").count() == 1
    assert Group.objects.count() == 2
    observer = User.objects.get(username="observer")
    assert not observer.is_superuser and observer.has_perm("targets.add_target")
    assert Target.objects.visible_to(observer).count() == 6
    collaborator = User.objects.create_user("collab")
    collaborator.groups.add(Group.objects.get(name="Collaborators"))
    assert list(Target.objects.visible_to(collaborator).values_list("name", flat=True)) == ["SN 2023ixf"]
    assert not collaborator.has_perm("targets.change_target", Target.objects.get(name="SN 2023ixf"))
    assert Target.objects.get(name="M31").extras.get(key="distance_mpc").typed_value == pytest.approx(0.765)


def test_static_assets_come_from_their_packages(client_for):
    client = client_for("viewer")
    page = client.get("/accounts/login/").content.decode()
    assert "/static/bootstrap/css/bootstrap.min.css" in page and "/static/django_htmx/htmx" in page
    assert "cdn" not in page.lower()
    from django.contrib.staticfiles import finders

    assert finders.find("bootstrap/css/bootstrap.min.css") and finders.find("django_htmx/htmx-2.min.js")
