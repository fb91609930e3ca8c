"""Benchmark of the target page's visibility section: the coming night at every configured site.

Usage::

    .venv/bin/python bench/visibility.py [--repeat 20]

Times, for a star and for a comet (Kepler propagation) at the default nine
sites: the first call in a fresh process (astropy loads its IERS tables and
ephemerides), then the computation, the plotly figure with its JSON, and the
section's HTML. For comparison it also times astropy's ``AltAz`` frame used per
site for the same target, Moon and Sun (what the module avoids). Prints
milliseconds (median / p90). No database is used: ``--database-url`` is accepted as by every script in
``bench/`` and changes nothing (the figures are the same on SQLite and PostgreSQL).

This is a script that prints figures, not a test.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    database.add_argument(parser)
    args = parser.parse_args()
    os.environ["TOM_DATA_DIR"] = tempfile.mkdtemp(prefix="tom-bench-visibility-")
    os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['TOM_DATA_DIR']}/unused.sqlite3"  # never opened
    os.environ["DJANGO_SETTINGS_MODULE"] = "tom.settings"
    import django

    django.setup()
    import astropy.units as u
    from astropy.coordinates import AltAz, get_body, get_sun
    from astropy.time import Time
    from django.template.loader import render_to_string

    from core.plotting import script_safe_json
    from targets.visibility.figure import visibility_figure
    from targets.visibility.nights import target_sky, visibility_for
    from targets.visibility.section import section_context
    from targets.visibility.sites import configured_sites

    star = SimpleNamespace(type="SIDEREAL", ra=150.0, dec=2.5)
    comet = SimpleNamespace(type="NON_SIDEREAL", scheme="MPC_COMET", epoch_of_elements=60600.0, inclination=11.4,
                            lng_asc_node=334.2, arg_of_perihelion=187.0, eccentricity=0.847, perihdist=0.339,
                            epoch_of_perihelion=60240.5)
    sites = configured_sites()
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus; {len(sites)} sites")

    def timed(label, call, repeat=args.repeat):
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        p90 = samples[min(len(samples) - 1, int(0.9 * len(samples)))]
        print(f"{label:<48} median {statistics.median(samples):7.1f} ms   p90 {p90:7.1f} ms")

    start = time.perf_counter()
    visibility_for(star)
    print(f"{'first computation in the process':<48} {(time.perf_counter() - start) * 1000:7.1f} ms")
    for name, target in (("star", star), ("comet", comet)):
        visibility = visibility_for(target)
        timed(f"{name}: computation (visibility_for)", lambda t=target: visibility_for(t))
        timed(f"{name}: figure and its JSON", lambda v=visibility: script_safe_json(visibility_figure(v)))
        timed(f"{name}: whole section (context + HTML)", lambda t=target: render_to_string(
            "targets/partials/section_visibility.html", section_context(t)))

    def per_site_altaz():
        night = visibility_for(star).nights[0]
        times = Time([t.replace(tzinfo=None) for t in night.times], scale="utc")
        coord = target_sky(star).sky(times)
        for site in sites:
            frame = AltAz(obstime=times, location=site.location)
            coord.transform_to(frame)
            get_body("moon", times, location=site.location).transform_to(frame)
        grid = Time.now() + range(56 * 6 + 1) * u.min * 10
        for site in sites:
            get_sun(grid).transform_to(AltAz(obstime=grid, location=site.location))

    timed("for comparison: astropy AltAz per site", per_site_altaz, repeat=max(3, args.repeat // 4))


if __name__ == "__main__":
    main()
