"""Logs as one line per event: plain text (the default) or one JSON object per line (``LOG_FORMAT=json``).

A traceback spread over twenty lines is twenty events to journald, a log shipper or ``grep``; here it stays
inside its event's line (folded in text, the ``exc`` field in JSON). Every process (gunicorn and its workers,
``db_worker``, ``readstreams``, commands) logs through :func:`logging_config`, so one setting gives one format.

In JSON each line holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, and where known
``request_id``, ``method``, ``path`` and ``status`` (a request's log lines: Django's ``django.request`` errors,
gunicorn's access log), ``exc`` (the traceback) and ``pid``. Request ids come from :class:`RequestIdMiddleware`:
the proxy's ``X-Request-ID`` when it is a plain token, else a new one, sent back in the answer, so a user's
report, the proxy's log and ours can be matched.
"""
from __future__ import annotations

import contextvars
import logging
import re
import sys
import threading
import uuid
from datetime import datetime, timezone

import orjson

LOG_FORMATS = ("text", "json")
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # a proxy's id is kept only if it is a plain token
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("tom_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Give each request an id (the proxy's ``X-Request-ID`` if it is a plain token), for its log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response.headers.setdefault(REQUEST_ID_HEADER, request_id)
        return response


def _request_fields(record: logging.LogRecord) -> dict:
    """What a record knows about its request: Django's ``request``/``status_code`` extras, gunicorn's access atoms."""
    fields = {}
    request_id = getattr(record, "request_id", "") or current_request_id()
    if request_id:
        fields["request_id"] = request_id
    request = getattr(record, "request", None)
    if request is not None and hasattr(request, "path"):
        fields["method"] = getattr(request, "method", "")
        fields["path"] = request.path
        fields.setdefault("request_id", getattr(request, "request_id", ""))
    status = getattr(record, "status_code", None)
    if status is not None:
        fields["status"] = status
    if record.name == "gunicorn.access" and isinstance(record.args, dict):  # gunicorn's atoms: m, U, s, L (seconds)
        atoms = record.args
        fields.update(method=atoms.get("m", ""), path=atoms.get("U", ""), status=_int(atoms.get("s")),
                      duration_ms=_ms(atoms.get("L")))
        request_id = atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i")
        if request_id and request_id != "-":
            fields["request_id"] = request_id
    return {k: v for k, v in fields.items() if v not in ("", None)}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ms(seconds):
    try:
        return round(float(seconds) * 1000, 3)
    except (TypeError, ValueError):
        return None


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; never raises (a value JSON cannot hold becomes its ``str``)."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the event
            message = f"{record.msg!r} {record.args!r}"
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            **_request_fields(record),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class OneLineFormatter(logging.Formatter):
    """The message as today (``%(message)s``), with a traceback or embedded line breaks folded into the line."""

    def format(self, record: logging.LogRecord) -> str:
        return fold(super().format(record))


def fold(text: str) -> str:
    """``text`` on one line: each line break becomes `` ⏎ `` (readable, and never mistaken for a new event)."""
    return " ⏎ ".join(line for line in text.splitlines() if line.strip()) if "\n" in text or "\r" in text else text


def formatter_for(log_format: str) -> dict:
    """The ``formatters`` entry (logging's dictConfig) for ``LOG_FORMAT``."""
    return {"()": JsonFormatter} if log_format == "json" else {"()": OneLineFormatter}


def logging_config(log_format: str, level: str) -> dict:
    """Django's ``LOGGING``: one handler on stderr with the chosen formatter, for every logger."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"tom": formatter_for(log_format)},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "tom"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "INFO"},
            "axes": {"level": "WARNING"},  # one line per failed login (and one per lockout), not axes' INFO chatter
        },
    }


def _log_uncaught(kind, value, tb) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger("tom.uncaught").critical("Uncaught %s: %s", kind.__name__, value, exc_info=(kind, value, tb))


def capture_stray_output(log_format: str) -> None:
    """With JSON logs, Python's own warnings and an uncaught exception's traceback go through logging too, so
    every line on stderr is a JSON object (called once per process, from the tom app's ``ready``)."""
    if log_format != "json":
        return
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("tom.uncaught").critical("Uncaught %s in thread %s: %s", args.exc_type.__name__, name,
                                               args.exc_value, exc_info=(args.exc_type, args.exc_value,
                                                                         args.exc_traceback))
