from django.apps import AppConfig


class AlertstreamsConfig(AppConfig):
    name = "alertstreams"
    verbose_name = "Alert streams"
