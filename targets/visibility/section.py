"""The target page's visibility section: the plot and a table of each site's night, as the template shows them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.plotting import script_safe_json

from .figure import visibility_figure
from .nights import GOOD_AIRMASS, SiteNight, visibility_for


@dataclass(frozen=True)
class Row:
    """One site's line in the table, as text (local times in the site's own zone)."""

    site: str
    night_local: str
    night_utc: str
    best: str
    good_hours: str
    moon_illumination: str
    moon_separation: str
    note: str


def _times(start: datetime, end: datetime, zone) -> str:
    if zone is not None:
        start, end = start.astimezone(zone), end.astimezone(zone)
    return f"{start:%a %H:%M} – {end:%a %H:%M}" + ("" if zone is not None else " UTC")


def row(night: SiteNight) -> Row:
    name = night.site.name
    if not night.has_night:
        return Row(name, "", "", "", "", "", "", night.note)
    zone = night.site.zone
    best = night.best
    if best is None:
        best_text = "below the horizon"
    else:
        moment = best[1].astimezone(zone) if zone is not None else best[1]
        best_text = f"{best[0]:.2f} at {moment:%H:%M}" + ("" if zone is not None else " UTC")
    separation = night.moon_separation_range
    return Row(
        site=name,
        night_local=_times(night.start, night.end, zone) if zone is not None else "",
        night_utc=_times(night.start, night.end, None),
        best=best_text,
        good_hours=f"{night.good_hours:.1f} h",
        moon_illumination=f"{100 * night.moon_illumination:.0f}%" if night.moon_illumination is not None else "",
        moon_separation=f"{separation[0]:.0f}°–{separation[1]:.0f}°" if separation else "",
        note=night.note,
    )


def section_context(target, now: datetime | None = None) -> dict:
    visibility = visibility_for(target, now)
    figure = visibility_figure(visibility)
    return {
        "visibility": visibility,
        "figure": script_safe_json(figure),
        "trace_count": len(figure["data"]) if figure is not None else 0,
        "rows": [row(night) for night in visibility.nights],
        "good_airmass": GOOD_AIRMASS,
    }
