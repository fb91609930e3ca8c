"""gunicorn's settings for this TOM: ``gunicorn tom.wsgi:application --config python:tom.gunicorn`` (the Procfile's
``web`` line, and the systemd unit in docs/deploy.md).

From the environment, like every other setting:

- ``WEB_BIND`` (default ``127.0.0.1:$PORT``, ``PORT`` defaulting to 8000): where to listen; behind a reverse
  proxy on the same machine, loopback. Several addresses: comma-separated.
- ``WEB_CONCURRENCY`` worker processes (default 2) × ``WEB_THREADS`` threads each (default 4), gthread workers:
  a request waiting on the database or a peer holds a thread, not a process.
- ``WEB_TIMEOUT`` (default 120 s): a worker silent for longer is restarted (an upload's processing counts).
- ``WEB_ACCESS_LOG`` (default false): one line per request (JSON with ``LOG_FORMAT=json``: method, path, status,
  duration_ms, request_id). A reverse proxy usually logs requests already.

Metrics: the workers count in prometheus_client's multiprocess mode, in a directory of this master's own (made at
start, removed at exit), so ``/metrics/`` sums every worker's counts whichever worker answers (core/metrics.py).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile

from core.logs import LOG_FORMATS, capture_stray_output, formatter_for


def _whole_number(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip() or str(default)
    if not text.isdigit() or int(text) < 1:
        sys.exit(f"Error: {name} must be a whole number of at least 1, not {text!r}.")
    return int(text)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


bind = [part.strip() for part in (os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT') or 8000}")
        .split(",") if part.strip()]
worker_class = "gthread"
workers = _whole_number("WEB_CONCURRENCY", 2)
threads = _whole_number("WEB_THREADS", 4)
timeout = _whole_number("WEB_TIMEOUT", 120)
graceful_timeout = 20  # SIGTERM: requests in progress get this long to finish
keepalive = 5

log_format = os.environ.get("LOG_FORMAT", "").strip() or "text"
if log_format not in LOG_FORMATS:
    sys.exit(f"Error: LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
loglevel = (os.environ.get("LOG_LEVEL", "").strip() or "info").lower()
if _flag("WEB_ACCESS_LOG"):
    accesslog = "-"
    access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss %({x-request-id}o)s'
if log_format == "json":
    # gunicorn's own lines (workers booting, timeouts) and its access log as JSON objects too, on stderr.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"tom": formatter_for("json")},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "tom", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO" if _flag("WEB_ACCESS_LOG") else "WARNING", "handlers": ["console"],
                                "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["console"]},  # the master's own uncaught errors (tom.uncaught)
    }
    capture_stray_output(log_format)  # the master never loads the app: its own crash would be a raw traceback


def on_starting(server) -> None:
    """Before any worker: a fresh directory for the workers' metrics (an old one would add a past run's counts)."""
    directory = tempfile.mkdtemp(prefix="tom-web-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory  # inherited by every worker, which imports the app after
    server.tom_metrics_dir = directory
    # Imported now, not in child_exit: gunicorn calls that from its SIGCHLD handler, where an import can meet one
    # the interrupted main thread was making. Not earlier either: prometheus_client picks its multiprocess mode
    # from the variable above when first imported, and the workers inherit the module.
    from prometheus_client import multiprocess

    server.tom_mark_process_dead = multiprocess.mark_process_dead


def child_exit(server, worker) -> None:
    """A worker is gone: its live gauges go with it (its counters stay: totals never go back)."""
    server.tom_mark_process_dead(worker.pid)


def on_exit(server) -> None:
    shutil.rmtree(getattr(server, "tom_metrics_dir", ""), ignore_errors=True)
