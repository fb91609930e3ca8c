"""Continuous sharing into a real TOM Toolkit 3.1.0 server: the target goes first, then each new batch, once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth.models import Permission

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums
from sharing.continuous import create_persistent_share
from sharing.models import Delivery, ShareRecord
from targets.services import create_target
from tests.conftest import sidereal

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]


def light_curve(n: int, first: int) -> list[dict]:
    start = datetime(2025, 3, 1, tzinfo=timezone.utc)
    return [parse_datum({"data_type": "photometry", "timestamp": (start + timedelta(hours=first + i)).isoformat(),
                         "value": {"magnitude": 17 + i / 10, "error": 0.05, "filter": "r", "telescope": "LCO"}})
            for i in range(n)]


def test_new_data_flow_into_a_toolkit_peer_once_each(settings, toolkit_server, users, editors):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_SHARING = {"toolkit": {"DISPLAY_NAME": "Toolkit", "BASE_URL": toolkit_server.url,
                                         "USERNAME": toolkit_server.username, "PASSWORD": toolkit_server.password}}
    editors.permissions.add(*Permission.objects.filter(
        content_type__app_label="sharing", codename__in=["add_persistentshare", "view_persistentshare"]))
    target = create_target(users["editor"], sidereal("AT 2026cont", 40.5, -12.25, aliases=["ZTF26cont"]))

    share = create_persistent_share(users["editor"], target, "toolkit", share_existing_data=True)
    remote = toolkit_server.get("api/targets/", name_fuzzy="AT 2026cont")["results"]
    assert len(remote) == 1  # created there though it had no data yet
    remote_id = remote[0]["id"]

    save_datums(target, light_curve(20, 0), origin="manual", user=users["editor"])
    assert toolkit_server.get("api/reduceddatums/", target__id=remote_id, limit=1)["count"] == 20
    save_datums(target, light_curve(25, 0), origin="manual", user=users["editor"])  # 5 new, 20 known here
    assert toolkit_server.get("api/reduceddatums/", target__id=remote_id, limit=1)["count"] == 25

    records = ShareRecord.objects.filter(via="continuous").order_by("id")
    assert [(r.outcome, r.created_count, r.existing_count) for r in records] == [
        ("sent", 0, 0), ("sent", 20, 0), ("sent", 5, 0)]
    assert set(Delivery.objects.filter(share=share).values_list("status", flat=True)) == {"sent"}
    share.refresh_from_db()
    assert (share.sent_count, share.last_error) == (25, "")

    # A TOM Toolkit gives no id at /api/, so nothing is held back from it as an echo (sharing.echoes): what it
    # already holds and gets again is answered "already exists" and stored once (the data a TOM Toolkit shared
    # with us, sent back, are in that case).
    assert share.peer_id is None
    share.delete()
    again = create_persistent_share(users["editor"], target, "toolkit", share_existing_data=True)
    record = ShareRecord.objects.filter(via="continuous").order_by("id").last()
    assert (record.outcome, record.created_count, record.existing_count) == ("sent", 0, 25)
    assert toolkit_server.get("api/reduceddatums/", target__id=remote_id, limit=1)["count"] == 25
    again.refresh_from_db()
    assert (again.peer_id, again.skipped_count) == (None, 0)
