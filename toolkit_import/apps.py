from django.apps import AppConfig


class ToolkitImportConfig(AppConfig):
    name = "toolkit_import"
    verbose_name = "TOM Toolkit import"
