"""`make run` as a new user meets it: quiet installs, a clean package build, and a demo whose self-share works
from the command line exactly as from the Share page (issue 12 items 7 and 13)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.servers import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PORT") and not k.startswith(("LOCALHOST_TOM_", "TOM_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "tom.settings", **extra})
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_the_demo_self_share_works_from_the_command_line_without_warnings(tmp_path):
    port = free_port()
    env = _env(TOM_DATA_DIR=str(tmp_path / "data"))
    assert _manage("migrate", "-v0", "--skip-checks", env=env).returncode == 0
    demo = _manage("demo", "--skip-checks", "--port", str(port), env=env)
    assert demo.returncode == 0, demo.stderr
    env_file = tmp_path / "data" / "demo.env"
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"  # it holds the demo admin's password
    server = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
                              env={**env, "TOM_TASKS_BACKEND": "immediate"}, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz/", server)
        check = _manage("check", env=env)
        assert check.returncode == 0 and "System check identified no issues" in check.stdout, check.stderr
        # The README's command, nothing exported by hand: the demo's own target, shared to the demo itself.
        shared = _manage("share", "SN 2023ixf", "localhost-tom", "--data", "photometry", env=env)
        assert shared.returncode == 0, shared.stdout + shared.stderr
        assert "already" in shared.stdout and "0 new" in shared.stdout  # the same target and data: nothing doubled
        assert "WARNINGS" not in shared.stderr and "sharing.W0" not in shared.stderr, shared.stderr
    finally:
        server.terminate()
        server.wait(10)


def test_the_environment_overrides_what_the_demo_wrote(tmp_path):
    env = _env(TOM_DATA_DIR=str(tmp_path))
    (tmp_path / "demo.env").write_text("# comment\nTOM_NAME=Demo TOM\nLOCALHOST_TOM_USERNAME=admin\nnot a pair\n")
    code = ("from django.conf import settings; d = settings.DATA_SHARING['localhost-tom'];"
            " print(settings.TOM_NAME, d['USERNAME'], d['DISPLAY_NAME'], d['BASE_URL'], sep='|')")
    out = _manage("shell", "-c", code, env=env).stdout.strip().splitlines()[-1]
    assert out == "Demo TOM|admin|This TOM (localhost)|http://127.0.0.1:8000/"
    env.update(TOM_NAME="Mine", LOCALHOST_TOM_USERNAME="alice", LOCALHOST_TOM_DISPLAY_NAME="Local",
               LOCALHOST_TOM_BASE_URL="http://127.0.0.1:8123/")
    out = _manage("shell", "-c", code, env=env).stdout.strip().splitlines()[-1]
    assert out == "Mine|alice|Local|http://127.0.0.1:8123/"  # the documentation's variables (TOM Toolkit names)


def test_make_install_prints_our_lines_and_keeps_pips_in_a_log(tmp_path):
    """pip (and the machine's index warnings) are noisy: `make` shows one line per step, pip's output on failure."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "python"  # stands in for the venv's python: talks like pip, fails if told to
    fake.write_text("#!/bin/sh\necho 'Collecting Django'\necho 'WARNING: Location file:///x is ignored' >&2\n"
                    "[ -n \"$FAIL_PIP\" ] && exit 3\nexit 0\n")
    fake.chmod(0o755)
    ok = subprocess.run(["make", "-s", "install", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                        timeout=60, env=_env())
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [f"Installing the TOM and its dependencies into {venv} (pip's log: {venv}/install.log)"]
    assert ok.stderr == ""
    assert "Collecting Django" in (venv / "install.log").read_text()
    (venv / ".installed").unlink()
    failed = subprocess.run(["make", "-s", "install", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=_env(FAIL_PIP="1"))
    assert failed.returncode != 0
    assert "Failed:" in failed.stdout and "Collecting Django" in failed.stdout  # the log's end, when it matters


def test_the_package_builds_without_deprecation_or_layout_warnings(tmp_path):
    """What setuptools printed on every `make run` install: a deprecated `license` table, and a warning about
    folders named like the package (an import-hook editable install); both are fixed in pyproject.toml."""
    build = tmp_path / "wheel"
    build.mkdir()
    code = ("import logging, warnings; logging.basicConfig(level=logging.WARNING); warnings.simplefilter('always');"
            f"import setuptools.build_meta as b; print(b.build_editable({str(build)!r}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "Deprecat" not in output and "deprecated" not in output
    assert "same name as your package" not in output and "meta path finder" not in output
