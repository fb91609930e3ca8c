from __future__ import annotations

import base64

import pytest
from django.test import Client

from core.auth import verified


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture(autouse=True)
def forget_verified_passwords():
    verified.clear()
    yield
    verified.clear()


@pytest.fixture
def api_as(users):
    """A client that sends HTTP Basic credentials of the named role on every request (as TOM Toolkit senders do)."""
    passwords = {"outsider": "pw-outsider", "viewer": "pw-viewer", "editor": "pw-editor", "superuser": "pw-root"}

    def make(role: str) -> Client:
        if role == "anonymous":
            return Client()
        username = users[role].username
        return Client(headers=basic(username, passwords[role]))

    return make
