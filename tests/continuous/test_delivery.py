"""Continuous sharing in this process (immediate task backend) against a second TOM of ours over real HTTP."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dataproducts.models import Ingest, ReducedDatum
from dataproducts.services import save_datums, save_datums_many
from sharing.continuous import delivery, queue
from sharing.continuous import continuous_share_data
from sharing.continuous.shares import create_persistent_share, retry_now
from sharing.models import Delivery, PersistentShare, ShareRecord
from targets.services import TargetInput, create_target
from tests.continuous.conftest import photometry

pytestmark = pytest.mark.django_db(transaction=True)


def remote_count(second_tom, name: str) -> int:
    """How many datums the second TOM holds for the target (it lives as long as this module)."""
    found = second_tom.get("api/targets/", name_fuzzy=name)["results"]
    if not found:
        return 0
    return second_tom.get("api/reduceddatums/", target__id=found[0]["id"], limit=1)["count"]


def test_new_data_of_a_shared_target_arrive_at_the_destination_by_themselves(immediate, to_second, sharer, target):
    share = create_persistent_share(sharer, target, "second")
    before = remote_count(to_second, target.name)
    saved = save_datums(target, photometry(12), origin="manual", user=sharer)
    assert saved.created == 12
    delivered = Delivery.objects.get(share=share)
    assert (delivered.status, delivered.ingest_id, delivered.sent_count) == ("sent", saved.ingest.pk, 12)
    record = ShareRecord.objects.get(via="continuous")
    assert (record.outcome, record.created_count, record.user) == ("sent", 12, sharer)
    assert remote_count(to_second, target.name) == before + 12
    share.refresh_from_db()
    assert (share.sent_count, share.last_error, share.retry_at) == (12, "", None)


def test_sharing_existing_data_works_for_a_target_without_data(immediate, to_second, sharer, users):
    from targets.services import create_target
    from tests.conftest import sidereal

    empty = create_target(sharer, sidereal("AT 2026empty", 12.0, -3.0))  # its creator may share it
    create_persistent_share(sharer, empty, "second", share_existing_data=True)
    assert to_second.get("api/targets/", name_fuzzy="AT 2026empty")["count"] == 1
    assert ShareRecord.objects.get(target=empty).outcome == "sent"


def test_unknown_and_duplicate_destinations_are_refused_naming_the_field(immediate, to_second, sharer, target):
    with pytest.raises(ValidationError) as unknown:
        create_persistent_share(sharer, target, "nowhere")
    assert "'nowhere' is not a destination in DATA_SHARING." in unknown.value.message_dict["destination"]
    create_persistent_share(sharer, target, "second")
    with pytest.raises(ValidationError) as duplicate:
        create_persistent_share(sharer, target, "second")
    assert "already shared continuously" in duplicate.value.message_dict["non_field_errors"][0]
    assert PersistentShare.objects.count() == 1


def test_an_unreachable_destination_never_breaks_ingestion_and_is_retried_with_backoff(immediate, settings, sharer,
                                                                                      target):
    settings.DATA_SHARING = {"down": {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "a", "PASSWORD": "b"}}
    share = create_persistent_share(sharer, target, "down")
    assert save_datums(target, photometry(5), origin="manual").created == 5  # no exception reaches the saver
    share.refresh_from_db()
    assert "Could not reach" in share.last_error
    assert (share.failures_in_a_row, share.sent_count) == (1, 0)
    first_wait = share.retry_at - timezone.now()
    assert timedelta(seconds=20) < first_wait <= timedelta(seconds=30)
    assert Delivery.objects.get(share=share).status == "pending"

    # More data while backing off: queued, not sent (the retry sends everything at once).
    save_datums(target, photometry(3), origin="manual")
    assert Delivery.objects.filter(share=share, status="pending").count() == 2
    assert delivery.deliver(share.pk) == "backing off"

    PersistentShare.objects.filter(pk=share.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    delivery.deliver(share.pk)
    share.refresh_from_db()
    assert share.failures_in_a_row == 2
    assert timedelta(seconds=50) < share.retry_at - timezone.now() <= timedelta(seconds=60)  # doubled
    assert set(Delivery.objects.filter(share=share).values_list("attempts", flat=True)) == {1, 2}


def test_a_destination_removed_from_the_settings_fails_for_good_with_its_reason_until_retried(
        immediate, settings, to_second, sharer, target):
    share = create_persistent_share(sharer, target, "second")
    before = remote_count(to_second, target.name)
    settings.DATA_SHARING = {}
    save_datums(target, photometry(4), origin="manual")
    failed = Delivery.objects.get(share=share)
    assert failed.status == "failed"
    assert failed.last_error == "'second' is not a destination in DATA_SHARING."
    share.refresh_from_db()
    assert (share.last_error, share.retry_at, share.failed_count) == (failed.last_error, None, 1)

    settings.DATA_SHARING = {"second": {"BASE_URL": to_second.url, "USERNAME": "peer",
                                        "PASSWORD": to_second.api.auth[1]}}
    assert retry_now(share) == 1
    assert Delivery.objects.get(share=share).status == "sent"
    assert remote_count(to_second, target.name) == before + 4


def test_refused_credentials_are_a_permanent_failure(immediate, settings, to_second, sharer, target):
    settings.DATA_SHARING = {"second": {"BASE_URL": to_second.url, "USERNAME": "peer", "PASSWORD": "wrong"}}
    share = create_persistent_share(sharer, target, "second")
    save_datums(target, photometry(2), origin="manual")
    assert Delivery.objects.get(share=share).status == "failed"
    share.refresh_from_db()
    assert "refused our credentials" in share.last_error and "wrong" not in share.last_error


def test_a_custom_processor_calls_continuous_share_data_and_nothing_is_queued_twice(settings, to_second, sharer,
                                                                                   target):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queue, do not send
    share = create_persistent_share(sharer, target, "second")
    before = remote_count(to_second, target.name)
    saved = save_datums(target, photometry(6), origin="upload")
    assert Delivery.objects.filter(share=share).count() == 1  # through the datums_created signal
    assert continuous_share_data(target, list(saved.created_datums())) == 0  # already queued with their ingest

    # Rows written by other means (a processor's own bulk_create) are queued by the call, once.
    ingest = Ingest.objects.create(origin="upload")
    rows = ReducedDatum.objects.bulk_create([
        ReducedDatum(target=target, data_type="photometry", timestamp=timezone.now() - timedelta(days=i),
                     brightness=17.0 + i, bandpass="r", ingest=ingest, fingerprint=10**12 + i) for i in range(3)])
    assert continuous_share_data(target, rows) == 1
    queued = Delivery.objects.filter(share=share).order_by("id").last()
    assert sorted(queued.datum_ids) == sorted(r.pk for r in rows)
    assert continuous_share_data(target, [r.pk for r in rows]) == 1  # by pk works too (a new batch: still one copy there)
    assert continuous_share_data(target, []) == 0

    delivery.deliver(share.pk)
    assert set(Delivery.objects.filter(share=share).values_list("status", flat=True)) == {"sent"}
    assert remote_count(to_second, target.name) == before + 9
    record = ShareRecord.objects.get(via="continuous")
    assert (record.created_count, record.existing_count) == (9, 0)  # one batch: the union, each datum once


def test_data_that_came_from_the_destination_are_not_sent_back(immediate, to_second, sharer, target):
    """"From there" is the id the destination gives at its own GET /api/, matched against the id the sender of
    the data claimed; the name it sent (X-TOM-Name) plays no part."""
    share = create_persistent_share(sharer, target, "second")
    before = remote_count(to_second, target.name)
    second_id = uuid.UUID(to_second.get("api/")["id"])
    save_datums(target, photometry(3), origin="api", user=sharer, received_from="Any name",
                claimed_tom_id=second_id)  # came from there
    save_datums(target, photometry(2), origin="manual")
    share.refresh_from_db()
    assert (share.peer_id, share.peer_name, share.skipped_count, share.sent_count) == (second_id, "Second TOM", 3, 2)
    assert remote_count(to_second, target.name) == before + 2
    assert ShareRecord.objects.filter(via="continuous").count() == 1  # nothing sent for the echo-only batch

    # Now that its id is known, a batch from there is not even queued.
    deliveries = Delivery.objects.count()
    save_datums(target, photometry(4), origin="api", user=sharer, claimed_tom_id=second_id)
    share.refresh_from_db()
    assert (Delivery.objects.count(), share.skipped_count) == (deliveries, 7)


def test_deliver_shares_sends_what_a_killed_worker_left_half_sent(immediate, to_second, sharer, target):
    from django.core.management import call_command

    share = create_persistent_share(sharer, target, "second")
    before = remote_count(to_second, target.name)
    settings_tasks = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django.test import override_settings

    with override_settings(TASKS=settings_tasks):  # queued, then the worker "dies" holding the claim
        save_datums(target, photometry(4), origin="manual")
    Delivery.objects.filter(share=share).update(status="sending", claim="dead-worker",
                                                claimed_at=timezone.now() - delivery.claim_timeout() / 2)
    call_command("deliver_shares")
    assert Delivery.objects.get(share=share).status == "sending"  # still within the dead worker's claim
    Delivery.objects.filter(share=share).update(claimed_at=timezone.now() - delivery.claim_timeout() * 2)
    call_command("deliver_shares")
    assert Delivery.objects.get(share=share).status == "sent"
    assert remote_count(to_second, target.name) == before + 4


def test_a_worker_that_outlived_its_claim_leaves_the_batch_to_the_worker_that_took_it_over(target, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    share = PersistentShare.objects.create(target=target, destination="nowhere")
    Delivery.objects.create(share=share)
    _, slow = delivery._claim(share)  # this worker is slow: its claim expires while it sends
    Delivery.objects.filter(share=share).update(claimed_at=timezone.now() - delivery.claim_timeout() * 2)
    _, taken = delivery._claim(share)
    assert [d.pk for d in taken] == [d.pk for d in slow] and taken[0].claim != slow[0].claim

    delivery._done(share, slow, None, 5, 0)
    assert delivery._failed(share, slow, "timed out", False).startswith("taken over")
    delivery._failed(share, slow, "refused", True)
    row = Delivery.objects.get(share=share)
    assert (row.status, row.claim, row.attempts) == ("sending", taken[0].claim, 0)  # still the other worker's
    share.refresh_from_db()
    assert (share.sent_count, share.failed_count, share.retry_at, share.last_error) == (0, 0, None, "")

    delivery._done(share, taken, None, 5, 0)  # the worker holding the claim finishes it
    row.refresh_from_db()
    share.refresh_from_db()
    assert (row.status, row.attempts, share.sent_count) == ("sent", 1, 5)


def test_a_stream_batch_queues_its_targets_with_one_shares_query_and_nothing_twice(settings, sharer, target):
    """readstreams wraps each batch in ``batched``: the announcements of all its targets are queued after the
    commit with one query for their shares (not one per target), and a custom processor's
    ``continuous_share_data`` in the same batch still finds the ingest's delivery first (nothing queued twice)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queue, do not send
    settings.DATA_SHARING = {"second": {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "peer", "PASSWORD": "pw"}}
    share = create_persistent_share(sharer, target, "second")
    others = [create_target(None, TargetInput({"name": f"AT 2026thr{i}", "type": "SIDEREAL", "ra": 1.0 + i,
                                                "dec": 2.0})) for i in range(3)]
    table = PersistentShare._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        with queue.batched(), transaction.atomic():
            results = save_datums_many([(t, photometry(2)) for t in [target, *others]], origin="upload")
            assert continuous_share_data(target, list(results[0].created_datums())) is None  # after the commit
    asked = [q["sql"] for q in queries.captured_queries if table in q["sql"] and "enabled" in q["sql"]
             and q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(asked) == 2  # the batch's targets at once, then continuous_share_data's own query
    assert list(Delivery.objects.filter(share=share).values_list("ingest_id", "datum_ids")) == [
        (results[0].ingest.pk, [])]
