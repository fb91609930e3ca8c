"""Announcements other apps listen to (continuous sharing listens to ``datums_created``)."""
from django.dispatch import Signal

# Sent after the transaction that stored new reduced data commits, once per batch:
# sender=ReducedDatum, target=Target, ingest=Ingest (its reduced_data are exactly the new datums), count=int.
datums_created = Signal()
