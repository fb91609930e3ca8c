from django.apps import AppConfig


class DataProductsConfig(AppConfig):
    name = "dataproducts"
    verbose_name = "Data products"

    def ready(self):
        # ReducedDatum rows written the TOM Toolkit's way (no ingest) are stored through services.save_datums,
        # which imports the models: the queryset is handed the module that does it once everything is loaded.
        from . import toolkit_writes
        from .models import ReducedDatumQuerySet

        ReducedDatumQuerySet.toolkit_writes = toolkit_writes
