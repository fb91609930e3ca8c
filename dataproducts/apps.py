from django.apps import AppConfig


class DataProductsConfig(AppConfig):
    name = "dataproducts"
    verbose_name = "Data products"
