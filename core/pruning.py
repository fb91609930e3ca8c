"""Retention: old finished records deleted in small batches, by ``manage.py prune`` (from cron or a systemd timer).

Each app says what of its own may go in its ``pruning.py`` (found like ``admin.py`` is, so nothing here imports
the apps): a :class:`Pruner` names the records, the setting that gives their retention in days (0: keep them for
ever), and the queryset of rows that may go given the cut-off time. The rules are conditions on the rows
themselves (finished, older than the cut-off, not the newest of their kind...), and every batch's DELETE
re-applies them, so the command is safe beside the running TOM, twice at once, or again after being killed:
a row that stopped qualifying (a delivery retried) is left, and a second run finds nothing more to do.

Batches of ``batch_size`` rows, each its own short transaction: no giant transaction holding locks, no
rollback of hours of work, and SQLite's single writer is held for a moment at a time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.models import DBTaskResult


@dataclass(frozen=True)
class Pruner:
    name: str  # what the command's lines call the records ("task results")
    setting: str  # their retention in days (PRUNE_..._DAYS); 0 keeps them
    rows: Callable[[datetime], QuerySet]  # the rows that may go, given the cut-off time
    older_than: str = "older than"  # how the line says what the cut-off applies to ("finished before")


_pruners: dict[str, Pruner] = {}


def register(pruner: Pruner) -> None:
    _pruners[pruner.name] = pruner


def pruners() -> list[Pruner]:
    """Every app's pruners, in registration order (each app's ``pruning`` module is imported once)."""
    autodiscover_modules("pruning")
    return list(_pruners.values())


def cutoff(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def delete_in_batches(rows: QuerySet, batch_size: int) -> int:
    """Delete ``rows`` ``batch_size`` at a time, each batch in its own transaction; how many rows of ``rows``'
    model went (cascades to other tables are not counted)."""
    deleted = 0
    label = rows.model._meta.label
    while True:
        pks = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return deleted
        with transaction.atomic():
            _, per_model = rows.filter(pk__in=pks).delete()  # the conditions again: a row may have changed since
        gone = per_model.get(label, 0)
        deleted += gone
        if not gone:  # every row picked stopped qualifying in between: leave them to the next run
            return deleted


def old_task_results(before):
    """Finished task results (django-tasks' database backend: each delivery task leaves one), and results still
    "running" that started before the cut-off: their worker was killed mid-task, and django-tasks never runs or
    closes them again (the delivery's claim hands its batch to a new task: sharing/continuous/delivery.py).
    Tasks waiting, and running ones younger than the cut-off, are never touched."""
    return (DBTaskResult.objects.finished().filter(finished_at__lt=before)
            | DBTaskResult.objects.running().filter(started_at__lt=before))


register(Pruner("task results", "PRUNE_TASK_RESULTS_DAYS", old_task_results, "finished or started before"))
