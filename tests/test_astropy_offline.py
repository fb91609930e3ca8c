"""Astropy never reaches for the network: an observatory's TOM runs offline, with an install that ages.

Astropy's IERS tables are loaded once per process, so the check runs in a fresh
Python process with its own empty astropy cache and a clock two years ahead (as
on a TOM installed two years ago: the bundled tables are stale by then, which
is when astropy would download new ones). Every socket is refused and counted.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("no network in this test")
socket.getaddrinfo = refuse
socket.create_connection = refuse
socket.socket.connect = lambda self, *args: refuse(*args)

import astropy.units as u
from astropy.time import Time
real_now = Time.now
Time.now = classmethod(lambda cls: real_now() + 730 * u.day)  # the clock of an install two years old

import django
django.setup()
from datetime import timedelta
from types import SimpleNamespace
from targets.visibility.nights import visibility_for

a_year_ahead = Time.now().to_datetime(timezone=__import__("datetime").timezone.utc) + timedelta(days=365)
star = SimpleNamespace(type="SIDEREAL", ra=150.0, dec=2.5)
visibility = visibility_for(star, now=a_year_ahead)
assert not visibility.problem, visibility.problem
assert sum(night.has_night for night in visibility.nights) == 9, visibility
print("nights", len(visibility.nights), "attempts", len(attempts), attempts)
"""


def test_visibility_a_year_ahead_on_an_old_install_never_touches_the_network(tmp_path):
    for folder in ("cache", "config"):
        (tmp_path / folder).mkdir()
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "DJANGO_SETTINGS_MODULE": "tests.settings",
           "PYTHONPATH": str(ROOT), "TOM_DATA_DIR": str(tmp_path / "data")}
    env.pop("VISIBILITY_SITES_JSON", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "nights 9 attempts 0 []" in result.stdout, result.stdout + result.stderr[-3000:]
    assert "download" not in result.stderr.lower(), result.stderr[-3000:]
