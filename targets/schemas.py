"""What the targets API reads and writes: the TOM Toolkit's target representation."""
from __future__ import annotations

from typing import Any, Optional

from ninja import Schema
from pydantic import ConfigDict, create_model

from core.ids import Id

from .models import ORBITAL_FIELDS, SIDEREAL_FIELDS, Target

NUMERIC_FIELDS = (*SIDEREAL_FIELDS, *ORBITAL_FIELDS)


class Loose(Schema):
    # Senders include read-only and foreign keys (id, created, permissions...): ignore them, do not fail.
    model_config = ConfigDict(extra="ignore")


class AliasIn(Loose):
    name: str


class ExtraIn(Loose):
    key: str
    value: Any = None


class NamedIn(Loose):
    name: Optional[str] = None
    id: Optional[Id] = None


class TargetIn(Loose):
    name: str
    type: str = "SIDEREAL"
    ra: Optional[float] = None
    dec: Optional[float] = None
    epoch: Optional[float] = None
    pm_ra: Optional[float] = None
    pm_dec: Optional[float] = None
    parallax: Optional[float] = None
    distance: Optional[float] = None
    distance_err: Optional[float] = None
    scheme: Optional[str] = ""
    epoch_of_elements: Optional[float] = None
    mean_anomaly: Optional[float] = None
    arg_of_perihelion: Optional[float] = None
    eccentricity: Optional[float] = None
    lng_asc_node: Optional[float] = None
    inclination: Optional[float] = None
    mean_daily_motion: Optional[float] = None
    semimajor_axis: Optional[float] = None
    epoch_of_perihelion: Optional[float] = None
    ephemeris_period: Optional[float] = None
    ephemeris_period_err: Optional[float] = None
    ephemeris_epoch: Optional[float] = None
    ephemeris_epoch_err: Optional[float] = None
    perihdist: Optional[float] = None
    abs_mag: Optional[float] = None
    slope: Optional[float] = None
    aliases: list[AliasIn] = []
    targetextra_set: list[ExtraIn] = []
    target_lists: list[NamedIn] = []
    groups: list[NamedIn] = []
    shared_by: Optional[str] = ""
    shared_from: Optional[str] = ""


class TargetPatch(Loose):
    """Any subset of a target; TOM Toolkit senders send only ``target_lists``."""

    name: Optional[str] = None
    type: Optional[str] = None
    ra: Optional[float] = None
    dec: Optional[float] = None
    aliases: Optional[list[AliasIn]] = None
    targetextra_set: Optional[list[ExtraIn]] = None
    target_lists: Optional[list[NamedIn]] = None


class TargetListIn(Loose):
    name: str


class MembershipIn(Loose):
    targets: list[Id]
    action: str = "add"


def target_json(target: Target, groups: list | None = None) -> dict:
    """The TOM Toolkit's representation: id, extras, aliases, the fields, groups."""
    data = {
        "id": target.pk,
        "targetextra_set": [{"id": e.pk, "key": e.key, "value": e.value} for e in target.extras.all()],
        "aliases": [{"id": n.pk, "name": n.name} for n in target.names.all() if not n.primary],
        "name": target.name,
        "type": target.type,
        "created": target.created.isoformat(),
        "modified": target.modified.isoformat(),
    }
    for field in (*SIDEREAL_FIELDS, "scheme", *ORBITAL_FIELDS):
        data[field] = getattr(target, field)
    data["shared_by"] = target.shared_by
    data["shared_from"] = target.shared_from
    data["groups"] = [{"id": g.pk, "name": g.name} for g in (groups or [])]
    return data


# What the API answers (``response=`` of each operation): the JSON is what TOM Toolkit clients read, field for field
# and in this order; dates are ISO 8601 text, as ``target_json`` writes them.
class NamedOut(Schema):
    id: int
    name: str


class ExtraOut(Schema):
    id: int
    key: str
    value: str


class NeighbourOut(Schema):
    id: int
    name: str
    separation_arcsec: float


TargetOut = create_model(
    "TargetOut", __base__=Schema, __doc__="A target as the TOM Toolkit represents it.",
    id=(int, ...), targetextra_set=(list[ExtraOut], ...), aliases=(list[NamedOut], ...), name=(str, ...),
    type=(str, ...), created=(str, ...), modified=(str, ...),
    **{field: (Optional[float], None) for field in SIDEREAL_FIELDS}, scheme=(str, ""),
    **{field: (Optional[float], None) for field in ORBITAL_FIELDS},
    shared_by=(str, ""), shared_from=(str, ""), groups=(list[NamedOut], ...),
)


class TargetSaved(TargetOut):
    """A created or changed target; ``warnings`` and ``neighbours`` only when a known target is close by."""

    message: str
    warnings: list[str] = []
    neighbours: list[NeighbourOut] = []


class TargetListOut(Schema):
    id: int
    name: str
    created: str


class TargetListCreated(Schema):
    id: int
    name: str
    message: str


class TargetListDetail(TargetListOut):
    targets: list[int]


class MembershipOut(Schema):
    id: int
    changed: int
    message: str
