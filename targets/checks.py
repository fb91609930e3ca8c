"""``manage.py check`` refuses a ``VISIBILITY_SITES`` the visibility section could not use, naming the site and field."""
from __future__ import annotations

from django.core import checks

from .visibility.sites import SiteError, configured_sites


@checks.register("targets")
def visibility_sites_valid(app_configs=None, **kwargs):
    try:
        configured_sites()
    except SiteError as exc:
        return [checks.Error(str(exc), hint="Fix the entry in VISIBILITY_SITES (or VISIBILITY_SITES_JSON).",
                             id="targets.E001")]
    return []
