from __future__ import annotations

from django.apps import AppConfig


class TomAlertstreamsConfig(AppConfig):
    """Nothing to set up: being importable is the point (``INSTALLED_APPS += ['tom_alertstreams']``).

    The label differs from our ``alertstreams`` app's, so the two sit side by side.
    """

    name = "tom_alertstreams"
    label = "tom_alertstreams"
    verbose_name = "Alert streams (tom-alertstreams paths)"
