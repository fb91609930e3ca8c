"""Sharing a target, and its data, with a TOM destination (shared/WIRE.md §2), recorded every time."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from dataproducts.models import ReducedDatum
from targets.models import ORBITAL_FIELDS, SIDEREAL_FIELDS, Target

from .clients.tom import TomClient
from .destinations import TomDestination, destination
from .errors import SharingError
from .models import ShareRecord

DATA_CHOICES = ("none", "photometry", "all")


@dataclass
class ShareOutcome:
    record: ShareRecord
    counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.record.outcome == ShareRecord.Outcome.SENT


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


def share_target(user, target: Target, destination_key: str, data: str = "none",
                 lists: tuple[str, ...] = ()) -> ShareOutcome:
    """Find or create the target at the destination, add it to its lists, send the chosen data; record it all."""
    if data not in DATA_CHOICES:
        raise ValueError(f"data must be one of {DATA_CHOICES}")
    record = ShareRecord(target=target, destination=destination_key, user=user if user and user.is_authenticated else None,
                         what="target" if data == "none" else f"target and {data}")
    counts = {"created": 0, "existing": 0, "failed": 0}
    dest = destination(destination_key)
    client = None
    try:
        if not isinstance(dest, TomDestination):
            raise SharingError(f"{destination_key!r} is not a TOM destination in DATA_SHARING.", permanent=True)
        client = TomClient(dest)
        all_lists = [f"Imported From {settings.TOM_NAME}", *lists]
        remote_id = client.find_target(target.all_names())
        if remote_id is None:
            remote_id = client.create_target(target_body(target, user, all_lists))
            message = f"Created {target.name} in {dest.display_name}."
        else:
            client.add_to_lists(remote_id, all_lists)
            message = f"{target.name} was already in {dest.display_name}; added it to {', '.join(all_lists)}."
        record.remote_id = str(remote_id)
        if data != "none":
            datums = ReducedDatum.objects.filter(target=target).order_by("timestamp", "id")
            if data == "photometry":
                datums = datums.filter(data_type="photometry")
            counts = client.send_datums(remote_id, [datum_body(d) for d in datums.iterator(chunk_size=5000)])
            message += (f" Data: {counts['created']} new, {counts['existing']} already there, "
                        f"{counts['failed']} failed.")
            if counts.get("reasons"):
                message += " " + "; ".join(counts["reasons"])
        record.outcome = ShareRecord.Outcome.PARTIAL if counts["failed"] else ShareRecord.Outcome.SENT
        record.message = message
    except SharingError as exc:
        record.outcome = ShareRecord.Outcome.FAILED
        record.message = exc.message
    finally:
        if client is not None:
            client.close()
    record.created_count, record.existing_count, record.failed_count = (
        counts["created"], counts["existing"], counts["failed"])
    record.save()
    return ShareOutcome(record, counts)
