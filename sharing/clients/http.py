"""One HTTP call to a destination, its failures in words: every client of a peer service goes through here.

Timeouts, refused connections and broken answers become a ``SharingError`` naming the destination (never
the credentials, which live only in the session); what the status code means is left to the caller.
"""
from __future__ import annotations

import requests

from ..errors import SharingError


def call(session: requests.Session, method: str, url: str, *, name: str, where: str, timeout,
         **kwargs) -> requests.Response:
    try:
        return session.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout:
        raise SharingError(f"{name} did not answer in time.") from None
    except requests.ConnectionError:
        raise SharingError(f"Could not reach {name} at {where}.") from None
    except requests.RequestException as exc:  # a broken answer, a bad URL: in words, without secrets
        raise SharingError(f"Talking to {name} failed: {type(exc).__name__}.") from None
