"""Outbound calls to destinations that misbehave, over real loopback HTTP: redirects, slow drips, floods, mirrors.

A share follows no redirect, ends by its deadline (SHARING_DEADLINE_SECONDS) whatever the peer does, reads a
bounded answer, and stores the peer's words short and without our credentials.
"""
from __future__ import annotations

import base64
from urllib.parse import quote_plus

import pytest

from dataproducts.services import save_datums
from sharing.continuous.shares import create_persistent_share
from sharing.errors import MESSAGE_MAX
from sharing.models import Delivery, PersistentShare
from sharing.services import share_target
from tests.continuous.conftest import photometry
from tests.security.hostile_peer import HostilePeer

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "s3cret+pass/word=x&y"


@pytest.fixture
def peers():
    started = []

    def start(mode: str, **options) -> HostilePeer:
        peer = HostilePeer(mode, **options).start()
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


def destination(settings, peer: HostilePeer, key: str = "hostile") -> str:
    settings.DATA_SHARING = {key: {"DISPLAY_NAME": "Hostile", "BASE_URL": peer.url, "USERNAME": "peer",
                                   "PASSWORD": PASSWORD}}
    return key


def test_a_redirect_is_not_followed_and_the_other_service_receives_nothing(settings, peers, users, target):
    other = peers("recorder")
    key = destination(settings, peers("redirect", redirect_to=other.url))
    record = share_target(users["editor"], target, key).record
    assert record.outcome == "failed"
    assert "answered HTTP 307, a redirect to" in record.message and "redirects are not followed" in record.message
    assert "stored what it was sent" not in record.message
    assert other.received == []


def test_a_redirect_stops_a_continuous_share_for_good(settings, peers, immediate, sharer, target):
    other = peers("recorder")
    key = destination(settings, peers("redirect", redirect_to=other.url))
    share = create_persistent_share(sharer, target, key, share_existing_data=True)
    share.refresh_from_db()
    assert "redirects are not followed" in share.last_error and share.retry_at is None  # permanent
    assert Delivery.objects.get(share=share).status == "failed"
    assert other.received == []


@pytest.mark.parametrize("mode", ["drip-headers", "drip-body"])
def test_a_slow_drip_ends_in_a_failed_share_by_the_deadline(settings, peers, users, target, mode):
    settings.SHARING_DEADLINE_SECONDS = 2
    peer = peers(mode)  # 400 bytes at 4 a second: 100 s, unless the share hangs up
    key = destination(settings, peer)
    record = share_target(users["editor"], target, key).record
    assert record.outcome == "failed"
    assert record.message == ("Hostile did not finish answering within 2 s (SHARING_DEADLINE_SECONDS, for the "
                              "whole share); stopped.")
    assert peer.cut_off.wait(30), "the share hung up before the peer was done"
    assert peer.sent < 400


def test_a_slow_drip_is_retried_later_by_continuous_sharing(settings, peers, immediate, sharer, target):
    settings.SHARING_DEADLINE_SECONDS = 2
    key = destination(settings, peers("drip-body"))
    share = create_persistent_share(sharer, target, key)
    save_datums(target, photometry(2), origin="manual", user=sharer)
    share = PersistentShare.objects.get(pk=share.pk)
    assert "did not finish answering within 2 s" in share.last_error
    assert share.retry_at is not None and Delivery.objects.get(share=share).status == "pending"


def test_a_flood_is_read_only_up_to_the_bound(settings, peers, users, target):
    peer = peers("flood")
    record = share_target(users["editor"], target, destination(settings, peer)).record
    assert record.outcome == "failed"
    assert record.message == "Hostile answered with more than 20 MiB; the answer was not read."
    assert peer.cut_off.wait(30)
    assert peer.sent < 200 * 2**20


def test_a_huge_error_answer_is_quoted_short(settings, peers, users, target):
    key = destination(settings, peers("reflect", pad=5 * 2**20))
    record = share_target(users["editor"], target, key).record
    assert record.outcome == "failed" and record.message.startswith("Creating the target failed (HTTP 400): ")
    assert len(record.message) < 400 and "\n" not in record.message


