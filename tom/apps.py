from django.apps import AppConfig

from .astropy_offline import configure as configure_astropy


class TomConfig(AppConfig):
    name = "tom"
    verbose_name = "TOM"

    def ready(self):
        configure_astropy()
        # System checks register on import, and this one reads the database's identity model: Django's
        # documented place for that is ready(), once the models are loaded.
        from . import checks  # noqa: F401
