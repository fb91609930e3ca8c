"""The Hermes handler: photometry and inline spectra from Hermes messages, onto the matching targets.

Referenced from ``TOPIC_HANDLERS`` as ``alertstreams.hermes.hermes_alert_handler``
and called as ``handler(alert, metadata)`` (tom-alertstreams' signature):
``alert.content`` is the message (WIRE.md §3), ``metadata.topic`` the topic and
``metadata.headers`` carry ``_id``, the message's 16-byte UUID.

Each message is ingested once: its id is recorded in the same transaction as
its data, and a redelivered message is skipped whole. Targets are matched by
name or alias (the simplified key, as everywhere) with one query for the whole
message, so the cost does not grow with the number of targets in the TOM.
Rows that cannot be used are logged with the reason and the rest of the
message is kept; a message that is not a Hermes message at all raises
``BadMessage`` and becomes a dead letter.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone as dj_timezone

from dataproducts.datums import DatumError, parse_datum, parse_timestamp
from dataproducts.models import Origin
from dataproducts.services import save_datums
from targets.coordinates import CoordinateError, parse_dec, parse_ra
from targets.models import Target, TargetName, TargetType
from targets.names import simplify_name
from targets.services import TargetInput, create_target

from .models import IngestedMessage
from .runner import BadMessage

logger = logging.getLogger(__name__)

MAX_LOGGED_ROWS = 20  # skipped rows logged one by one per message; the rest are counted
UNIX_EPOCH_MJD = 40587.0
# Hermes' orbital element names -> our Target fields
ORBITAL_NAMES = {
    "epoch_of_elements": "epoch_of_elements", "orbital_inclination": "inclination",
    "longitude_of_the_ascending_node": "lng_asc_node", "argument_of_the_perihelion": "arg_of_perihelion",
    "eccentricity": "eccentricity", "semimajor_axis": "semimajor_axis", "mean_anomaly": "mean_anomaly",
    "perihelion_distance": "perihdist", "epoch_of_perihelion": "epoch_of_perihelion",
}
SIDEREAL_NAMES = ("ra", "dec", "pm_ra", "pm_dec", "epoch", "parallax", "distance", "distance_err")
TARGET_TABLE_SKIP = {"name", "aliases", "orbital_elements", *SIDEREAL_NAMES, "ra_error", "dec_error"}


class RowError(ValueError):
    pass


@dataclass
class HermesOutcome:
    """What one message gave: datums created/already there, rows skipped (with reasons), targets created."""

    message_id: str = ""
    duplicate: bool = False
    created: int = 0
    existing: int = 0
    skipped: list[str] = field(default_factory=list)
    targets_created: list[str] = field(default_factory=list)


def hermes_alert_handler(alert, metadata) -> HermesOutcome:
    content = getattr(alert, "content", alert)
    if isinstance(content, (bytes, str)):
        try:
            content = json.loads(content)
        except ValueError as exc:
            raise BadMessage(f"not a Hermes message: the value is not JSON ({exc}).") from None
    if not isinstance(content, dict):
        raise BadMessage("not a Hermes message: the value is not a JSON object.")
    topic = getattr(metadata, "topic", None) or str(content.get("topic") or "")
    return ingest_hermes_message(content, topic=topic, message_id=message_id_of(metadata, content))


def message_id_of(metadata, content: dict) -> uuid.UUID | None:
    """The ``_id`` header (16 bytes, or text), else the body's ``uuid`` (messages fetched from Hermes' API)."""
    for key, value in getattr(metadata, "headers", None) or ():
        if key == "_id" and value:
            try:
                return uuid.UUID(bytes=value) if isinstance(value, bytes) and len(value) == 16 else uuid.UUID(
                    value.decode() if isinstance(value, bytes) else str(value))
            except (ValueError, UnicodeDecodeError):
                break
    try:
        return uuid.UUID(str(content["uuid"])) if content.get("uuid") else None
    except ValueError:
        return None


def source_location(message_id: uuid.UUID | None) -> str:
    """Where the message can be read again: Hermes' page for it, as the TOM Toolkit records it."""
    if message_id is None:
        return "Hermes via HOP"
    base = getattr(settings, "HERMES_BASE_URL", "https://hermes.lco.global/").rstrip("/")
    return f"{base}/api/v0/query/message/{message_id}/"


