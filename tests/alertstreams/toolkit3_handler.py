"""A handler as a TOM Toolkit 3.x user writes one in their own code: it wraps tom-hermes' handler (a package this
project does not provide; readstreams knows its dotted path only)."""
from tom_hermes.alertstreams.ingester import hermes_alert_handler


def only_photometry(alert, metadata):
    if alert.content.get("data", {}).get("photometry"):
        hermes_alert_handler(alert, metadata)
