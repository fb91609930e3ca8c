"""Announcements other apps listen to (continuous sharing listens to ``datums_created``)."""
from django.dispatch import Signal

# Sent after the transaction that stored new reduced data commits, once per batch:
# sender=ReducedDatum, target=Target, ingest=Ingest, datum_ids=list[int] (only the newly created ones).
datums_created = Signal()
