"""Prometheus metrics for the web processes: request latency by view, what the apps count, and ``/metrics/``.

Who counts what:

- **Requests** (django-prometheus' middleware): latency, counts and statuses by view name and method. The
  method label is bounded to the methods HTTP defines (django-prometheus labels latency with the method as
  sent, and any uppercase word is a method to gunicorn: a client could otherwise make a new series per
  request).
- **The apps** declare their own metrics next to the code that counts (``dataproducts.metrics``: datums
  stored by route), and values only the database knows are read when Prometheus asks
  (``sharing.metrics``: deliveries waiting and failed per destination), through
  :func:`add_scrape_collector`: such collectors are served here only, never by a process without a web
  endpoint.

Several gunicorn workers: each worker counts in its own memory, and whichever worker answers ``/metrics/``
would show only its own counts. ``tom/gunicorn.py`` therefore gives the workers prometheus_client's
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, one directory per gunicorn master): each worker writes its
counts to files there and ``/metrics/`` sums them all. ``readstreams`` serves its own metrics
(``--metrics-port``), since it is a separate process that may run on another machine.

Access (``METRICS_TOKEN``, ``METRICS_ALLOWED_IPS``): ``/metrics/`` answers a bearer token or an allowed
address; anyone else, and everyone while neither is set, gets a 404.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from .lockout import client_ip
from .permissions import machine

logger = logging.getLogger(__name__)

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

__all__ = ["MetricsBeforeMiddleware", "MetricsAfterMiddleware", "add_scrape_collector", "metrics", "may_scrape"]


class MetricsBeforeMiddleware(PrometheusBeforeMiddleware):
    """First after the health check: the whole request's latency, middleware included."""


class MetricsAfterMiddleware(PrometheusAfterMiddleware):
    """Last: latency and statuses by view; every ``method`` label is one of HTTP's methods or ``other``."""

    def label_metric(self, metric, request, response=None, **labels):
        if "method" in labels and labels["method"] not in HTTP_METHODS:
            labels["method"] = "other"
        return super().label_metric(metric, request, response, **labels)


_scrape_collectors: list = []


def add_scrape_collector(collector) -> None:
    """Serve ``collector`` (an object with ``collect()`` yielding metric families) at ``/metrics/``, run when
    Prometheus asks. For values read from the database: one query per scrape, whichever worker answers."""
    if not any(c is collector for c in _scrape_collectors):
        _scrape_collectors.append(collector)


class _Exposition:
    """What ``/metrics/`` shows: every gunicorn worker's counts (multiprocess mode) or this process's, then the
    scrape-time collectors. A collector that fails is left out of this scrape, logged, not a 500."""

    def collect(self):
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            yield from MultiProcessCollector(None).collect()
        else:
            yield from REGISTRY.collect()
        for collector in _scrape_collectors:
            try:
                families = list(collector.collect())
            except Exception:  # noqa: BLE001 - a database hiccup must not hide every other metric
                logger.warning("Metrics: %s failed; left out of this scrape.", type(collector).__name__,
                               exc_info=True)
                continue
            yield from families


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def may_scrape(request) -> bool:
    """``Authorization: Bearer <METRICS_TOKEN>``, or a client address in ``METRICS_ALLOWED_IPS`` (seen as the login
    throttle sees it: through ``TRUSTED_PROXY_COUNT`` proxies)."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
        return True
    networks = _networks(tuple(settings.METRICS_ALLOWED_IPS))
    if networks:
        address = client_ip(request)
        if address and any(ipaddress.ip_address(address) in network for network in networks):
            return True
    return False


@machine(may_scrape)
def metrics(request):
    """Prometheus' text format (``/metrics/``)."""
    response = HttpResponse(generate_latest(_Exposition()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
