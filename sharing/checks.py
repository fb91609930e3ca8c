"""``manage.py check`` says which DATA_SHARING destinations are not configured, and why."""
from django.core import checks

from .destinations import destinations


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
