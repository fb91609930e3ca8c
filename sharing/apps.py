from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save, pre_delete


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        # Imported when the apps are ready, as Django's convention for checks and signal receivers is (their
        # modules import models).
        from . import checks  # noqa: F401  (registers the DATA_SHARING and TOM_NAME system checks)
        from dataproducts.signals import datums_created

        from .continuous.pausing import owner_deleted, owner_saved
        from .continuous.queue import queue_new_data

        datums_created.connect(queue_new_data, dispatch_uid="sharing.continuous.queue_new_data")
        # A continuous share sends in its owner's name: deactivating or deleting the owner pauses it at once.
        post_save.connect(owner_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="sharing.continuous.owner_saved")
        pre_delete.connect(owner_deleted, sender=settings.AUTH_USER_MODEL,
                           dispatch_uid="sharing.continuous.owner_deleted")
        from core.metrics import add_scrape_collector

        from .metrics import DeliveriesCollector

        add_scrape_collector(DeliveriesCollector())  # deliveries waiting/failed per destination, at /metrics/
