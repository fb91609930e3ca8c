"""How API callers prove who they are: HTTP Basic (what TOM Toolkit senders use), tokens, and the session.

HTTP Basic sends the password with every request, and checking a Django
password hash costs ~0.2 s by design, which capped a TOM Toolkit receiver at
about 4 requests a second. Here a successful check is remembered, in this
process, under a keyed hash of (username, password, the stored password
hash): the next request with the same credentials costs a dictionary lookup
and one query for the user. Changing the password changes the stored hash,
so a remembered check never outlives it; entries also expire.

Wrong passwords are throttled per account and address (``core.lockout``,
django-axes): a locked-out address is refused before the hash is checked.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBasicAuth, SessionAuth

from . import lockout
from .models import ApiToken, token_digest

VERIFIED_TTL = 300.0  # seconds a verified password is remembered
VERIFIED_MAX = 10_000
USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username


class _VerifiedCredentials:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[bytes, float] = {}

    def key(self, username: str, password: str, stored_hash: str) -> bytes:
        message = "\0".join((username, password, stored_hash)).encode()
        return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()

    def __contains__(self, key: bytes) -> bool:
        with self._lock:
            expiry = self._entries.get(key)
            if expiry is None:
                return False
            if expiry < time.monotonic():
                del self._entries[key]
                return False
            return True

    def add(self, key: bytes) -> None:
        with self._lock:
            if len(self._entries) >= VERIFIED_MAX:
                self._entries.clear()
            self._entries[key] = time.monotonic() + VERIFIED_TTL

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


verified = _VerifiedCredentials()


def authenticate_basic(request, username: str, password: str):
    """The active user these credentials prove, or None (a failure counted against this address).

    A locked-out address is refused (``lockout.LockedOut``, an HTTP 429) before any lookup, the
    remembered-password cache included: otherwise a guesser could keep guessing at no cost and be let in
    the moment a guess matched a remembered password.
    """
    if len(username) > USERNAME_MAX_LENGTH:
        return None  # no account can have this name: nothing to guess, nothing to count
    lockout.check_not_locked_out(request, username)
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not user.password:
        get_user_model()().set_password(password)  # same cost as a real check: no user enumeration by timing
        lockout.record_failure(request, username)
        return None
    key = verified.key(username, password, user.password)
    if key in verified:
        return user
    if user.check_password(password):
        verified.add(verified.key(username, password, user.password))  # check_password may upgrade the hash
        return user
    lockout.record_failure(request, username)
    return None


class BasicAuth(HttpBasicAuth):
    def authenticate(self, request, username: str, password: str):
        if "\x00" in username:  # PostgreSQL cannot compare text holding NUL: a 400, not a 500
            raise HttpError(400, "The HTTP Basic username may not contain NUL (\\u0000) characters.")
        user = authenticate_basic(request, username, password)
        if user is not None:
            request.user = user
        return user


class TokenAuth(APIKeyHeader):
    """``Authorization: Token <key>`` (the TOM Toolkit's scheme); ``Bearer <key>`` works too."""

    param_name = "Authorization"
    openapi_description = "Authorization: Token <key> (create keys on the API tokens page)"

    def authenticate(self, request, key: str | None):
        if not key:
            return None
        scheme, _, value = key.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not value.strip():
            return None
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(value.strip())).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        request.user = token.user
        return token.user


class SessionCsrfAuth(SessionAuth):
    """The logged-in browser session (htmx pages), with Django's CSRF check on unsafe methods."""

    def __init__(self):
        super().__init__(csrf=True)


API_AUTH = [BasicAuth(), TokenAuth(), SessionCsrfAuth()]
