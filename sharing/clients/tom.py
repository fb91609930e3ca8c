"""Talking to another TOM's REST API exactly as shared/WIRE.md §2 says: one of ours, or a TOM Toolkit TOM.

One ``requests.Session`` per share (one kept-alive connection), explicit
timeouts on every call, credentials only in the session's auth (never in a
message). A peer that answers ``GET /api/`` as one of ours gets the bulk
endpoint; a TOM Toolkit peer gets one POST per datum.
"""
from __future__ import annotations

from urllib.parse import quote

import orjson
import requests
from django.conf import settings

from ..destinations import TomDestination
from ..errors import SharingError
from .http import call

TIMEOUT = (5, 60)  # connect, read (seconds)
BULK_CHUNK = 10_000
TOKEN_FROM = 20  # datums: from this many on, a TOM Toolkit peer is asked for an API token (see _use_token)


class TomClient:
    def __init__(self, destination: TomDestination):
        if not destination.configured:
            raise SharingError(f"{destination.display_name} is not configured: {' '.join(destination.problems)}",
                               permanent=True)
        self.destination = destination
        self.base = destination.base_url
        self.session = requests.Session()
        self.session.auth = (destination.username, destination.password)
        self.session.headers.update({"Accept": "application/json", "X-TOM-Name": settings.TOM_NAME})
        self._about: dict | None = None

    def close(self) -> None:
        self.session.close()

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        response = call(self.session, method, self.base + path, name=self.destination.display_name,
                        where=self.base, timeout=TIMEOUT, **kwargs)
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
            found |= {r["id"] for r in self._json(response).get("results", []) if "id" in r}
        if len(found) > 1:
            raise SharingError(f"{len(found)} targets in {self.destination.display_name} match these names; "
                               "nothing was sent.", permanent=True)
        return found.pop() if found else None

    def create_target(self, body: dict) -> int:
        response = self._call("POST", "api/targets/", json=body)
        if response.status_code != 201:
            raise SharingError(f"Creating the target failed (HTTP {response.status_code}): "
                               f"{response.text[:300]}", permanent=response.status_code == 400)
        return self._json(response)["id"]

    def add_to_lists(self, remote_id: int, lists: list[str]) -> None:
        response = self._call("PATCH", f"api/targets/{remote_id}/", json={"target_lists": [{"name": n} for n in lists]})
        if response.status_code != 200:
            raise SharingError(f"Adding the target to its lists failed (HTTP {response.status_code}).")

    def send_product(self, remote_id: int, product) -> str:
        """Upload one data product file (multipart, no observation_record); created, existing or failed."""
        with product.data.open("rb") as handle:
            response = self._call("POST", "api/dataproducts/", data={
                "target": str(remote_id), "data_product_type": product.data_product_type,
                "product_id": product.product_id or ""}, files={"file": (product.filename, handle)})
        if response.status_code == 201:
            return "created"
        if response.status_code == 200 or (response.status_code == 400 and "already" in response.text.lower()):
            return "existing"
        return "failed"

    def _use_token(self, remote_id: int) -> None:
        """Swap HTTP Basic for the peer's API token when it hands one out (``POST api/token-auth/``, which TOM
        Toolkit TOMs serve). A TOM Toolkit checks a Basic password with PBKDF2 on every request (0.3-0.4 s of
        CPU here: 2-4 datums per second); a token costs it one indexed lookup. A peer without the endpoint, one
        that refuses it (MFA required), or whose token is refused (expired) keeps getting Basic."""
        try:
            response = self.session.post(self.base + "api/token-auth/", timeout=TIMEOUT, data={
                "username": self.destination.username, "password": self.destination.password})
        except requests.RequestException:
            return
        token = self._json(response).get("token") if response.status_code == 200 else None
        if not isinstance(token, str) or not token:
            return
        basic = self.session.auth
        self.session.auth = None
        self.session.headers["Authorization"] = f"Token {token}"
        try:
            check = self.session.get(self.base + f"api/targets/{remote_id}/", timeout=TIMEOUT)
        except requests.RequestException:
            check = None
        if check is None or check.status_code != 200:
            del self.session.headers["Authorization"]
            self.session.auth = basic

    def send_datums(self, remote_id: int, datums: list[dict]) -> dict:
        """Counts of created / existing / failed; the bulk endpoint for one of ours, else one POST each."""
        counts = {"created": 0, "existing": 0, "failed": 0}
        reasons: list[str] = []
        if self.is_ours:
            for start in range(0, len(datums), BULK_CHUNK):
                chunk = datums[start:start + BULK_CHUNK]
                # orjson: 10x faster than requests' json= (the standard library) on 10,000 datums
                response = self._call("POST", "api/reduceddatums/bulk/", data=orjson.dumps(
                    {"target": remote_id, "datums": chunk}), headers={"Content-Type": "application/json"})
                if response.status_code != 200:
                    counts["failed"] += len(chunk)
                    reasons.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    continue
                body = self._json(response)
                counts["created"] += body.get("created", 0)
                counts["existing"] += body.get("existing", 0)
                counts["failed"] += body.get("rejected", 0)
                reasons += [e.get("reason", "") for e in body.get("errors", [])[:5]]
        else:
            answered_500 = 0
            if len(datums) >= TOKEN_FROM:
                self._use_token(remote_id)
            for datum in datums:
                response = self._call("POST", "api/reduceddatums/", json={**datum, "target": remote_id})
                body = self._json(response)
                if response.status_code == 201:
                    counts["created"] += 1
                elif response.status_code == 200 and body.get("already_exists"):
                    counts["existing"] += 1
                elif response.status_code == 500:
                    counts["existing"] += 1  # a 2.x receiver answers a duplicate with 500: probably already there
                    answered_500 += 1
                else:
                    counts["failed"] += 1
                    reasons.append(f"HTTP {response.status_code}: {response.text[:200]}")
            if answered_500:
                # Said, not hidden: a 3.x receiver answers 500 for what it cannot store (photometry without a
                # bandpass), not for a duplicate.
                reasons.insert(0, f"{answered_500} answered HTTP 500, counted as probably already there (how a "
                                  "TOM Toolkit 2.x answers a duplicate)")
        counts["reasons"] = reasons[:5]
        return counts
