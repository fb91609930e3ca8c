"""Light curves and spectra as plotly figures, built in Python, drawn by the static plotly.min.js.

The arrays are numpy, which plotly serialises as base64 typed arrays
(``bdata``): 100,000 points cost about 2 MB, not the 11 MB of a JSON list.
MJD is computed by the database (no per-row datetime objects), magnitudes
increase downward, limits are downward triangles, and beyond
``LIGHT_CURVE_WEBGL_THRESHOLD`` points the traces use WebGL.

plotly.js reads trace names, hover text and titles as a small HTML dialect (``<a href>`` makes a live
link, ``<br>``, ``<b>``...); every string from data (bandpass, telescope, instrument, units) goes through
``plotly_text`` (core/plotting.py) so it is shown as written, and data never enters a ``hovertemplate`` (whose ``%{...}``
would be read too): the hover box's second part shows the trace's (escaped) name by default.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import plotly.graph_objects as go
from django.conf import settings
from django.db import connection
from django.db.models import ExpressionWrapper, F, FloatField, Func
from django.utils.translation import ngettext

from core.paging_pages import Page, paginate
from core.plotting import plotly_text

from .models import ReducedDatum

COLOURS = {
    "u": "#6a3d9a", "g": "#1b9e3e", "r": "#e31a1c", "i": "#b15928", "z": "#444444", "y": "#8c564b",
    "b": "#1f78b4", "v": "#33a02c", "c": "#17becf", "o": "#ff7f00", "w": "#7f7f7f",
    "up": "#6a3d9a", "gp": "#1b9e3e", "rp": "#e31a1c", "ip": "#b15928", "zp": "#444444",
    "ztfg": "#1b9e3e", "ztfr": "#e31a1c", "ztfi": "#b15928", "atlasc": "#17becf", "atlaso": "#ff7f00",
}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
MJD_EPOCH = datetime(1858, 11, 17, tzinfo=timezone.utc)


def colour_for(bandpass: str, index: int) -> str:
    key = bandpass.lower().replace("'", "p").replace("-", "").replace("_", "").replace(" ", "")
    return COLOURS.get(key) or PALETTE[index % len(PALETTE)]


def mjd_expression():
    """MJD of ``timestamp`` computed by the database."""
    if connection.vendor == "sqlite":
        expression = Func(F("timestamp"), function="julianday") - 2400000.5
    else:
        expression = Func(F("timestamp"), template="EXTRACT(EPOCH FROM %(expressions)s)") / 86400.0 + 40587.0
    return ExpressionWrapper(expression, output_field=FloatField())


def mjd_to_date(mjd: float) -> str:
    return (MJD_EPOCH + timedelta(days=mjd)).strftime("%Y-%m-%d")


def _ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """About six MJD ticks with their calendar dates under them."""
    span = max(high - low, 1e-3)
    step = 10 ** np.floor(np.log10(span / 6))
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 7:
            step *= factor
            break
    values = np.arange(np.ceil(low / step) * step, high + step / 2, step)
    return [float(v) for v in values], [f"{v:g}<br>{mjd_to_date(v)}" for v in values]


# A light curve gets a trace (and a legend entry) for each of its most common bands up to this many; the rest
# share one. 20,000 distinct bands from one bulk POST made a 7.7 MB section that took over a minute to build.
LIGHT_CURVE_MAX_BANDS = 30


def _band_groups(bandpasses: np.ndarray) -> list[tuple[str | None, np.ndarray]]:
    """(band, mask) per band in name order, at most LIGHT_CURVE_MAX_BANDS; then (None, mask) for all others."""
    bands, inverse, counts = np.unique(bandpasses.astype(str), return_inverse=True, return_counts=True)
    if len(bands) <= LIGHT_CURVE_MAX_BANDS:
        return [(str(band), inverse == i) for i, band in enumerate(bands)]
    kept = sorted(np.argsort(-counts, kind="stable")[:LIGHT_CURVE_MAX_BANDS - 1])
    groups = [(str(bands[i]), inverse == i) for i in kept]
    return [*groups, (None, ~np.isin(inverse, kept))]


def light_curve(target) -> go.Figure | None:
    query = (
        ReducedDatum.objects.filter(target=target, data_type="photometry")
        .annotate(mjd=mjd_expression())
        .order_by("timestamp")
        .values_list("bandpass", "mjd", "brightness", "brightness_error", "limit", "unit")
    )
    # Plain rows from the cursor: at 100,000 points the ORM's per-row converters cost more than the query.
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    bandpasses, mjd, brightness, error, limit, units = zip(*rows)
    bandpasses = np.asarray(bandpasses, dtype=object)
    mjd = np.asarray(mjd, dtype=float)
    brightness = np.asarray(brightness, dtype=float)  # None becomes NaN
    error = np.asarray(error, dtype=np.float32)
    limit = np.asarray(limit, dtype=np.float32)
    magnitudes = not any(u and "jy" in u.lower() or "erg" in (u or "").lower() for u in set(units))
    scatter = go.Scattergl if len(rows) > settings.LIGHT_CURVE_WEBGL_THRESHOLD else go.Scatter
    figure = go.Figure()
    for index, (band, in_band) in enumerate(_band_groups(bandpasses)):
        shared = band is None  # the rare bands of an odd (or hostile) sender, together
        others = int(in_band.sum())
        label = (ngettext("%(count)s point in other filters", "%(count)s points in other filters", others)
                 % {"count": f"{others:,}"} if shared
                 else plotly_text(band) if band else "no filter")
        colour = "#999999" if shared else colour_for(band, index)
        detected = in_band & ~np.isnan(brightness)
        if detected.any():
            figure.add_trace(scatter(
                x=mjd[detected], y=brightness[detected].astype(np.float32), name=label, mode="markers",
                marker={"color": colour, "size": 6}, legendgroup=label,
                error_y={"type": "data", "array": np.nan_to_num(error[detected]), "visible": True,
                         "thickness": 1, "width": 0},
                hovertemplate="MJD %{x:.5f}<br>%{y:.3f} ± %{error_y.array:.3f}",
            ))
        limits = in_band & np.isnan(brightness) & ~np.isnan(limit)
        if limits.any():
            figure.add_trace(scatter(
                x=mjd[limits], y=limit[limits], name=f"{label} limit", mode="markers", legendgroup=label,
                marker={"color": colour, "size": 8, "symbol": "triangle-down", "opacity": 0.6},
                hovertemplate="MJD %{x:.5f}<br>limit %{y:.3f}",
            ))
    tickvals, ticktext = _ticks(float(np.nanmin(mjd)), float(np.nanmax(mjd)))
    unit = next((u for u in units if u), "mag")
    figure.update_layout(
        height=420, margin={"l": 60, "r": 20, "t": 20, "b": 60}, template="plotly_white",
        xaxis={"title": {"text": "MJD / date (UTC)"}, "tickvals": tickvals, "ticktext": ticktext},
        yaxis={"title": {"text": plotly_text(unit)}, "autorange": "reversed" if magnitudes else True},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


# Counting stops here (the index on target, data_type, timestamp makes it cheap; the page then says "100000+").
SPECTRA_COUNT_LIMIT = 100_000


def spectra_page(target, number) -> Page:
    """Page ``number`` of the target's spectra, the latest first, ``SPECTRA_PLOT_COUNT`` to a page.

    One bulk POST can store 20,000 spectra; drawing them all made a section of tens of MB. Only a page's rows
    (their arrays are in ``value``) are read.
    """
    rows = (ReducedDatum.objects.filter(target=target, data_type="spectroscopy").order_by("-timestamp", "-id")
            .values_list("timestamp", "telescope", "instrument", "value"))
    return paginate(rows, number, settings.SPECTRA_PLOT_COUNT, SPECTRA_COUNT_LIMIT)


def spectra(rows, normalise: bool = False) -> go.Figure | None:
    """The spectra in ``rows`` (timestamp, telescope, instrument, value), overlaid oldest first."""
    rows = sorted(rows, key=lambda row: row[0])
    if not rows:
        return None
    figure = go.Figure()
    wave_unit = flux_unit = ""
    for index, (timestamp, telescope, instrument, value) in enumerate(rows):
        wavelength = np.asarray(value.get("wavelength") or [], dtype=float)
        flux = np.asarray([np.nan if f is None else f for f in value.get("flux") or []], dtype=float)
        if wavelength.size == 0 or wavelength.size != flux.size:
            continue
        if normalise:
            median = np.nanmedian(np.abs(flux))
            if median and np.isfinite(median):
                flux = flux / median
        wave_unit = wave_unit or value.get("wavelength_units", "")
        flux_unit = flux_unit or value.get("flux_units", "")
        label = f"{timestamp:%Y-%m-%d %H:%M}" + (f" {plotly_text(telescope or instrument)}" if telescope or instrument else "")
        figure.add_trace(go.Scatter(x=wavelength, y=flux.astype(np.float32), name=label, mode="lines",
                                    line={"width": 1, "color": PALETTE[index % len(PALETTE)]}))
    figure.update_layout(
        height=420, margin={"l": 60, "r": 20, "t": 20, "b": 50}, template="plotly_white",
        xaxis={"title": {"text": f"Wavelength ({plotly_text(wave_unit or 'Angstrom')})"}},
        yaxis={"title": {"text": "Normalised flux" if normalise else
                         f"Flux ({plotly_text(flux_unit)})" if flux_unit else "Flux"},
               "exponentformat": "power"},
        legend={"orientation": "h", "y": -0.2}, showlegend=True,  # even for one: its date and telescope
    )
    return figure
