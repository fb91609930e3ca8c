"""What ``manage.py prune`` may delete of sharing's records (core/pruning.py).

- Deliveries: only those sent, finished before the cut-off. A delivery waiting, being sent or failed is never
  deleted: it is data not yet at its destination ("Retry now" sends a failed one again).
- Share records (the Share tab's history): older than the cut-off, except the newest of each target and
  destination (what the tab shows as where that share stands) and any a delivery not yet sent still points to.
"""
from __future__ import annotations

from django.db.models import OuterRef, Subquery

from core.pruning import Pruner, register

from .models import Delivery, ShareRecord


def old_sent_deliveries(before):
    return Delivery.objects.filter(status=Delivery.Status.SENT, finished__lt=before)


def old_share_records(before):
    newest = (ShareRecord.objects.filter(target=OuterRef("target"), destination=OuterRef("destination"))
              .order_by("-created", "-id").values("pk")[:1])
    unfinished = Delivery.objects.exclude(status=Delivery.Status.SENT).filter(record__isnull=False).values("record")
    return ShareRecord.objects.filter(created__lt=before).exclude(pk=Subquery(newest)).exclude(pk__in=unfinished)


register(Pruner("sent deliveries", "PRUNE_DELIVERIES_DAYS", old_sent_deliveries, "sent before"))
register(Pruner("share records", "PRUNE_SHARE_RECORDS_DAYS", old_share_records))
