"""``tom_dataproducts.alertstreams.hermes.hermes_alert_handler`` (stream-pub-sub.rst's ``TOPIC_HANDLERS`` value, and
what a TOM Toolkit user's own handler imports): our Hermes handler, ``alertstreams.hermes.hermes_alert_handler``."""
from __future__ import annotations

from alertstreams.hermes import hermes_alert_handler

__all__ = ["hermes_alert_handler"]
