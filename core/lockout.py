"""Password guessing is throttled (django-axes), on the login page and for HTTP Basic alike.

Failures are counted per account *and* address, and per address
(``AXES_LOCKOUT_PARAMETERS``): after ``LOGIN_FAILURE_LIMIT`` failures within
``LOGIN_COOLOFF_MINUTES`` of each other, that address may not try that account
(or, past the same count over all accounts, any account) until the cool-off
has passed since its last failure. Counting per address too is what keeps a
guesser elsewhere from locking out a TOM Toolkit peer that sends the right
password from its own address; a lock on the account alone would let anyone
stop a peer's sharing.

The login page goes through ``django.contrib.auth.authenticate``, where axes'
backend and middleware do the work. HTTP Basic checks passwords itself
(``core.auth``: a verified password is remembered per process), so it asks
here *before* the ~250 ms hash check whether the address is locked out (a
locked-out guess then costs a query, not a hash) and reports each failure to
axes through Django's ``user_login_failed`` signal, like a failed login.

Each failure is logged as one line (``axes`` logger, WARNING), with the
account name and address, never the password. The address is the
connection's own unless ``TRUSTED_PROXY_COUNT`` says how many reverse proxies
append to ``X-Forwarded-For`` in front of this TOM (see :func:`client_ip`).
"""
from __future__ import annotations

import ipaddress
import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from ninja.errors import HttpError

from .errors import is_api_path


class LockedOut(HttpError):
    """Too many failed logins from this address (for this account, or for any): an HTTP 429."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(429, lockout_message(retry_after))


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address failures are counted against (``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` is N > 0: then the N-th address from the right of
    ``X-Forwarded-For``, the one our outermost trusted proxy appended (whatever a client put before it is
    ignored: anyone can send the header). Behind a proxy without this setting every client has the
    proxy's address, and a guesser's failures lock out everyone.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            address = _valid_ip(forwarded[-count])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How a client appears in axes' log lines (``AXES_CLIENT_STR_CALLABLE``): escaped, one line."""
    return f"{{username: {username!r}, address: {ip_address}, path: {str(path_info)[:200]!r}}}"


def _credentials(username: str) -> dict:
    return {"username": username}


def _counts_every_failure_by_address() -> bool:
    return all("ip_address" in ([p] if isinstance(p, str) else p) for p in settings.AXES_LOCKOUT_PARAMETERS)


def check_not_locked_out(request: HttpRequest, username: str) -> None:
    """Raise :class:`LockedOut` if this address may not try ``username`` now (no password hash either way).

    Every lockout count includes the address, so an address without a failure within the cool-off (a peer
    sending the right password: nearly every request) cannot be locked out, and one indexed query says so;
    axes' own check (a query per count, and its Python, a third of such a request's time) runs only for an
    address that failed lately.
    """
    AxesProxyHandler.update_request(request)  # the address and time axes will use
    cool_off = get_cool_off(request)
    if cool_off is not None and _counts_every_failure_by_address():
        recent = AccessAttempt.objects.filter(ip_address=request.axes_ip_address,
                                              attempt_time__gte=request.axes_attempt_time - cool_off)
        if not recent.exists():
            return
    if not AxesProxyHandler.is_allowed(request, _credentials(username)):
        raise LockedOut(retry_after_seconds(request))


def record_failure(request: HttpRequest, username: str) -> None:
    """A wrong password for ``username`` (or an unknown account) from this request's address; raise
    :class:`LockedOut` if it was the failure that reached the limit."""
    user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(retry_after_seconds(request))


def retry_after_seconds(request: HttpRequest) -> int:
    """Seconds until this address may try again: the cool-off after its latest recorded failure
    (an upper bound when only the account's count, not the address's, is over the limit)."""
    cool_off = get_cool_off(request)
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    latest = AccessAttempt.objects.filter(ip_address=address).aggregate(latest=Max("attempt_time"))["latest"]
    if cool_off is None or latest is None:
        return int(cool_off.total_seconds()) if cool_off else 3600
    return max(1, math.ceil((latest + cool_off - timezone.now()).total_seconds()))


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def lockout_message(retry_after: int) -> str:
    return f"Too many failed logins from your address: try again in {_in_words(retry_after)}."


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out login gets (``AXES_LOCKOUT_CALLABLE``): the login page saying so, JSON under the APIs;
    HTTP 429 with ``Retry-After``."""
    seconds = retry_after_seconds(request)
    message = lockout_message(seconds)
    if is_api_path(request.path):
        response = JsonResponse({"detail": message, "retry_after": seconds}, status=429)
    else:
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = AuthenticationForm(request, initial={"username": username[:150]})
        response = render(request, "registration/login.html", {
            "form": form, "locked_out": message, "next": request.POST.get("next") or request.GET.get("next", ""),
        }, status=429)
    response["Retry-After"] = str(seconds)
    return response
