"""Sharing a target, and a selection of its data, with a destination; recorded every time.

One entry point, :func:`share_target`, for the Share tab, the list share page, ``manage.py share`` and
continuous sharing. It does what is the same for every destination: what to send (:func:`selected_datums`, or a
selection the caller made), the record (one :class:`ShareRecord` says who sent what, where, and with what
result; a failure is a record, never an exception) and the words in it (bounded, credentials masked). How to
send is the destination's own (``sharing.destinations``). Who may share is checked by the callers
(``targets.permissions``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from dataproducts.models import DataProduct, ReducedDatum
from targets.models import Target

from .counts import Counts
from .destinations import destination
from .errors import SharingError, bounded, scrub
from .models import ShareRecord
from .selection import HermesText, Selection

DATA_CHOICES = ("none", "photometry", "all", "selected")

__all__ = ["DATA_CHOICES", "HermesText", "ShareOutcome", "selected_datums", "share_target"]


@dataclass
class ShareOutcome:
    record: ShareRecord
    counts: Counts = field(default_factory=Counts)
    permanent: bool = False  # a failure retrying cannot help (continuous sharing stops on it)

    @property
    def ok(self) -> bool:
        return self.record.outcome == ShareRecord.Outcome.SENT


def selected_datums(target: Target, data: str, datum_ids=None) -> QuerySet:
    """The target's datums that ``data`` names, oldest first; ``selected`` keeps only ``datum_ids`` of this target."""
    datums = ReducedDatum.objects.filter(target=target).order_by("timestamp", "id")
    if data == "none":
        return datums.none()
    if data == "photometry":
        return datums.filter(data_type="photometry")
    if data == "selected":  # a list of ids, or a subquery (a QuerySet of pks) for large selections
        return datums.filter(pk__in=datum_ids if isinstance(datum_ids, QuerySet) else list(datum_ids or ()))
    return datums


def _describe(data: str, n_datums: int, n_products: int) -> str:
    parts = ["target"]
    if data == "selected":
        parts.append(f"{n_datums} selected datum{'s' * (n_datums != 1)}")
    elif data != "none":
        parts.append(data if data == "photometry" else "all data")
    if n_products:
        parts.append(f"{n_products} data product{'s' * (n_products != 1)}")
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


def share_target(user, target: Target, destination_key: str, data: str = "none", lists: tuple[str, ...] = (),
                 datum_ids=None, product_ids=(), hermes: HermesText | None = None, via: str = "page",
                 chosen: Selection | None = None) -> ShareOutcome:
    """Share ``target`` (and the data chosen) with one ``DATA_SHARING`` destination; record and return the outcome.

    What goes is ``chosen`` (a selection already made: the Share tab's, or a continuous batch counted once), or
    else what ``data``, ``datum_ids`` and ``product_ids`` name. Callers check permissions first
    (``targets.permissions``); this only sends what belongs to ``target``.
    """
    if chosen is None:
        if data not in DATA_CHOICES:
            raise ValueError(f"data must be one of {DATA_CHOICES}")
        products = list(DataProduct.objects.filter(target=target, pk__in=list(product_ids or ())).order_by("pk"))
        chosen = Selection(selected_datums(target, data, datum_ids), products)
        n_datums = chosen.datums.count() if data == "selected" else 0
        if data == "selected":
            chosen.count = n_datums
    else:
        data = "selected"
        n_datums = chosen.count if chosen.count is not None else chosen.datums.count()
        chosen.count = n_datums
    record = ShareRecord(target=target, destination=destination_key, via=via,
                         user=user if user and user.is_authenticated else None,
                         what=_describe(data, n_datums, len(chosen.products)))
    dest = destination(destination_key)
    permanent = False
    try:
        if dest is None:
            raise SharingError(f"{destination_key!r} is not a destination in DATA_SHARING.", permanent=True)
        sent = dest.send(user, target, chosen, lists, hermes or HermesText())
        counts = sent.counts
        record.outcome = ShareRecord.Outcome.PARTIAL if counts.failed else ShareRecord.Outcome.SENT
        record.message, record.remote_id, record.message_ids = sent.message, sent.remote_id, sent.message_ids
    except SharingError as exc:
        counts = Counts()
        record.outcome = ShareRecord.Outcome.FAILED
        record.message = exc.message
        permanent = exc.permanent
    record.created_count, record.existing_count, record.failed_count = counts.created, counts.existing, counts.failed
    # Peers' words are quoted short and masked where they enter a message; the whole is bounded here too.
    record.message = bounded(scrub(record.message, dest.secrets if dest is not None else ()))
    record.save()
    return ShareOutcome(record, counts, permanent=record.outcome == ShareRecord.Outcome.FAILED and permanent)
