"""Sharing a target, and a selection of its data, with a destination; recorded every time.

One entry point, :func:`share_target`, for the Share tab, the list share page,
``manage.py share`` and continuous sharing. It chooses what to send
(:func:`selected_datums`), then hands it to the sender for the destination's
kind: another TOM over its REST API (shared/WIRE.md §2) or Hermes (§3, in
``sharing.hermes``). Whatever happens, one :class:`ShareRecord` says who sent
what, where, and with what result; a failure is a record, never an exception.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from dataproducts.models import DataProduct, ReducedDatum
from targets.models import ORBITAL_FIELDS, SIDEREAL_FIELDS, Target
from tom.gcpause import gc_paused

from .clients.tom import TomClient
from .destinations import HermesDestination, TomDestination, destination
from .errors import SharingError, bounded, scrub
from .models import ShareRecord
from .selection import Selection

DATA_CHOICES = ("none", "photometry", "all", "selected")


@dataclass(frozen=True)
class HermesText:
    """What a Hermes message says besides its data (the Share tab's title, message, authors and topic)."""

    title: str = ""
    message: str = ""
    authors: str = ""
    topic: str = ""  # one of the destination's USER_TOPICS; empty: the first of them


@dataclass
class ShareOutcome:
    record: ShareRecord
    counts: dict = field(default_factory=dict)
    permanent: bool = False  # a failure retrying cannot help (continuous sharing stops on it)

    @property
    def ok(self) -> bool:
        return self.record.outcome == ShareRecord.Outcome.SENT


@dataclass
class Sent:
    """What a sender reports back: a sentence for people, counts, and ids at the destination."""

    message: str
    counts: dict = field(default_factory=lambda: {"created": 0, "existing": 0, "failed": 0})
    remote_id: str = ""
    message_ids: list[str] = field(default_factory=list)


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


def target_body(target: Target, user, lists: list[str]) -> dict:
    """A new target as a TOM Toolkit receiver accepts it: no ids, groups empty, lists by name, provenance."""
    body = {"name": target.name, "type": target.type, "scheme": target.scheme}
    for name in (*SIDEREAL_FIELDS, *ORBITAL_FIELDS):
        body[name] = getattr(target, name)
    body["aliases"] = [{"name": n} for n in target.alias_names()]
    body["targetextra_set"] = [{"key": e.key, "value": e.value} for e in target.extras.all()]
    body["groups"] = []
    body["target_lists"] = [{"name": n} for n in lists]
    body["shared_by"] = user.get_username() if user is not None else ""
    body["shared_from"] = settings.TOM_NAME
    return body


# What datum_body reads: a ReducedDatum, or (10,000 at a time, 4x cheaper) a values_list(named=True) row.
DATUM_BODY_FIELDS = ("data_type", "timestamp", "source_name", "source_location", "value", "brightness",
                     "brightness_error", "bandpass", "limit", "telescope", "instrument", "unit")


def datum_body(datum: ReducedDatum) -> dict:
    """Photometry with the 2.x keys (both TOM Toolkit generations store and plot them, limits included)."""
    if datum.data_type == "photometry":
        value = {"magnitude": datum.brightness, "error": datum.brightness_error, "filter": datum.bandpass,
                 "limit": datum.limit, "telescope": datum.telescope, "instrument": datum.instrument,
                 "unit": datum.unit}
        value = {k: v for k, v in value.items() if v not in (None, "")} | {"filter": datum.bandpass}
    else:
        value = dict(datum.value or {})
        for key in ("telescope", "instrument"):
            if getattr(datum, key):
                value.setdefault(key, getattr(datum, key))
    return {"data_type": datum.data_type, "timestamp": datum.timestamp.isoformat(),
            "source_name": datum.source_name or settings.TOM_NAME, "source_location": datum.source_location,
            "data_product": None, "value": value}


def _describe(data: str, n_datums: int, n_products: int) -> str:
    parts = ["target"]
    if data == "selected":
        parts.append(f"{n_datums} selected datum{'s' * (n_datums != 1)}")
    elif data != "none":
        parts.append(data if data == "photometry" else "all data")
    if n_products:
        parts.append(f"{n_products} data product{'s' * (n_products != 1)}")
    return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


def without_file_rows(datums: QuerySet, product_pks) -> QuerySet:
    """The datums minus the rows read from these products: a file sent is read there, its rows come with it."""
    return datums.exclude(data_product__in=list(product_pks)) if product_pks else datums


def _to_tom(dest: TomDestination, user, target: Target, chosen: Selection, lists: tuple[str, ...]) -> Sent:
    datums, products = chosen.datums, chosen.products
    client = TomClient(dest)
    try:
        all_lists = [f"Imported From {settings.TOM_NAME}", *lists]
        remote_id = client.find_target(target.all_names())
        if remote_id is None:
            remote_id = client.create_target(target_body(target, user, all_lists))
            sent = Sent(f"Created {target.name} in {dest.display_name}.")
        else:
            client.add_to_lists(remote_id, all_lists)
            sent = Sent(f"{target.name} was already in {dest.display_name}; added it to {', '.join(all_lists)}.")
        sent.remote_id = str(remote_id)
        # Products before datums: the receiver reads each file into datums that belong to the product; the
        # same datums sent first would have been stored loose (a TOM Toolkit then skips the file's rows).
        product_counts = {"created": 0, "existing": 0, "failed": 0}
        product_messages = []
        arrived = []
        for product in products:
            status = client.send_product(remote_id, product)
            product_counts[status] += 1
            product_messages.append(f" {product.filename}: " + {
                "created": "uploaded", "existing": "already there"}.get(status, "failed") + ".")
            if status != "failed":
                arrived.append(product.pk)
        # A file refused there (a TOM Toolkit cannot read ours: its processor wants a "time" column) still
        # gets its rows there, as datums.
        datums = without_file_rows(datums, arrived)
        if (chosen.count > 0 if chosen.count is not None and not arrived else datums.exists()):
            with gc_paused():  # tens of thousands of small dicts: collections would rescan them all (tom/gcpause.py)
                counts = client.send_datums(remote_id, [
                    datum_body(d) for d in datums.values_list(*DATUM_BODY_FIELDS, named=True).iterator(chunk_size=5000)])
            sent.counts = counts
            sent.message += (f" Data: {counts['created']} new, {counts['existing']} already there, "
                             f"{counts['failed']} failed.")
            if counts.get("reasons"):
                sent.message += " " + "; ".join(counts["reasons"])
        for key, n in product_counts.items():
            sent.counts[key] += n
        sent.message += "".join(product_messages)
        return sent
    finally:
        client.close()


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
        if isinstance(dest, TomDestination):
            sent = _to_tom(dest, user, target, chosen, lists)
        elif isinstance(dest, HermesDestination):
            from .hermes import share_to_hermes

            sent = share_to_hermes(dest, user, target, chosen.datums, chosen.products, hermes or HermesText())
        else:
            raise SharingError(f"{destination_key!r} is not a destination in DATA_SHARING.", permanent=True)
        counts = sent.counts
        record.outcome = ShareRecord.Outcome.PARTIAL if counts["failed"] else ShareRecord.Outcome.SENT
        record.message, record.remote_id, record.message_ids = sent.message, sent.remote_id, sent.message_ids
    except SharingError as exc:
        counts = {"created": 0, "existing": 0, "failed": 0}
        record.outcome = ShareRecord.Outcome.FAILED
        record.message = exc.message
        permanent = exc.permanent
    record.created_count, record.existing_count, record.failed_count = (
        counts["created"], counts["existing"], counts["failed"])
    # Peers' words are quoted short and masked where they enter a message; the whole is bounded here too.
    record.message = bounded(scrub(record.message, dest.secrets if dest is not None else ()))
    record.save()
    return ShareOutcome(record, counts, permanent=record.outcome == ShareRecord.Outcome.FAILED and permanent)
