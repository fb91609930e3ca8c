"""Continuous sharing tests: users with the persistentshare permissions, the immediate task backend, peers."""
from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Permission

from tests.api.conftest import api_as, forget_verified_passwords  # noqa: F401  (fixtures, for this package)
from tests.sharing.conftest import PEER_PASSWORD, second_tom  # noqa: F401  (the fixture, for this package)

SHARE_PERMS = ("view_persistentshare", "add_persistentshare", "delete_persistentshare")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def sharer(users, editors):
    """The editors may change the target; with the three model permissions they may share it continuously."""
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="sharing", codename__in=SHARE_PERMS))
    return users["editor"]


@pytest.fixture
def immediate(settings):
    """Deliveries run right after the data commit, in this process (tests not about the stored queue)."""
    settings.TASKS = IMMEDIATE
    settings.CONTINUOUS_SHARING_RETRY_SECONDS = 30


@pytest.fixture
def to_second(settings, second_tom):  # noqa: F811
    settings.DATA_SHARING = {"second": {"DISPLAY_NAME": "Second", "BASE_URL": second_tom.url, "USERNAME": "peer",
                                        "PASSWORD": PEER_PASSWORD}}
    return second_tom


_minutes = itertools.count(0, 10_000)


def photometry(n: int, band: str = "g") -> list[dict]:
    """``n`` new canonical photometry datums (what ``save_datums`` takes): never made before in this run.

    Peers live as long as a test module, so every call gets times of its own.
    """
    first = next(_minutes)
    from datetime import datetime, timedelta, timezone

    from dataproducts.datums import parse_datum

    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return [parse_datum({"data_type": "photometry", "timestamp": (start + timedelta(minutes=first + i)).isoformat(),
                         "value": {"magnitude": 15 + i / 1000, "error": 0.01, "filter": band, "telescope": "LCO"}})
            for i in range(n)]
