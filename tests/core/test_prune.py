"""``manage.py prune``: old finished records go, in batches; nothing waiting, failed or still relied on does."""
from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from alertstreams.models import DeadLetter, IngestedMessage
from sharing.models import Delivery, PersistentShare, ShareRecord
from targets.services import create_target
from tests.conftest import sidereal

pytestmark = pytest.mark.django_db

OLD = timezone.now() - timedelta(days=400)


def prune(*args) -> str:
    out = StringIO()
    call_command("prune", *args, stdout=out)
    return out.getvalue()


def task(status: str, finished=None, started=None) -> DBTaskResult:
    return DBTaskResult.objects.create(status=status, args_kwargs={"args": [1], "kwargs": {}}, backend_name="default",
                                       task_path="sharing.continuous.delivery.deliver_persistent_share", queue_name="default",
                                       run_after=OLD, finished_at=finished, started_at=started)


@pytest.fixture
def records(users, settings):
    """Old and new records of every kind the command knows."""
    settings.PRUNE_SHARE_RECORDS_DAYS = settings.PRUNE_INGESTED_MESSAGES_DAYS = settings.PRUNE_DEAD_LETTERS_DAYS = 60
    one = create_target(users["superuser"], sidereal("SN 2026old"))
    two = create_target(users["superuser"], sidereal("SN 2026two", ra=20.0))
    made = {}

    def record(target, destination, days_ago):
        r = ShareRecord.objects.create(target=target, destination=destination, what="photometry", outcome="sent")
        ShareRecord.objects.filter(pk=r.pk).update(created=timezone.now() - timedelta(days=days_ago))
        return r

    made["old_records"] = [record(one, "peer", 300), record(one, "peer", 200)]
    made["newest_old_record"] = record(one, "peer", 100)  # the newest for (one, peer): the Share tab shows it
    made["old_record_of_failed"] = record(two, "peer", 300)
    made["newest_of_two"] = record(two, "peer", 250)
    made["new_record"] = record(two, "hermes", 1)
    share = PersistentShare.objects.create(target=one, destination="peer")
    Status = Delivery.Status
    made["old_sent"] = [Delivery.objects.create(share=share, status=Status.SENT, finished=OLD,
                                                record=made["old_records"][0]) for _ in range(5)]
    made["new_sent"] = Delivery.objects.create(share=share, status=Status.SENT, finished=timezone.now())
    made["kept_deliveries"] = [
        Delivery.objects.create(share=share, status=Status.PENDING),
        Delivery.objects.create(share=share, status=Status.SENDING, claimed_at=OLD),
        Delivery.objects.create(share=share, status=Status.FAILED, finished=OLD, record=made["old_record_of_failed"]),
    ]
    Delivery.objects.update(created=OLD)
    made["old_tasks"] = [task(TaskResultStatus.SUCCESSFUL, OLD), task(TaskResultStatus.FAILED, OLD),
                         task(TaskResultStatus.RUNNING, started=OLD)]  # its worker was killed: never closed
    made["kept_tasks"] = [task(TaskResultStatus.SUCCESSFUL, timezone.now()), task(TaskResultStatus.READY),
                          task(TaskResultStatus.RUNNING, started=timezone.now())]
    for days in (90, 10):
        m = IngestedMessage.objects.create(message_id=uuid.uuid4(), topic="hermes.test")
        IngestedMessage.objects.filter(pk=m.pk).update(created=timezone.now() - timedelta(days=days))
        d = DeadLetter.objects.create(stream="s", topic="t", partition=0, offset=days, value=b"x", error="e",
                                      attempts=3)
        DeadLetter.objects.filter(pk=d.pk).update(created=timezone.now() - timedelta(days=days))
    return made


def counts() -> dict:
    return {"tasks": DBTaskResult.objects.count(), "deliveries": Delivery.objects.count(),
            "records": ShareRecord.objects.count(), "messages": IngestedMessage.objects.count(),
            "dead": DeadLetter.objects.count()}


def test_a_dry_run_counts_and_deletes_nothing(records):
    before = counts()
    output = prune("--dry-run")
    assert counts() == before
    assert "task results: 3 would be deleted (finished or started before" in output
    assert "sent deliveries: 5 would be deleted" in output and "share records: 2 would be deleted" in output
    assert "ingested message ids: 1 would be deleted" in output and "dead letters: 1 would be deleted" in output
    assert "Dry run: nothing was deleted" in output


def test_old_finished_records_go_in_batches_and_nothing_waiting_or_relied_on(records):
    output = prune("--batch-size", "2")
    assert "sent deliveries: 5 deleted" in output and "task results: 3 deleted" in output
    assert set(Delivery.objects.all()) == {records["new_sent"], *records["kept_deliveries"]}
    assert set(DBTaskResult.objects.all()) == set(records["kept_tasks"])
    # the newest record of each target and destination stays, and so does one a failed delivery points to
    assert set(ShareRecord.objects.all()) == {records["newest_old_record"], records["old_record_of_failed"],
                                              records["newest_of_two"], records["new_record"]}
    assert IngestedMessage.objects.count() == DeadLetter.objects.count() == 1
    assert prune().count(" 0 deleted") == 5  # again: nothing more to do


def test_a_retention_of_0_keeps_a_kind_for_ever(records, settings):
    settings.PRUNE_SHARE_RECORDS_DAYS = settings.PRUNE_INGESTED_MESSAGES_DAYS = settings.PRUNE_DEAD_LETTERS_DAYS = 0
    before = counts()
    output = prune()
    assert "share records: kept (PRUNE_SHARE_RECORDS_DAYS=0)" in output
    assert {k: v for k, v in counts().items() if k in ("records", "messages", "dead")} == {
        k: v for k, v in before.items() if k in ("records", "messages", "dead")}


def test_a_negative_retention_is_refused_before_anything_is_deleted(records, settings):
    settings.PRUNE_DEAD_LETTERS_DAYS = -1
    before = counts()
    with pytest.raises(CommandError, match=r"PRUNE_DEAD_LETTERS_DAYS must be a whole number of days"):
        prune()
    assert counts() == before
