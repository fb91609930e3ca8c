from django.apps import AppConfig

from . import lookups


class TomConfig(AppConfig):
    name = "tom"
    verbose_name = "TOM"

    def ready(self) -> None:
        lookups.register()
