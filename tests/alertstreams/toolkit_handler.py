"""A handler as a TOM Toolkit user writes one in their own code: it wraps the TOM Toolkit's Hermes handler."""
from tom_dataproducts.alertstreams.hermes import hermes_alert_handler


def only_photometry(alert, metadata):
    if alert.content.get("data", {}).get("photometry"):
        hermes_alert_handler(alert, metadata)