def _claim(message_id: uuid.UUID, topic: str) -> bool:
    """Record the message as ingested; False when it already was (one statement, no read first)."""
    table = connection.ops.quote_name(IngestedMessage._meta.db_table)
    id_field = IngestedMessage._meta.get_field("message_id")
    created_field = IngestedMessage._meta.get_field("created")
    sql = (f"INSERT INTO {table} (message_id, topic, created) VALUES (%s, %s, %s) "
           "ON CONFLICT (message_id) DO NOTHING")
    with connection.cursor() as cursor:
        cursor.execute(sql, [id_field.get_db_prep_value(message_id, connection), topic[:249],
                             created_field.get_db_prep_value(dj_timezone.now(), connection)])
        return cursor.rowcount == 1


def observation_time(value) -> datetime:
    """``date_obs``: ISO 8601 (what Hermes writes), or a JD / MJD number."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()):
        number = float(value)
        if number > 2_400_000:
            number -= 2_400_000.5
        if not 15_000 < number < 100_000:
            raise RowError(f"date_obs {value!r} is neither a date, a JD nor an MJD.")
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(days=number - UNIX_EPOCH_MJD)
    if not value:
        raise RowError("date_obs is missing.")
    try:
        return parse_timestamp(value)
    except DatumError:
        raise RowError(f"date_obs {value!r} is not a date.") from None


def _row_datum(row, data_type: str, source_name: str, location: str) -> tuple[str, dict]:
    if not isinstance(row, dict):
        raise RowError("is not an object.")
    name = str(row.get("target_name") or "").strip()
    if not name:
        raise RowError("target_name is missing.")
    if not (str(row.get("telescope") or "").strip() or str(row.get("instrument") or "").strip()):
        raise RowError("needs a telescope or an instrument.")
    datum = {k: v for k, v in row.items() if k not in ("target_name", "date_obs", "value", "data_type")}
    datum.update(data_type=data_type, timestamp=observation_time(row.get("date_obs")),
                 source_name=source_name, source_location=location)
    if data_type == "photometry":
        if row.get("brightness") in (None, "") and row.get("limiting_brightness") in (None, ""):
            raise RowError("needs brightness or limiting_brightness.")
        datum.setdefault("brightness_unit", "AB mag")
        if not datum["brightness_unit"]:
            datum["brightness_unit"] = "AB mag"
    else:
        datum.setdefault("wavelength_units", "nm")
    try:
        return name, parse_datum(datum)
    except DatumError as exc:
        raise RowError(f"{exc.field}: {exc.message}") from None


def _matching_targets(names: set[str], table: dict[str, dict]) -> dict[str, Target]:
    """Message target name -> our target, by name or by the aliases its ``targets`` entry lists: one query."""
    wanted: dict[str, list[str]] = {}
    for name in names:
        keys = [simplify_name(name)]
        aliases = (table.get(name) or {}).get("aliases") or []
        if isinstance(aliases, list):
            keys += [simplify_name(str(a)) for a in aliases if a]
        wanted[name] = [k for k in keys if k]
    all_keys = {k for keys in wanted.values() for k in keys}
    found = {row.key: row.target for row in
             TargetName.objects.filter(key__in=all_keys).select_related("target")} if all_keys else {}
    return {name: next(found[k] for k in keys if k in found) for name, keys in wanted.items()
            if any(k in found for k in keys)}


def _number(entry: dict, key: str):
    value = entry.get(key)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError({key: f"{value!r} is not a number."}) from None


def target_input_from(entry: dict, topic: str, submitter: str) -> TargetInput:
    """Our TargetInput from an entry of a message's ``targets`` table."""
    fields = {"name": str(entry.get("name") or "").strip(), "shared_from": f"Hermes:{topic}"[:200],
              "shared_by": submitter[:150]}
    elements = entry.get("orbital_elements")
    if isinstance(elements, dict) and elements:
        fields["type"] = TargetType.NON_SIDEREAL
        fields["scheme"] = "MPC_COMET" if elements.get("perihelion_distance") not in (None, "") else "MPC_MINOR_PLANET"
        for theirs, ours in ORBITAL_NAMES.items():
            fields[ours] = _number(elements, theirs)
    else:
        fields["type"] = TargetType.SIDEREAL
        try:
            fields["ra"] = parse_ra(entry.get("ra")) if entry.get("ra") not in (None, "") else None
            fields["dec"] = parse_dec(entry.get("dec")) if entry.get("dec") not in (None, "") else None
        except CoordinateError as exc:
            raise ValidationError({"ra": str(exc)}) from None
        for key in SIDEREAL_NAMES[2:]:
            fields[key] = _number(entry, key)
    aliases = [str(a) for a in entry.get("aliases") or [] if a] if isinstance(entry.get("aliases"), list) else []
    extras = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v)
              for k, v in entry.items() if k not in TARGET_TABLE_SKIP and v not in (None, "")}
    return TargetInput(fields, aliases, extras)


