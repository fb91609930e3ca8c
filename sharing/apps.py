from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        from . import checks  # noqa: F401  (registers the DATA_SHARING system check)
        from dataproducts.signals import datums_created

        from .continuous import queue_new_data

        datums_created.connect(queue_new_data, dispatch_uid="sharing.continuous.queue_new_data")
