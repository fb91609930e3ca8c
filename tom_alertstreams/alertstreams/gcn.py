"""``tom_alertstreams.alertstreams.gcn``: the GCN Classic over Kafka stream and its example handler."""
from __future__ import annotations

from alertstreams.handlers import gcn_alert_logger as alert_logger
from alertstreams.streams import GCNClassicAlertStream

__all__ = ["GCNClassicAlertStream", "alert_logger"]