def _create_targets(names: set[str], table: dict[str, dict], topic: str, submitter: str,
                    outcome: HermesOutcome) -> dict[str, Target]:
    created = {}
    for name in sorted(names):
        entry = table.get(name)
        if entry is None:
            continue
        try:
            with transaction.atomic():
                created[name] = create_target(None, target_input_from(entry, topic, submitter))
            outcome.targets_created.append(name)
        except ValidationError as exc:
            reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) \
                if hasattr(exc, "error_dict") else " ".join(exc.messages)
            outcome.skipped.append(f"target {name!r} could not be created: {reasons}")
    return created


def ingest_hermes_message(message: dict, *, topic: str, message_id: uuid.UUID | None = None) -> HermesOutcome:
    """Store a Hermes message's photometry and inline spectra on the matching targets, once per message id."""
    outcome = HermesOutcome(message_id=str(message_id or ""))
    data = message.get("data") if isinstance(message.get("data"), dict) else None
    if data is None:
        raise BadMessage("not a Hermes message: 'data' is missing or not an object.")
    sections = {}
    for key in ("photometry", "spectroscopy", "targets"):
        value = data.get(key) or []
        if not isinstance(value, list):
            raise BadMessage(f"not a Hermes message: data.{key} is not a list.")
        sections[key] = value
    table = {str(t.get("name")).strip(): t for t in sections["targets"] if isinstance(t, dict) and t.get("name")}
    source_name = f"Hermes:{topic}"[:100]
    location = source_location(message_id)

    # No savepoint of its own inside readstreams' batch transaction: a failure rolls the batch back anyway.
    with transaction.atomic(savepoint=False):
        if message_id is not None and not _claim(message_id, topic):
            outcome.duplicate = True
            logger.debug("%s: message %s was already ingested; skipped.", source_name, message_id)
            return outcome
        rows: list[tuple[str, str, dict]] = []  # (label, target name, datum)
        for data_type, section in (("photometry", "photometry"), ("spectroscopy", "spectroscopy")):
            for number, row in enumerate(sections[section], start=1):
                label = f"{section} row {number}"
                try:
                    name, datum = _row_datum(row, data_type, source_name, location)
                except RowError as exc:
                    outcome.skipped.append(f"{label}: {exc}")
                    continue
                rows.append((label, name, datum))
        names = {name for _, name, _ in rows}
        targets = _matching_targets(names, table) if names else {}
        unknown = names - targets.keys()
        if unknown and getattr(settings, "ALERT_STREAMS_CREATE_TARGETS", False):
            targets.update(_create_targets(unknown, table, topic, str(message.get("submitter") or ""), outcome))
        by_target: dict[int, tuple[Target, list[dict]]] = {}
        for label, name, datum in rows:
            target = targets.get(name)
            if target is None:
                outcome.skipped.append(f"{label}: no target named {name!r} (or with its aliases).")
                continue
            by_target.setdefault(target.pk, (target, []))[1].append(datum)
        stream_message = f"{topic} {message_id or ''}".strip()
        for target, datums in by_target.values():
            result = save_datums(target, datums, origin=Origin.STREAM, stream_message=stream_message)
            outcome.created += result.created
            outcome.existing += result.existing

    for reason in outcome.skipped[:MAX_LOGGED_ROWS]:
        logger.warning("%s message %s: %s", source_name, message_id, reason)
    if len(outcome.skipped) > MAX_LOGGED_ROWS:
        logger.warning("%s message %s: %d more rows skipped.", source_name, message_id,
                       len(outcome.skipped) - MAX_LOGGED_ROWS)
    logger.debug("%s message %s: %d datums new, %d already stored.", source_name, message_id, outcome.created,
                 outcome.existing)
    return outcome
