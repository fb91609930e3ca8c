"""``/healthz/``: is this process able to serve? One cheap query, a JSON answer, nothing else.

Load balancers and process supervisors ask it every few seconds, often by IP address and over plain HTTP.
So :class:`HealthCheckMiddleware` answers it first, before the host check (a probe's ``Host`` is the
machine's address, not a name in ``ALLOWED_HOSTS``), the HTTPS redirect, sessions, login and metrics:
it touches no session, sets no cookie and says nothing but ``ok`` or what is down. The URL pattern serves
the same answer where the middleware is left out.

The database is the one dependency without which no page works; Kafka and peers are not checked (a TOM
whose broker is down still serves its pages; readstreams reports that itself).
"""
from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz/"


def database_reachable() -> bool:
    """One ``SELECT 1`` on the default database; False (and the connection dropped) if it fails."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except DatabaseError as exc:
        # The error's text names the host and account at most (never a password): for the operator's log only.
        logger.warning("Health check: the database is unreachable (%s: %s)", type(exc).__name__,
                       str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        try:
            connection.close()  # the next probe connects afresh instead of reusing a broken connection
        except DatabaseError:
            pass
        return False


def health_response() -> JsonResponse:
    """200 ``{"status": "ok"}``, or 503 naming what is down (never why: that is in the log)."""
    if database_reachable():
        response = JsonResponse({"status": "ok"})
    else:
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """First in ``MIDDLEWARE``: ``GET``/``HEAD /healthz/`` is answered here, whatever the ``Host``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return health_response()
        return self.get_response(request)
