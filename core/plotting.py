"""Plotly figures on pages: helpers every app's plots share (light curves, spectra, visibility)."""
from __future__ import annotations

from html import escape

import plotly.io as pio


def script_safe_json(figure) -> str | None:
    """The figure's JSON, safe inside a <script> element: trace names and texts are user or settings text."""
    if figure is None:
        return None
    text = pio.to_json(figure, validate=False) if isinstance(figure, dict) else figure.to_json()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def plotly_text(text: str) -> str:
    """``text`` as plotly shows it literally: plotly renders a subset of HTML (<b>, <a href>...) in names and hovers."""
    return escape(str(text), quote=False)
