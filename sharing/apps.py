from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        from . import checks  # noqa: F401  (registers the DATA_SHARING system check)
