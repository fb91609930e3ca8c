from django.apps import AppConfig


class DataProductsConfig(AppConfig):
    name = "dataproducts"
    verbose_name = "Data products"

    def ready(self):
        # ReducedDatum rows written the TOM Toolkit's way (no ingest) are stored through services.save_datums,
        # which imports the models: the queryset is handed the module that does it once everything is loaded.
        # Signal receivers connect once the models are loaded too: Django's place for both is ready().
        from . import toolkit_writes
        from .metrics import count_stored
        from .models import ReducedDatumQuerySet
        from .signals import datums_created

        ReducedDatumQuerySet.toolkit_writes = toolkit_writes
        datums_created.connect(count_stored, dispatch_uid="dataproducts.metrics.count_stored")
