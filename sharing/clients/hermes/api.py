"""The Hermes web API: validate a message, then submit it; the answer carries its UUID.

``POST {BASE_URL}api/v0/submit_message/`` with ``Authorization: Token <key>``
publishes a message and answers 200 with it and its ``uuid``, or 400 with a
tree of field errors (flattened here into ``data.photometry[3].telescope:
...`` so people can read them). ``.../validate/`` always answers 200: its
body, empty or not, is the verdict. The key lives in the session's headers
only, never in a message or a log line. Calls go through ``clients.http``: no
redirects followed, one deadline for the share, answers read within a bound.
"""
from __future__ import annotations

from typing import Protocol

from ...errors import SharingError, summary
from ..http import Deadline, Reply, call, new_session, words

TIMEOUT = (5, 120)  # connect, read (seconds): Hermes publishes to Kafka before it answers
SUBMIT = "api/v0/submit_message/"
VALIDATE = "api/v0/submit_message/validate/"


def field_errors(tree, where: str = "", depth: int = 0) -> list[str]:
    """A DRF error tree as lines: ``data.photometry[3].telescope: Must have ...`` (nesting followed 20 deep)."""
    if depth > 20 and isinstance(tree, (dict, list)):
        return [f"{where}: (nested too deep to show)"]
    if isinstance(tree, dict):
        lines = []
        for key, value in tree.items():
            path = where if key == "non_field_errors" else (f"{where}.{key}" if where else str(key))
            lines += field_errors(value, path, depth + 1)
        return lines
    if isinstance(tree, list):
        if all(isinstance(item, str) for item in tree):
            return [f"{where}: {item}" if where else item for item in tree]
        lines = []
        for index, item in enumerate(tree):
            lines += field_errors(item, f"{where}[{index}]", depth + 1)
        return lines
    if tree in (None, ""):
        return []
    return [f"{where}: {tree}" if where else str(tree)]


class HermesAccount(Protocol):
    """What the client needs of a destination (``sharing.destinations.HermesDestination`` is one)."""

    display_name: str
    base_url: str
    api_key: str

    @property
    def secrets(self) -> tuple[str, ...]: ...


class HermesApi:
    def __init__(self, destination: HermesAccount, deadline: Deadline | None = None):
        self.destination = destination
        self.name = destination.display_name
        self.deadline = deadline or Deadline()
        self.session = new_session()
        self.session.headers.update({"Authorization": f"Token {destination.api_key}",
                                     "Accept": "application/json"})

    def close(self) -> None:
        self.session.close()
        self.deadline.close()

    def _post(self, path: str, message: dict) -> Reply:
        response = call(self.session, "POST", self.destination.base_url + path, name=self.name,
                        where=self.destination.base_url, timeout=TIMEOUT, deadline=self.deadline,
                        secrets=self.destination.secrets, json=message)
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
            return words(body["detail"], self.destination.secrets)
        return words(response.reason or "", self.destination.secrets)

    def validate(self, message: dict) -> list[str]:
        """Hermes' own verdict on a message: the problems it lists (none when the body is empty)."""
        response = self._post(VALIDATE, message)
        body = self._body(response)
        if response.status_code != 200 or not isinstance(body, dict):
            raise SharingError(f"{self.name} could not validate the message (HTTP {response.status_code}).",
                               permanent=response.status_code < 500)
        return [words(line, self.destination.secrets) for line in field_errors(body)]

    def submit(self, message: dict) -> str:
        """Publish one message; its UUID, or a SharingError with Hermes' field errors."""
        response = self._post(SUBMIT, message)
        body = self._body(response)
        if response.status_code == 400:
            problems = ([words(line, self.destination.secrets) for line in field_errors(body)] if body is not None
                        else [response.excerpt()])
            raise SharingError(f"{self.name} rejected the message: {summary(problems)}", permanent=True)
        if response.status_code != 200 or not isinstance(body, dict):
            raise SharingError(f"{self.name} answered HTTP {response.status_code}; the message was not published.",
                               permanent=False)
        if body.get("error"):  # e.g. an account without a SCiMMA credential: 200 with {"error": ...}
            raise SharingError(f"{self.name} did not publish the message: "
                               f"{words(body['error'], self.destination.secrets)}",
                               permanent=True)
        if not body.get("uuid"):
            raise SharingError(f"{self.name} answered without a message UUID; it may not have been published.")
        return words(body["uuid"], (), 100)
