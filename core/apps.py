from django.apps import AppConfig
from django.conf import settings

from . import lookups
from .astropy_offline import configure as configure_astropy
from .logs import capture_stray_output
from .production import refuse_weak_secret_key


class CoreConfig(AppConfig):
    name = "core"
    # The label the app's tables, permissions and migration history were created with (``tom``, when these models
    # lived in the project's package): keeping it means no migration.
    label = "tom"
    verbose_name = "TOM"

    def ready(self) -> None:
        # tom/settings.py refused a weak key from the environment; a local_settings.py may have changed either.
        refuse_weak_secret_key(settings.DEBUG, settings.ALLOWED_HOSTS, settings.SECRET_KEY)
        lookups.register()
        configure_astropy()
        capture_stray_output(getattr(settings, "LOG_FORMAT", "text"))  # JSON logs: warnings and crashes as JSON too
        # System checks register when their module is imported, and the TOM_ID check reads the identity model:
        # Django's place for importing them is ready(), once the models are loaded.
        from . import checks  # noqa: F401
