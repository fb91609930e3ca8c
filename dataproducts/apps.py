from django.apps import AppConfig


class DataProductsConfig(AppConfig):
    name = "dataproducts"
    verbose_name = "Data products"

    def ready(self):
        # Signal receivers connect once the models are loaded: Django's place for it is ready().
        from .metrics import count_stored
        from .signals import datums_created

        datums_created.connect(count_stored, dispatch_uid="dataproducts.metrics.count_stored")
