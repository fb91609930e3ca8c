"""Echoes are decided by where data came from (an id the sender claimed, the stream), never by a name.

In this process (immediate task backend) against a second TOM of ours over real HTTP. The second TOM's id is
what it answers at its own GET /api/.
"""
from __future__ import annotations

import json
import uuid

import pytest

from core.identity import tom_id
from dataproducts.models import Ingest, Origin
from dataproducts.services import save_datums
from sharing.continuous.shares import create_persistent_share
from sharing.destinations import HermesDestination, TomDestination
from sharing.echoes import echo_rule
from sharing.models import PersistentShare, ShareRecord
from tests.continuous.conftest import photometry
from tests.continuous.test_delivery import remote_count

pytestmark = pytest.mark.django_db(transaction=True)


def bulk(client, target, datums, **headers):
    body = {"target": target.pk, "datums": [{"data_type": "photometry", "timestamp": d["timestamp"].isoformat(),
                                             "value": {"magnitude": d["brightness"], "filter": d["bandpass"]}}
                                            for d in datums]}
    return client.post("/api/reduceddatums/bulk/", json.dumps(body), content_type="application/json",
                       headers=headers)


def test_our_own_data_go_even_when_this_tom_has_the_destinations_name(immediate, settings, to_second, sharer,
                                                                     target):
    """Names were the echo rule: data made here carry TOM_NAME as their source, so with a peer of the same name
    nothing of ours was ever sent ("Sent 0, Not sent back n")."""
    settings.TOM_NAME = "Second TOM"
    share = create_persistent_share(sharer, target, "second")
    before = remote_count(to_second, target.name)
    save_datums(target, photometry(7), origin="manual", user=sharer)
    share.refresh_from_db()
    assert (share.sent_count, share.skipped_count, share.last_error) == (7, 0, "")
    assert remote_count(to_second, target.name) == before + 7


def test_a_claim_holds_back_only_the_claimers_own_data(immediate, api_as, to_second, sharer, target):
    """An API caller claiming the destination's id (and name) keeps what it sends from going there; it cannot
    stop our own data, nor another caller's, and a name alone decides nothing."""
    second_id = to_second.get("api/")["id"]
    share = create_persistent_share(sharer, target, "second")
    before = remote_count(to_second, target.name)
    caller = api_as("editor")
    assert bulk(caller, target, photometry(3), **{"X-TOM-Id": second_id, "X-TOM-Name": "Second TOM"}).status_code == 200
    assert bulk(caller, target, photometry(2), **{"X-TOM-Name": "Second TOM"}).status_code == 200  # a name only
    assert bulk(caller, target, photometry(4), **{"X-TOM-Id": str(uuid.uuid4())}).status_code == 200  # another TOM
    save_datums(target, photometry(5), origin="manual", user=sharer)  # ours
    share.refresh_from_db()
    assert (share.sent_count, share.skipped_count, share.last_error) == (2 + 4 + 5, 3, "")
    assert remote_count(to_second, target.name) == before + 11


def test_a_claimed_id_is_recorded_with_the_account_and_a_bad_one_is_a_400(api_as, users, target):
    claimed = uuid.uuid4()
    assert bulk(api_as("editor"), target, photometry(1), **{"X-TOM-Id": str(claimed)}).status_code == 200
    ingest = Ingest.objects.get()
    assert (ingest.origin, ingest.user, ingest.claimed_tom_id) == (Origin.API, users["editor"], claimed)
    response = bulk(api_as("editor"), target, photometry(1), **{"X-TOM-Id": "not-an-id"})
    assert response.status_code == 400 and "Not a UUID" in response.json()["X-TOM-Id"][0]
    assert Ingest.objects.count() == 1


def test_our_client_sends_our_id_and_the_receiver_records_it(immediate, to_second, sharer, target):
    create_persistent_share(sharer, target, "second")
    save_datums(target, photometry(2), origin="manual", user=sharer)
    recorded = to_second.manage("shell", "-c", (
        "from dataproducts.models import Ingest\n"
        "i = Ingest.objects.order_by('-pk').first(); print('LAST', i.origin, i.user.username, i.claimed_tom_id)"))
    assert f"LAST api peer {tom_id()}" in recorded  # the second TOM lives for the module: its newest ingest


def test_the_destinations_id_is_learnt_at_its_own_base_url_once(immediate, to_second, sharer, target):
    share = create_persistent_share(sharer, target, "second")
    assert share.peer_id is None
    save_datums(target, photometry(1), origin="manual", user=sharer)
    share.refresh_from_db()
    assert str(share.peer_id) == to_second.get("api/")["id"] and share.peer_name == "Second TOM"
    assert ShareRecord.objects.get(via="continuous").outcome == "sent"


def test_what_counts_as_coming_from_a_destination():
    peer = uuid.uuid4()
    tom = TomDestination("t", "T", "http://127.0.0.1:9/", username="u", password="p")
    hermes = HermesDestination("h", "H", "", topics=("t",), broker_url="kafka://x/", broker_auth=False)
    assert echo_rule(tom, None) is None  # a TOM Toolkit gives no id: nothing is an echo by id
    assert echo_rule(hermes, None).matches(Ingest(origin=Origin.STREAM))
    rule = echo_rule(tom, peer)
    assert rule.matches(Ingest(origin=Origin.API, claimed_tom_id=peer))
    assert rule.matches(Ingest(origin=Origin.API, claimed_tom_id=str(peer)))
    for ingest in (Ingest(origin=Origin.API, claimed_tom_id=uuid.uuid4()), Ingest(origin=Origin.API),
                   Ingest(origin=Origin.API, received_from="T"), Ingest(origin=Origin.UPLOAD, claimed_tom_id=peer),
                   Ingest(origin=Origin.MANUAL), Ingest(origin=Origin.STREAM)):
        assert not rule.matches(ingest), ingest
    assert not echo_rule(hermes, None).matches(Ingest(origin=Origin.API))
    assert PersistentShare._meta.get_field("peer_id").null
