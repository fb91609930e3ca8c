"""``manage.py check`` says which DATA_SHARING destinations are not configured, and why; and warns about a
``TOM_NAME`` that tells this TOM apart from nobody (the default) or from a destination (the same name)."""
from __future__ import annotations

from django.conf import settings
from django.core import checks

from .destinations import destinations

DEFAULT_TOM_NAME = "TOM"


@checks.register("sharing")
def data_sharing_configured(app_configs=None, **kwargs):
    return [
        checks.Warning(
            f"DATA_SHARING[{d.key!r}] ({d.display_name}) is not configured: {' '.join(d.problems)}",
            hint="Set the missing values (usually through the environment) or remove the entry.",
            id="sharing.W001",
        )
        for d in destinations().values() if not d.configured
    ]


@checks.register("sharing")
def tom_name_tells_this_tom_apart(app_configs=None, **kwargs):
    """Names decide nothing here (``sharing.echoes`` goes by ids), but people read them: in a peer's list
    ``Imported From <TOM_NAME>``, as the ``source_name`` of data made here, as ``shared_from``."""
    name = str(getattr(settings, "TOM_NAME", "") or "").strip()
    if name == DEFAULT_TOM_NAME:
        return [checks.Warning(
            f"TOM_NAME is still the default {DEFAULT_TOM_NAME!r}: peers cannot tell this TOM's data from another's "
            "by name.", hint="Set TOM_NAME (in the environment) to a name of its own, e.g. your project's.",
            id="sharing.W002")]
    same = [d for d in destinations().values() if name.casefold() in (d.key.casefold(), d.display_name.casefold())]
    return [checks.Warning(
        f"TOM_NAME {name!r} is also the name of the destination DATA_SHARING[{d.key!r}] ({d.display_name}): "
        "people will not tell data made here from data that came from there.",
        hint="Give this TOM, or the destination's DISPLAY_NAME, another name.", id="sharing.W003") for d in same]
