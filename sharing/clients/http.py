"""One HTTP call to a destination, its failures in words: every client of a peer service goes through here.

Whatever the peer answers, a call here:

- **follows no redirect.** A 3xx is a failed call naming the status: a redirect once re-posted a target body
  to another local service, whose answer then showed up in the share's record. Destinations are reached at
  their configured ``BASE_URL`` and nowhere else.
- **ends by the share's deadline.** requests' timeouts are per socket read, so a peer that sends one byte
  every few seconds held a share for minutes. A share holds one :class:`Deadline` (``SHARING_DEADLINE_SECONDS``)
  for all its calls; a watchdog thread shuts the sockets of the share's calls down when it passes, whether the
  call is connecting, waiting for the headers or reading the body, and the call fails saying so.
- **reads at most** ``MAX_REPLY_BYTES`` of an answer, and hands back a :class:`Reply` whose ``excerpt()`` is
  the only way a peer's own words reach a message: bounded, on one line, without our secrets.

Timeouts, refused connections and broken answers become a ``SharingError`` naming the destination (never
the credentials, which live only in the session); what a status code means is left to the caller.
"""
from __future__ import annotations

import contextvars
import socket
import threading
import time
from dataclasses import dataclass, field

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..errors import SharingError, deadline_seconds, scrub

MAX_REPLY_BYTES = 20 * 2**20  # a bulk answer for 10,000 datums is ~0.2 MB; nothing we read is larger
READ_CHUNK = 64 * 1024
EXCERPT = 300  # characters of a peer's answer quoted in a message


class Deadline:
    """The time one share may spend talking to its destination, all calls together.

    Sockets used while the deadline is :meth:`active` are registered with it; when it passes, a watchdog
    thread (started with the first call, ended by :meth:`close`) shuts them down, which makes a read that
    is blocked on a slow peer return at once.
    """

    def __init__(self, seconds: float | None = None):
        self.seconds = float(seconds if seconds is not None else deadline_seconds())
        self.ends = time.monotonic() + self.seconds
        self._passed = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._watchdog: threading.Thread | None = None

    def remaining(self) -> float:
        return max(self.ends - time.monotonic(), 0.0)

    @property
    def passed(self) -> bool:
        return self._passed.is_set() or time.monotonic() >= self.ends

    def message(self, name: str) -> str:
        return (f"{name} did not finish answering within {self.seconds:g} s (SHARING_DEADLINE_SECONDS, "
                "for the whole share); stopped.")

    def register(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if sock not in self._sockets:
                self._sockets.append(sock)
        if self.passed:
            self._shut(sock)

    def active(self) -> "_Active":
        """``with deadline.active():`` around a call: its sockets are watched (and the watchdog is running)."""
        with self._lock:
            if self._watchdog is None and not self._closed.is_set():
                self._watchdog = threading.Thread(target=self._watch, name="sharing-deadline", daemon=True)
                self._watchdog.start()
        return _Active(self)

    def close(self) -> None:
        """The share is over: stop the watchdog and forget the sockets (the session closes them)."""
        self._closed.set()
        with self._lock:
            self._sockets.clear()

    def _watch(self) -> None:
        if self._closed.wait(self.remaining()):
            return
        self._passed.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            # The plain socket's shutdown (an SSLSocket's own would drop its TLS state under the reading thread).
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("sharing_deadline", default=None)


class _Active:
    def __init__(self, deadline: Deadline):
        self.deadline = deadline

    def __enter__(self) -> Deadline:
        self._token = _current.set(self.deadline)
        return self.deadline

    def __exit__(self, *exc) -> None:
        _current.reset(self._token)


def _register(sock) -> None:
    deadline = _current.get()
    if deadline is not None:
        deadline.register(sock)


class _WatchedHTTPConnection(HTTPConnection):
    """urllib3's connection, with its socket registered with the deadline of the call using it."""

    def connect(self) -> None:
        super().connect()
        _register(self.sock)

    def request(self, *args, **kwargs) -> None:  # a kept-alive connection is not connected again
        _register(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)

    def request(self, *args, **kwargs) -> None:
        _register(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def new_session() -> requests.Session:
    """A session for one share: kept-alive connections whose sockets the share's deadline can shut down."""
    session = requests.Session()
    adapter = _WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass
class Reply:
    """A peer's answer, read whole (within the limits): what the clients look at."""

    status_code: int
    reason: str
    content: bytes
    encoding: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    def json(self):
        """The body as JSON; ``ValueError`` when it is not."""
        return orjson.loads(self.content)

    def excerpt(self, limit: int = EXCERPT) -> str:
        """The answer as words for a message: our secrets masked, on one line, at most ``limit`` characters."""
        return words(self.text, self.secrets, limit)


def words(text: str, secrets=(), limit: int = EXCERPT) -> str:
    """Text a peer chose (an answer, a reason it gave), fit to quote: secrets masked, one line, bounded."""
    text = " ".join(scrub(str(text), secrets).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _redirect(response: requests.Response, name: str, secrets) -> SharingError:
    where = words(response.headers.get("Location", ""), secrets, 200)
    return SharingError(f"{name} answered HTTP {response.status_code}, a redirect{f' to {where}' if where else ''}; "
                        "redirects are not followed (check the destination's BASE_URL), so nothing was sent there.",
                        permanent=True)


def _read(response: requests.Response, deadline: Deadline, name: str) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(READ_CHUNK):
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise SharingError(f"{name} answered with more than {MAX_REPLY_BYTES // 2**20} MiB; the answer was not "
                               "read.")
        chunks.append(chunk)
        if deadline.passed:
            raise SharingError(deadline.message(name))
    return b"".join(chunks)


def call(session: requests.Session, method: str, url: str, *, name: str, where: str, timeout: tuple[float, float],
         deadline: Deadline, secrets: tuple[str, ...] = (), **kwargs) -> Reply:
    """One request, its whole answer read (see the module's docstring); a ``SharingError`` in words otherwise."""
    if deadline.passed:
        raise SharingError(deadline.message(name))
    connect, read = timeout
    left = max(deadline.remaining(), 0.001)
    try:
        with deadline.active():
            response = session.request(method, url, timeout=(min(connect, left), min(read, left)),
                                        allow_redirects=False, stream=True, **kwargs)
            try:
                if 300 <= response.status_code < 400:
                    raise _redirect(response, name, secrets)
                content = _read(response, deadline, name)
            finally:
                response.close()
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        if deadline.passed:
            raise SharingError(deadline.message(name)) from None
        if isinstance(exc, requests.Timeout):
            raise SharingError(f"{name} did not answer in time.") from None
        if isinstance(exc, requests.ConnectionError):
            raise SharingError(f"Could not reach {name} at {where}.") from None
        # a broken answer, a bad URL: in words, without secrets
        raise SharingError(f"Talking to {name} failed: {type(exc).__name__}.") from None
    return Reply(response.status_code, response.reason or "", content, response.encoding, tuple(secrets))
