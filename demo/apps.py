from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Holds the ``demo`` command only: no models, no pages."""

    name = "demo"
    verbose_name = "Demo data"
