"""Continuous-sharing deliveries waiting and failed, per destination, read from the Delivery table when
Prometheus asks (``core.metrics.add_scrape_collector``): the queue is in the database, shared by every web and
worker process, so any web process can tell it, with one grouped query per scrape.

``tom_deliveries_waiting``: not sent yet (waiting, backing off, or being sent); ``tom_deliveries_failed``: stopped
for a reason retrying cannot fix, until someone presses "Retry now"; ``tom_deliveries_oldest_waiting_seconds``:
how long the oldest waiting one has waited (a destination that is down for hours shows here first).
"""
from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .destinations import destinations
from .models import Delivery

WAITING = (Delivery.Status.PENDING, Delivery.Status.SENDING)


class DeliveriesCollector:
    def collect(self):
        waiting = GaugeMetricFamily("tom_deliveries_waiting", "Continuous-sharing deliveries not sent yet, per "
                                    "destination", labels=["destination"])
        failed = GaugeMetricFamily("tom_deliveries_failed", "Continuous-sharing deliveries that failed for good "
                                   "(until retried), per destination", labels=["destination"])
        oldest = GaugeMetricFamily("tom_deliveries_oldest_waiting_seconds", "Age of the oldest delivery not sent "
                                   "yet, per destination", labels=["destination"])
        counts = {key: {"waiting": 0, "failed": 0, "oldest": 0.0} for key in destinations()}
        now = timezone.now()
        rows = (Delivery.objects.filter(status__in=[*WAITING, Delivery.Status.FAILED]).order_by()
                .values_list("share__destination", "status").annotate(n=Count("id"), first=Min("created")))
        for key, status, n, first in rows:
            entry = counts.setdefault(key, {"waiting": 0, "failed": 0, "oldest": 0.0})
            if status == Delivery.Status.FAILED:
                entry["failed"] += n
            else:
                entry["waiting"] += n
                entry["oldest"] = max(entry["oldest"], (now - first).total_seconds())
        for key, entry in sorted(counts.items()):
            waiting.add_metric([key], entry["waiting"])
            failed.add_metric([key], entry["failed"])
            oldest.add_metric([key], entry["oldest"])
        yield from (waiting, failed, oldest)
