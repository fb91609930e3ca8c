"""Talking to another TOM's REST API: one of ours (bulk endpoint), or a TOM Toolkit TOM (one POST per datum).

One session per share (one kept-alive connection), explicit timeouts on every
call and one deadline for the whole share, no redirects followed
(``clients.http``), credentials only in the session's auth (never in a
message). A peer that answers ``GET /api/`` as one of ours gets the bulk
endpoint; a TOM Toolkit peer gets one POST per datum.

Every request says who sends it: ``X-TOM-Name`` (our ``TOM_NAME``, for people)
and ``X-TOM-Id`` (our identity, ``core.identity``), which the receiver records
with the data so that it never sends them back to us (``sharing.echoes``).
"""
from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

import orjson
from django.conf import settings
from django.utils.translation import ngettext

from core.identity import tom_id
from dataproducts.files import StorageUnavailable, store_errors

from ..counts import REASONS_KEPT, Arrival, Counts
from ..errors import SharingError
from .http import Deadline, Reply, call, new_session, words

TIMEOUT = (5, 60)  # connect, read (seconds)
BULK_CHUNK = 10_000
TOKEN_FROM = 20  # datums: from this many on, a TOM Toolkit peer is asked for an API token (see _use_token)


class TomAccount(Protocol):
    """What the client needs of a destination (``sharing.destinations.TomDestination`` is one)."""

    display_name: str
    base_url: str
    username: str
    password: str
    problems: tuple[str, ...]

    @property
    def configured(self) -> bool: ...

    @property
    def secrets(self) -> tuple[str, ...]: ...


