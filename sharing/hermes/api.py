"""The Hermes web API (shared/WIRE.md §3): validate a message, then submit it; the answer carries its UUID.

``POST {BASE_URL}api/v0/submit_message/`` with ``Authorization: Token <key>``
publishes a message and answers 200 with it and its ``uuid``, or 400 with a
tree of field errors (flattened here into ``data.photometry[3].telescope:
...`` so people can read them). ``.../validate/`` always answers 200: its
body, empty or not, is the verdict. The key lives in the session's headers
only, never in a message or a log line.
"""
from __future__ import annotations

import requests

from ..clients.http import call
from ..destinations import HermesDestination
from ..errors import SharingError

TIMEOUT = (5, 120)  # connect, read (seconds): Hermes publishes to Kafka before it answers
SUBMIT = "api/v0/submit_message/"
VALIDATE = "api/v0/submit_message/validate/"


def field_errors(tree, where: str = "") -> list[str]:
    """A DRF error tree as lines: ``data.photometry[3].telescope: Must have ...``."""
    if isinstance(tree, dict):
        lines = []
        for key, value in tree.items():
            path = where if key == "non_field_errors" else (f"{where}.{key}" if where else str(key))
            lines += field_errors(value, path)
        return lines
    if isinstance(tree, list):
        if all(isinstance(item, str) for item in tree):
            return [f"{where}: {item}" if where else item for item in tree]
        lines = []
        for index, item in enumerate(tree):
            lines += field_errors(item, f"{where}[{index}]")
        return lines
    if tree in (None, ""):
        return []
    return [f"{where}: {tree}" if where else str(tree)]


def summary(lines: list[str], shown: int = 8) -> str:
    text = "; ".join(lines[:shown])
    return text + (f" (and {len(lines) - shown} more)" if len(lines) > shown else "")


class HermesApi:
    def __init__(self, destination: HermesDestination):
        self.destination = destination
        self.name = destination.display_name
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {destination.api_key}",
                                     "Accept": "application/json"})

    def close(self) -> None:
        self.session.close()

    def _post(self, path: str, message: dict) -> requests.Response:
        response = call(self.session, "POST", self.destination.base_url + path, name=self.name,
                        where=self.destination.base_url, timeout=TIMEOUT, json=message)
        if response.status_code in (401, 403):
            raise SharingError(f"{self.name} refused the API key (HTTP {response.status_code}): "
                               f"{self._detail(response)}", permanent=True)
        return response

    @staticmethod
    def _body(response):
        try:
            return response.json()
        except ValueError:
            return None

    def _detail(self, response) -> str:
        body = self._body(response)
        if isinstance(body, dict) and body.get("detail"):
            return str(body["detail"])[:300]
        return response.reason or ""

    def validate(self, message: dict) -> list[str]:
        """Hermes' own verdict on a message: the problems it lists (none when the body is empty)."""
        response = self._post(VALIDATE, message)
        body = self._body(response)
        if response.status_code != 200 or not isinstance(body, dict):
            raise SharingError(f"{self.name} could not validate the message (HTTP {response.status_code}).",
                               permanent=response.status_code < 500)
        return field_errors(body)

    def submit(self, message: dict) -> str:
        """Publish one message; its UUID, or a SharingError with Hermes' field errors."""
        response = self._post(SUBMIT, message)
        body = self._body(response)
        if response.status_code == 400:
            problems = field_errors(body) if body is not None else [response.text[:300]]
            raise SharingError(f"{self.name} rejected the message: {summary(problems)}", permanent=True)
        if response.status_code != 200 or not isinstance(body, dict):
            raise SharingError(f"{self.name} answered HTTP {response.status_code}; the message was not published.",
                               permanent=False)
        if body.get("error"):  # e.g. an account without a SCiMMA credential: 200 with {"error": ...}
            raise SharingError(f"{self.name} did not publish the message: {str(body['error'])[:300]}",
                               permanent=True)
        if not body.get("uuid"):
            raise SharingError(f"{self.name} answered without a message UUID; it may not have been published.")
        return str(body["uuid"])
