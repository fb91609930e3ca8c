"""The background task of continuous sharing (Django's Tasks API, through the django-tasks backport).

With the database backend (``TASKS`` in settings) an enqueued task is a row in
this TOM's database that ``manage.py db_worker`` runs; the deliveries it sends
are rows too (``sharing.models.Delivery``), so the task carries only the
share's id and running it twice is harmless.
"""
from __future__ import annotations

from django_tasks import task

from .delivery import deliver


@task()
def deliver_persistent_share(share_id: int) -> str:
    return deliver(share_id)