class TomClient:
    def __init__(self, destination: TomAccount, deadline: Deadline | None = None):
        if not destination.configured:
            raise SharingError(f"{destination.display_name} is not configured: {' '.join(destination.problems)}",
                               permanent=True)
        self.destination = destination
        self.base = destination.base_url
        self.deadline = deadline or Deadline()
        self.secrets: tuple[str, ...] = destination.secrets
        self.session = new_session()
        self.session.auth = (destination.username, destination.password)
        self.session.headers.update({"Accept": "application/json", "X-TOM-Name": settings.TOM_NAME,
                                     "X-TOM-Id": tom_id()})
        self._about: dict | None = None

    def close(self) -> None:
        self.session.close()
        self.deadline.close()

    def _send(self, method: str, path: str, **kwargs) -> Reply:
        return call(self.session, method, self.base + path, name=self.destination.display_name, where=self.base,
                    timeout=TIMEOUT, deadline=self.deadline, secrets=self.secrets, **kwargs)

    def _call(self, method: str, path: str, **kwargs) -> Reply:
        response = self._send(method, path, **kwargs)
        if response.status_code in (401, 403):
            raise SharingError(f"{self.destination.display_name} refused our credentials "
                               f"(HTTP {response.status_code}).", permanent=True)
        return response

    @staticmethod
    def _json(response) -> dict:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def about(self) -> dict:
        """What the peer says at GET /api/: one of ours names itself there (a TOM Toolkit lists its routes)."""
        if self._about is None:
            response = self._call("GET", "api/")
            self._about = self._json(response) if response.status_code == 200 else {}
        return self._about

    @property
    def is_ours(self) -> bool:
        """Whether the peer is one of ours (it answers GET /api/ describing itself)."""
        return self.about().get("software") == "tom"

    def find_target(self, names: list[str]) -> int | None:
        """Look each name up separately (primary first); more than one distinct match is ambiguous."""
        found: set[int] = set()
        for name in names:
            response = self._call("GET", f"api/targets/?name_fuzzy={quote(name, safe='')}")
            if response.status_code != 200:
                raise SharingError(f"Looking up {name!r} failed (HTTP {response.status_code}).")
            results = self._json(response).get("results")
            found |= {self._remote_id(r.get("id")) for r in (results if isinstance(results, list) else [])
                      if isinstance(r, dict) and "id" in r}
        if len(found) > 1:
            raise SharingError(f"{len(found)} targets in {self.destination.display_name} match these names; "
                               "nothing was sent.", permanent=True)
        return found.pop() if found else None

    def create_target(self, body: dict) -> int:
        response = self._call("POST", "api/targets/", json=body)
        if response.status_code != 201:
            raise SharingError(f"Creating the target failed (HTTP {response.status_code}): "
                               f"{response.excerpt()}", permanent=response.status_code == 400)
        return self._remote_id(self._json(response).get("id"))

    def _remote_id(self, value) -> int:
        """A target id the peer gave: an integer (it goes into the paths of the next calls), or a failed share."""
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
            return value
        raise SharingError(f"{self.destination.display_name} answered with {words(repr(value), self.secrets, 60)} "
                           "where a target id belongs; nothing more was sent.")

    def add_to_lists(self, remote_id: int, lists: list[str]) -> None:
        response = self._call("PATCH", f"api/targets/{remote_id}/", json={"target_lists": [{"name": n} for n in lists]})
        if response.status_code != 200:
            raise SharingError(f"Adding the target to its lists failed (HTTP {response.status_code}).")

    def send_product(self, remote_id: int, product) -> Arrival:
        """Upload one data product file (multipart, no observation_record); created, existing or failed."""
        try:
            with store_errors("reading the file"):
                handle = product.data.open("rb")
        except StorageUnavailable as exc:
            raise SharingError(f"{product.filename}: {exc}") from None  # not permanent: a later try may work
        with handle:
            response = self._call("POST", "api/dataproducts/", data={
                "target": str(remote_id), "data_product_type": product.data_product_type,
                "product_id": product.product_id or ""}, files={"file": (product.filename, handle)})
        if response.status_code == 201:
            return "created"
        if response.status_code == 200 or (response.status_code == 400 and "already" in response.excerpt().lower()):
            return "existing"
        return "failed"

    def _use_token(self, remote_id: int) -> None:
        """Swap HTTP Basic for the peer's API token when it hands one out (``POST api/token-auth/``, which TOM
        Toolkit TOMs serve). A TOM Toolkit checks a Basic password with PBKDF2 on every request (0.3-0.4 s of
        CPU here: 2-4 datums per second); a token costs it one indexed lookup. A peer without the endpoint, one
        that refuses it (MFA required), or whose token is refused (expired) keeps getting Basic."""
        try:
            response = self._send("POST", "api/token-auth/", data={
                "username": self.destination.username, "password": self.destination.password})
        except SharingError:  # no answer: keep Basic (a deadline that passed stops the next call too)
            return
        token = self._json(response).get("token") if response.status_code == 200 else None
        if not isinstance(token, str) or not token:
            return
        self.secrets = (*self.secrets, token)
        basic = self.session.auth
        self.session.auth = None
        self.session.headers["Authorization"] = f"Token {token}"
        try:
            check = self._send("GET", f"api/targets/{remote_id}/")
        except SharingError:
            check = None
        if check is None or check.status_code != 200:
            del self.session.headers["Authorization"]
            self.session.auth = basic

    def _reason(self, text, limit: int = 200) -> str:
        return words(text, self.secrets, limit)

    @staticmethod
    def _count(body: dict, key: str, most: int) -> int:
        """A count the peer reported, believed only within what was sent (it is stored, and summed)."""
        value = body.get(key, 0)
        return min(max(value, 0), most) if isinstance(value, int) and not isinstance(value, bool) else 0

    def send_datums(self, remote_id: int, datums: list[dict]) -> Counts:
        """What became of the datums; the bulk endpoint for one of ours, else one POST each.

        A call that fails after some datums went (the share's deadline passed, the peer went away) ends the
        sending: the rest count as failed, with the reason first, and what went is counted as sent.
        """
        counts = Counts()
        reasons: list[str] = []
        done = 0
        try:
            if self.is_ours:
                for start in range(0, len(datums), BULK_CHUNK):
                    chunk = datums[start:start + BULK_CHUNK]
                    # orjson: 10x faster than requests' json= (the standard library) on 10,000 datums
                    response = self._call("POST", "api/reduceddatums/bulk/", data=orjson.dumps(
                        {"target": remote_id, "datums": chunk}), headers={"Content-Type": "application/json"})
                    done += len(chunk)
                    if response.status_code != 200:
                        counts.failed += len(chunk)
                        reasons.append(f"HTTP {response.status_code}: {response.excerpt(200)}")
                        continue
                    body = self._json(response)
                    created = self._count(body, "created", len(chunk))
                    existing = self._count(body, "existing", len(chunk) - created)
                    counts.created += created
                    counts.existing += existing
                    counts.failed += len(chunk) - created - existing
                    errors = body.get("errors")
                    reasons += [self._reason(e.get("reason", "")) for e in (errors if isinstance(errors, list) else [])[:5]
                                if isinstance(e, dict)]
            else:
                answered_500 = 0
                if len(datums) >= TOKEN_FROM:
                    self._use_token(remote_id)
                for datum in datums:
                    response = self._call("POST", "api/reduceddatums/", json={**datum, "target": remote_id})
                    done += 1
                    body = self._json(response)
                    if response.status_code == 201:
                        counts.created += 1
                    elif response.status_code == 200 and body.get("already_exists"):
                        counts.existing += 1
                    elif response.status_code == 500:
                        counts.existing += 1  # a 2.x receiver answers a duplicate with 500: probably already there
                        answered_500 += 1
                    else:
                        counts.failed += 1
                        reasons.append(f"HTTP {response.status_code}: {response.excerpt(200)}")
                if answered_500:
                    # Said, not hidden: a 3.x receiver answers 500 for what it cannot store (photometry without a
                    # bandpass), not for a duplicate.
                    reasons.insert(0, f"{answered_500} answered HTTP 500, counted as probably already there (how a "
                                      "TOM Toolkit 2.x answers a duplicate)")
        except SharingError as exc:
            if not done:
                raise
            counts.failed += len(datums) - done
            unsent = len(datums) - done
            reasons.insert(0, f"{exc.message} "
                           + ngettext("%(count)d datum not sent", "%(count)d datums not sent", unsent) % {"count": unsent})
        counts.reasons = reasons[:REASONS_KEPT]
        return counts
