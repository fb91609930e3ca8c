"""The visibility plot: airmass through the coming night at each site, drawn by plotly like the other plots.

Above the airmass panel a strip shows each site's night (the Sun below -12°)
as a bar, so that where a curve stops is visibly the night's end, not the
target setting. One colour per site; a site's bar and curve share its legend
entry, which is also the site selector (click to hide, double-click to show
only that site). The x axis is UTC; hovers add the site's local time, the
airmass and altitude, and the Moon's distance. Site names come from settings:
they are escaped for plotly (which renders some HTML in names and hovers) and
the JSON is escaped for the <script> element (``core.plotting``).
"""
from __future__ import annotations

from datetime import datetime

import numpy as np

from core.plotting import plotly_text

from .nights import GOOD_AIRMASS, SiteNight, Visibility

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf"]
AIRMASS_SHOWN = 3.0  # the y axis runs from 1 to this
AIRMASS_DRAWN = 4.0  # beyond it the curve is left out (it would only run off the panel)


def _plotly_time(moment: datetime) -> str:
    """Plotly's date axes take naive ISO text: UTC here."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _local(moment: datetime, night: SiteNight) -> str:
    zone = night.site.zone
    if zone is None:
        return ""
    local = moment.astimezone(zone)
    return f" · {local:%H:%M} {plotly_text(local.tzname() or 'local')}"


def _hover(night: SiteNight) -> list[str]:
    texts = []
    for moment, airmass, altitude, moon_distance, moon_altitude in zip(
            night.times, night.airmass, night.altitude, night.moon_separation, night.moon_altitude):
        texts.append(
            f"{moment:%H:%M} UTC{_local(moment, night)}<br>airmass {airmass:.2f} · altitude {altitude:.0f}°"
            f"<br>Moon {moon_distance:.0f}° away, {'up' if moon_altitude > 0 else 'down'}"
        )
    return texts


def _numbers(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), 3) for v in values]


def visibility_figure(visibility: Visibility) -> dict | None:
    """The plotly figure as a dict (``core.plotting.script_safe_json`` serialises it without plotly's validation,
    which costs more than the astronomy here)."""
    nights = [night for night in visibility.nights if night.has_night]
    if not nights:
        return None
    data = []
    for index, night in enumerate(nights):
        colour = PALETTE[index % len(PALETTE)]
        name = plotly_text(night.site.name)
        group = f"site-{index}"
        span = f"{night.start:%H:%M}–{night.end:%H:%M} UTC"
        if night.site.zone is not None:
            start, end = night.start.astimezone(night.site.zone), night.end.astimezone(night.site.zone)
            span += f" ({start:%H:%M}–{end:%H:%M} local)"
        data.append({
            "type": "scatter", "xaxis": "x", "yaxis": "y", "mode": "lines", "name": name, "legendgroup": group,
            "showlegend": False, "x": [_plotly_time(night.start), _plotly_time(night.end)], "y": [name, name],
            "line": {"color": colour, "width": 8}, "hovertemplate": f"Night: {span}<extra>{name}</extra>",
        })
        airmass = np.where(night.airmass <= AIRMASS_DRAWN, night.airmass, np.nan)
        data.append({
            "type": "scatter", "xaxis": "x2", "yaxis": "y2", "mode": "lines", "name": name, "legendgroup": group,
            "x": [_plotly_time(t) for t in night.times], "y": _numbers(airmass), "connectgaps": False,
            "line": {"color": colour, "width": 2}, "text": _hover(night),
            "hovertemplate": f"%{{text}}<extra>{name}</extra>",
        })
    strip = min(0.35, 0.07 + 0.03 * len(nights))  # the nights' strip grows with the number of sites
    now = _plotly_time(visibility.now)
    layout = {
        "template": "plotly_white", "height": 460 + 18 * len(nights), "hovermode": "closest",
        "margin": {"l": 60, "r": 20, "t": 24, "b": 60}, "legend": {"orientation": "h", "y": -0.14},
        "xaxis": {"anchor": "y", "matches": "x2", "showticklabels": False, "domain": [0, 1]},
        "yaxis": {"anchor": "x", "domain": [1 - strip, 1], "autorange": "reversed", "fixedrange": True, "automargin": True,
                  "tickfont": {"size": 10}},
        "xaxis2": {"anchor": "y2", "domain": [0, 1], "title": {"text": "UTC"}},
        "yaxis2": {"anchor": "x2", "domain": [0, 1 - strip - 0.04], "range": [AIRMASS_SHOWN, 1.0], "fixedrange": True,
                   "title": {"text": "Airmass"}},
        "shapes": [
            {"type": "line", "xref": "x2", "yref": "paper", "x0": now, "x1": now, "y0": 0, "y1": 1,
             "line": {"color": "#888", "width": 1, "dash": "dot"}},
            {"type": "line", "xref": "x2 domain", "yref": "y2", "x0": 0, "x1": 1, "y0": GOOD_AIRMASS,
             "y1": GOOD_AIRMASS, "line": {"color": "#bbb", "width": 1, "dash": "dash"}},
        ],
        "annotations": [{"x": now, "y": 1, "xref": "x2", "yref": "paper", "text": "now", "showarrow": False,
                         "yanchor": "bottom", "font": {"size": 10, "color": "#666"}}],
    }
    return {"data": data, "layout": layout}
