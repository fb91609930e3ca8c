from __future__ import annotations

from django.apps import AppConfig


class TomDataproductsConfig(AppConfig):
    """Not installed by default (being importable is enough); a TOM Toolkit ``INSTALLED_APPS`` that lists
    ``tom_dataproducts`` may keep it: it has no models or migrations of its own."""

    name = "tom_dataproducts"
    label = "tom_dataproducts"
    verbose_name = "TOM Toolkit names (tom_dataproducts)"
