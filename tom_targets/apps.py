from __future__ import annotations

from django.apps import AppConfig


class TomTargetsConfig(AppConfig):
    """Installed by default (``tom.settings``): its proxy model holds the ``tom_targets.*_persistentshare``
    permissions, and its ``targets_extras`` tag library must be loadable from any template."""

    name = "tom_targets"
    label = "tom_targets"
    verbose_name = "TOM Toolkit names (tom_targets)"
