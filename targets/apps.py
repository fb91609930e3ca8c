from django.apps import AppConfig

from . import checks  # noqa: F401  (registers the VISIBILITY_SITES system check; imports no models)


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = "Targets"