@pytest.mark.parametrize("token", ["", "tok-secret-123456"])
def test_answers_that_repeat_our_credentials_never_reach_the_record(settings, peers, users, target, token):
    """A TOM Toolkit-like peer (no bulk endpoint) that mirrors each datum's request in its 400, headers included:
    HTTP Basic, or the API token it handed out (asked for from 20 datums on)."""
    key = destination(settings, peers("reflect", targets_ok=True, token=token))
    save_datums(target, photometry(25), origin="manual")
    record = share_target(users["editor"], target, key, data="photometry").record
    assert record.outcome == "partial" and record.failed_count == 25
    basic = base64.b64encode(f"peer:{PASSWORD}".encode()).decode()
    for secret in (PASSWORD, quote_plus(PASSWORD), basic, token or PASSWORD):
        assert secret not in record.message
    assert f"Authorization: {'Token' if token else 'Basic'} ***" in record.message
    assert len(record.message) <= MESSAGE_MAX


def test_hermes_answers_that_repeat_the_api_key_are_masked(settings, peers, users, target):
    peer = peers("reflect-json")
    settings.DATA_SHARING = {"hermes": {"DISPLAY_NAME": "Hermes", "BASE_URL": peer.url,
                                        "HERMES_API_KEY": "hermes-secret-key-123", "USER_TOPICS": ["hermes.test"]}}
    save_datums(target, [{**d, "telescope": "LCO"} for d in photometry(1)], origin="manual")
    record = share_target(users["editor"], target, "hermes", data="photometry").record
    assert record.outcome == "failed" and peer.received  # it was asked, and answered with our key in it
    assert "hermes-secret-key-123" not in record.message and "Token ***" in record.message
    assert len(record.message) <= MESSAGE_MAX


def test_a_huge_reason_from_hermes_is_stored_bounded(settings, peers, users, target):
    peer = peers("huge-field-errors", pad=100_000)
    settings.DATA_SHARING = {"hermes": {"DISPLAY_NAME": "Hermes", "BASE_URL": peer.url, "HERMES_API_KEY": "k",
                                        "USER_TOPICS": ["hermes.test"]}}
    save_datums(target, [{**d, "telescope": "LCO"} for d in photometry(1)], origin="manual")
    record = share_target(users["editor"], target, "hermes", data="photometry").record
    assert record.outcome == "failed" and "would refuse the message" in record.message
    assert "data.photometry[0].telescope: xxx" in record.message and len(record.message) <= MESSAGE_MAX


def test_a_peer_that_lies_about_ids_fails_the_share_in_words(settings, peers, users, target):
    record = share_target(users["editor"], target, destination(settings, peers("liar"))).record
    assert record.outcome == "failed"
    assert record.message.startswith("Hostile answered with '../../admin/' where a target id belongs")


def test_counts_a_peer_cannot_have_are_not_believed(settings, peers, immediate, sharer, target):
    """2**40 created of 4 sent, -3 already there: counted within what was sent (they are stored, and summed)."""
    key = destination(settings, peers("liar-counts"))
    share = create_persistent_share(sharer, target, key)
    save_datums(target, photometry(4), origin="manual", user=sharer)  # sent continuously
    share = PersistentShare.objects.get(pk=share.pk)
    assert (share.peer_id, share.sent_count, share.last_error) == (None, 4, "")  # an id that is no UUID: none
    record = share_target(sharer, target, key, data="photometry").record  # and once more, by hand
    assert (record.outcome, record.created_count, record.existing_count, record.failed_count) == ("sent", 4, 0, 0)


def test_a_deadline_that_passed_stops_the_next_call_at_once():
    from sharing.clients.http import Deadline, call, new_session
    from sharing.errors import SharingError

    deadline = Deadline(0)
    with pytest.raises(SharingError, match="did not finish answering within 0 s"):
        call(new_session(), "GET", "http://127.0.0.1:9/", name="Nobody", where="here", timeout=(5, 5),
             deadline=deadline)
