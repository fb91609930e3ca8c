from django.apps import AppConfig
from django.conf import settings

from . import checks, lookups  # noqa: F401  (checks: registers the deployment check on import)
from .production import refuse_weak_secret_key


class TomConfig(AppConfig):
    name = "tom"
    verbose_name = "TOM"

    def ready(self) -> None:
        # tom/settings.py refused a weak key from the environment; a local_settings.py may have changed either.
        refuse_weak_secret_key(settings.DEBUG, settings.ALLOWED_HOSTS, settings.SECRET_KEY)
        lookups.register()
