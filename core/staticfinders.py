"""Serve ``plotly.min.js`` from the plotly package as the static file ``plotly/plotly.min.js``.

The plotly Python package ships the matching plotly.js in ``package_data``;
serving that file (cached, one copy) avoids both a CDN and the TOM Toolkit's
habit of inlining 4.6 MB of JavaScript into every plot.
"""
from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
FILES = {"plotly/plotly.min.js": "plotly.min.js"}


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        self.storage = FileSystemStorage(location=str(PLOTLY_DIR))
        self.storage.prefix = "plotly"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path in FILES:
            found = str(PLOTLY_DIR / FILES[path])
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        for name in FILES.values():
            yield name, self.storage
