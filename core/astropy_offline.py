"""Astropy, configured once so that it never reaches for the network.

Observatories often run without internet, and this TOM contacts only the
destinations it is configured for. Astropy's Earth-orientation code (used by
every ``AltAz`` / UT1 computation) otherwise downloads a fresh IERS-A table when
asked about a date past the bundled table's predictions once that table is more
than ``auto_max_age`` (30) days old, and looks for a newer leap-second list the
same way: a two-month-old install would try the network on every restart.

With these settings astropy uses the tables that ship in the
``astropy-iers-data`` package (IERS-A, which carries the final Bulletin B values
for past dates and a year of predictions) and never refreshes them. Beyond the
predictions UT1-UTC is held at its last value: an error under a second of time,
a quarter of an arcminute on the sky, far inside what an airmass plot needs.
"""
from __future__ import annotations

from astropy.utils import iers


def configure() -> None:
    """Called from ``TomConfig.ready``: every process that loads Django gets it before any coordinate work."""
    iers.conf.auto_download = False  # the bundled IERS-A and leap-second tables, never a download
    iers.conf.auto_max_age = None  # old bundled predictions are used, not refused ("IERS table too old")
    iers.conf.iers_degraded_accuracy = "warn"  # past IERS-B's end (if it is chosen): a warning, not an error
