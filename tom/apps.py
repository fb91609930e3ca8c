from django.apps import AppConfig

from .astropy_offline import configure as configure_astropy


class TomConfig(AppConfig):
    name = "tom"
    verbose_name = "TOM"

    def ready(self):
        configure_astropy()
