"""``tom_alertstreams.alertstreams.hopskotch``: the HOPSKOTCH stream and tom-alertstreams' example handlers."""
from __future__ import annotations

from alertstreams.handlers import alert_logger, heartbeat_handler
from alertstreams.streams import HopskotchAlertStream

__all__ = ["HopskotchAlertStream", "alert_logger", "heartbeat_handler"]
