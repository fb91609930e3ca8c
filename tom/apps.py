from django.apps import AppConfig


class TomConfig(AppConfig):
    name = "tom"
    verbose_name = "TOM"

    def ready(self):
        from . import checks  # noqa: F401  (registers the TOM_ID system check)
