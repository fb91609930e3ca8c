"""The Hermes handler: photometry and inline spectra from Hermes messages, onto the matching targets.

Referenced from ``TOPIC_HANDLERS`` as ``alertstreams.hermes.hermes_alert_handler``
and called as ``handler(alert, metadata)`` (tom-alertstreams' signature):
``alert.content`` is the message (Hermes' JSON: ``title``, ``topic``, ``submitter``,
``data`` with its ``targets``, ``photometry`` and ``spectroscopy`` lists), ``metadata.topic`` the topic and
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
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone as dj_timezone

from dataproducts.datums import DatumError, parse_datum, parse_timestamp
from dataproducts.models import Origin
from dataproducts.processors.times import mjd_to_datetimes, number_to_mjd
from dataproducts.services import save_datums_many
from targets.coordinates import CoordinateError, parse_dec, parse_ra
from targets.hermes_names import ORBITAL_ELEMENTS
from targets.models import Target, TargetName, TargetType
from targets.names import simplify_name
from targets.services import TargetInput, create_target

from .models import IngestedMessage
from .runner import BadMessage

logger = logging.getLogger(__name__)

MAX_LOGGED_ROWS = 20  # skipped rows logged one by one per message; the rest are counted
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


def _content(alert) -> dict:
    content = getattr(alert, "content", alert)
    if isinstance(content, (bytes, str)):
        try:
            content = json.loads(content)
        except ValueError as exc:
            raise BadMessage(f"not a Hermes message: the value is not JSON ({exc}).") from None
    if not isinstance(content, dict):
        raise BadMessage("not a Hermes message: the value is not a JSON object.")
    return content


def hermes_alert_handler(alert, metadata) -> HermesOutcome:
    content = _content(alert)
    topic = getattr(metadata, "topic", None) or str(content.get("topic") or "")
    return ingest_hermes_message(content, topic=topic, message_id=message_id_of(metadata, content))


def hermes_batch_handler(items) -> list[HermesOutcome]:
    """``[(alert, metadata), ...]`` in one go: readstreams calls this for a batch instead of the handler.

    The same result as calling ``hermes_alert_handler`` on each, for a fraction of the cost: one
    name query and one id check for the batch, and each target's rows saved together. An item may also be
    what ``prepare_hermes_batch`` made of it.
    """
    return ingest_hermes_messages([item if isinstance(item, PreparedMessage) else _prepare_item(*item)
                                   for item in items])


def prepare_hermes_batch(items) -> list[PreparedMessage]:
    """The part of ``hermes_batch_handler`` that needs no database: each message read and its rows parsed.

    readstreams runs this on its reading thread while the previous batch is being stored (its
    ``handle_batch`` then gets these in place of the pairs), so the parsing overlaps the database's work.
    Raises ``BadMessage`` as the handler would.
    """
    return [_prepare_item(alert, metadata) for alert, metadata in items]


def _prepare_item(alert, metadata) -> PreparedMessage:
    content = _content(alert)
    topic = getattr(metadata, "topic", None) or str(content.get("topic") or "")
    return prepare_message(content, topic, message_id_of(metadata, content))


hermes_alert_handler.handle_batch = hermes_batch_handler
hermes_alert_handler.prepare_batch = prepare_hermes_batch


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


def _claim(ids: list[tuple[uuid.UUID, str]]) -> set[uuid.UUID]:
    """Record messages as ingested; returns the ids that were not already: one INSERT that skips the known ones
    and returns those it wrote (a concurrent reader's claim of the same id counts as known)."""
    if not ids:
        return set()
    table = connection.ops.quote_name(IngestedMessage._meta.db_table)
    id_field = IngestedMessage._meta.get_field("message_id")
    new = {}
    for message_id, topic in ids:
        new.setdefault(message_id, topic)
    now = IngestedMessage._meta.get_field("created").get_db_prep_value(dj_timezone.now(), connection)
    rows = [(id_field.get_db_prep_value(m, connection), t[:249], now) for m, t in new.items()]
    claimed = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CLAIM_CHUNK):
            chunk = rows[start:start + CLAIM_CHUNK]
            cursor.execute(f"INSERT INTO {table} (message_id, topic, created) VALUES "
                           f"{', '.join(['(%s, %s, %s)'] * len(chunk))} ON CONFLICT (message_id) DO NOTHING "
                           "RETURNING message_id", [value for row in chunk for value in row])
            claimed.update(id_field.to_python(row[0]) for row in cursor.fetchall())
    return claimed


CLAIM_CHUNK = 500  # messages per INSERT (1,500 parameters: far under SQLite's and PostgreSQL's limits)


def observation_time(value) -> datetime:
    """``date_obs``: ISO 8601 (what Hermes writes), or a JD / MJD number."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()):
        mjd = number_to_mjd(float(value))
        if mjd is None:
            raise RowError(f"date_obs {value!r} is neither a date, a JD nor an MJD.")
        return mjd_to_datetimes([mjd])[0]
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


_CONVERTERS: dict[str, list] = {}


def _targets_by_key(keys: set[str]) -> dict[str, Target]:
    """Our targets whose name or an alias simplifies to one of ``keys``, in one indexed query.

    Plain SQL over the names' unique index, the targets built with ``Target.from_db``. Called once per
    batch; the equivalent ORM query (``filter(names__key__in=...)`` annotated with the key) was measured
    2-4% slower over the whole of bench/streams.py (1,905-1,980 against 2,020-2,062 messages/s), which is
    the margin of the 2,000/s goal.
    """
    if not keys:
        return {}
    qn = connection.ops.quote_name
    columns = [f.column for f in Target._meta.concrete_fields]
    attnames = [f.attname for f in Target._meta.concrete_fields]
    keys = sorted(keys)
    names, targets = qn(TargetName._meta.db_table), qn(Target._meta.db_table)
    if connection.vendor == "postgresql":
        # Each name's target by its primary key. As a plain join, PostgreSQL hashed the batch's names and read
        # the whole target table to probe them (15 ms a batch at 10^5 targets, growing with the table: it
        # costs the index probes as disk reads); the LIMIT keeps the subquery apart, so it is one index probe
        # per name (3 ms).
        source = (f"{names} n CROSS JOIN LATERAL (SELECT * FROM {targets} WHERE {qn('id')} = n.{qn('target_id')} "
                  f"LIMIT 1) t")
    else:  # SQLite probes the primary key for each name anyway
        source = f"{names} n JOIN {targets} t ON t.{qn('id')} = n.{qn('target_id')}"
    sql = (f"SELECT n.{qn('key')}, {', '.join('t.' + qn(c) for c in columns)} FROM {source} "
           f"WHERE n.{qn('key')} IN ({', '.join(['%s'] * len(keys))})")
    converters = _CONVERTERS.get(connection.alias)
    if converters is None:  # what the ORM would apply to each column (the backend's, then the field's own)
        converters = _CONVERTERS[connection.alias] = []
        for index, f in enumerate(Target._meta.concrete_fields, start=1):
            col = f.get_col(Target._meta.db_table)
            for convert in connection.ops.get_db_converters(col) + f.get_db_converters(connection):
                converters.append((index, convert, col))
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, keys)
        for row in cursor.fetchall():
            if converters:
                row = list(row)
                for index, convert, col in converters:
                    row[index] = convert(row[index], col, connection)
            found[row[0]] = Target.from_db(connection.alias, attnames, row[1:])
    return found


def _name_keys(name: str, table: dict[str, dict]) -> list[str]:
    """The keys a row's ``target_name`` may match: its own, then the aliases its ``targets`` entry lists."""
    keys = [simplify_name(name)]
    aliases = (table.get(name) or {}).get("aliases") or []
    if isinstance(aliases, list):
        keys += [simplify_name(str(a)) for a in aliases if a]
    return [k for k in keys if k]


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
        for ours, theirs in ORBITAL_ELEMENTS.items():
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


def _sections(message: dict) -> dict[str, list]:
    data = message.get("data") if isinstance(message.get("data"), dict) else None
    if data is None:
        raise BadMessage("not a Hermes message: 'data' is missing or not an object.")
    sections = {}
    for key in ("photometry", "spectroscopy", "targets"):
        value = data.get(key) or []
        if not isinstance(value, list):
            raise BadMessage(f"not a Hermes message: data.{key} is not a list.")
        sections[key] = value
    return sections


def ingest_hermes_message(message: dict, *, topic: str, message_id: uuid.UUID | None = None) -> HermesOutcome:
    """Store a Hermes message's photometry and inline spectra on the matching targets, once per message id."""
    return ingest_hermes_messages([(message, topic, message_id)])[0]


@dataclass
class PreparedMessage:
    """A message read, its rows parsed (no database needed): what ``ingest_hermes_messages`` stores."""

    message: dict
    topic: str
    message_id: uuid.UUID | None
    table: dict[str, dict]  # its ``targets`` entries by name
    rows: list[tuple[str, str, dict]]  # (label, target name, datum) of every usable row
    skipped: list[str]  # the rows that cannot be used, with their reasons
    keys: dict[str, list[str]]  # target name -> the name keys it may match


def prepare_message(message: dict, topic: str, message_id: uuid.UUID | None) -> PreparedMessage:
    """Check a message's shape (``BadMessage``) and parse every photometry and spectroscopy row into a datum;
    a row that cannot be used is kept aside with its reason."""
    sections = _sections(message)
    table = {str(t.get("name")).strip(): t for t in sections["targets"] if isinstance(t, dict) and t.get("name")}
    prepared = PreparedMessage(message, topic, message_id, table, [], [], {})
    source_name, location = f"Hermes:{topic}"[:100], source_location(message_id)
    for section in ("photometry", "spectroscopy"):
        for number, row in enumerate(sections[section], start=1):
            label = f"{section} row {number}"
            try:
                name, datum = _row_datum(row, section, source_name, location)
            except RowError as exc:
                prepared.skipped.append(f"{label}: {exc}")
                continue
            prepared.rows.append((label, name, datum))
            if name not in prepared.keys:
                prepared.keys[name] = _name_keys(name, table)
    return prepared


Row = tuple[int, str, str, dict]  # (message index, label, target name, datum)
Wanted = dict[tuple[int, str], list[str]]  # (message index, target name) -> the name keys it may match


def ingest_hermes_messages(batch: list[tuple[dict, str, uuid.UUID | None] | PreparedMessage]) -> list[HermesOutcome]:
    """``ingest_hermes_message`` for several messages at once, in one transaction.

    The steps: read the messages' rows (unless ``prepare_message`` did), claim their ids (skipping those
    seen before), find the rows' targets in one query (creating the missing ones when
    ``ALERT_STREAMS_CREATE_TARGETS`` says so), store the datums of every target in one call, then log what
    was skipped.
    """
    parsed = [m if isinstance(m, PreparedMessage) else prepare_message(*m) for m in batch]
    outcomes = [HermesOutcome(message_id=str(m.message_id or "")) for m in parsed]
    # No savepoint of its own inside readstreams' batch transaction: a failure rolls the batch back anyway.
    with transaction.atomic(savepoint=False):
        fresh = _fresh_messages(parsed, outcomes)
        rows, wanted = _read_rows(fresh, outcomes)
        targets = _match_targets(wanted)
        if getattr(settings, "ALERT_STREAMS_CREATE_TARGETS", False):
            _create_missing_targets(fresh, wanted, targets, outcomes)
        by_target = _group_by_target(rows, targets, outcomes)
        if by_target:
            _save(by_target, parsed, outcomes)
    _log_skipped(outcomes, parsed)
    return outcomes


def _fresh_messages(parsed: list[PreparedMessage], outcomes: list[HermesOutcome]) -> list[tuple[int, PreparedMessage]]:
    """The messages not ingested before (with their index), their ids now claimed; the others are marked
    duplicates."""
    claimed = _claim([(m.message_id, m.topic) for m in parsed if m.message_id is not None])
    fresh = []
    for index, m in enumerate(parsed):
        if m.message_id is not None:
            if m.message_id not in claimed:
                outcomes[index].duplicate = True
                logger.debug("Hermes:%s: message %s was already ingested; skipped.", m.topic, m.message_id)
                continue
            claimed.discard(m.message_id)  # the same message twice in one batch: the second is a duplicate
        fresh.append((index, m))
    return fresh


def _read_rows(fresh: list[tuple[int, PreparedMessage]], outcomes: list[HermesOutcome]) -> tuple[list[Row], Wanted]:
    """The fresh messages' usable rows, the name keys each row's target may have, and their skipped rows
    counted."""
    rows: list[Row] = []
    wanted: Wanted = {}
    for index, m in fresh:
        outcomes[index].skipped.extend(m.skipped)
        rows.extend((index, label, name, datum) for label, name, datum in m.rows)
        for name, keys in m.keys.items():
            wanted[index, name] = keys
    return rows, wanted


def _match_targets(wanted: Wanted) -> dict[tuple[int, str], Target]:
    """Our target for each (message, name) the rows want, by its first key that matches (one query)."""
    found = _targets_by_key({k for keys in wanted.values() for k in keys})
    targets = {}
    for (index, name), keys in wanted.items():
        match = next((found[k] for k in keys if k in found), None)
        if match is not None:
            targets[index, name] = match
    return targets


def _create_missing_targets(fresh: list[tuple[int, PreparedMessage]], wanted: Wanted, targets: dict[tuple[int, str], Target],
                            outcomes: list[HermesOutcome]) -> None:
    """Create, from each message's ``targets`` table, the targets its rows name and we lack; a later message of
    the batch naming the same target finds it."""
    for index, m in fresh:
        unknown = {name for (i, name) in wanted if i == index and (i, name) not in targets}
        for name, target in _create_targets(unknown, m.table, m.topic, str(m.message.get("submitter") or ""),
                                            outcomes[index]).items():
            targets[index, name] = target
            for (other, other_name), keys in wanted.items():
                if (other, other_name) not in targets and simplify_name(name) in keys:
                    targets[other, other_name] = target


def _group_by_target(rows: list[Row], targets: dict[tuple[int, str], Target],
                     outcomes: list[HermesOutcome]) -> dict[int, tuple[Target, list, list]]:
    """Target pk -> (target, its datums, the message index of each); a row with no target is skipped."""
    by_target: dict[int, tuple[Target, list, list]] = {}
    for index, label, name, datum in rows:
        target = targets.get((index, name))
        if target is None:
            outcomes[index].skipped.append(f"{label}: no target named {name!r} (or with its aliases).")
            continue
        entry = by_target.setdefault(target.pk, (target, [], []))
        entry[1].append(datum)
        entry[2].append(index)
    return by_target


def _save(by_target: dict[int, tuple[Target, list, list]], parsed: list[PreparedMessage],
          outcomes: list[HermesOutcome]) -> None:
    """Store every target's datums with one Ingest for the batch (one statement for all its targets), each
    datum's source_location naming its own message, and count each message's created and existing datums."""
    indexes_all = list(dict.fromkeys(i for _, _, indexes in by_target.values() for i in indexes))
    ids = [str(parsed[i].message_id or "") for i in indexes_all]
    topic = parsed[indexes_all[0]].topic
    stream_message = f"{topic} {ids[0]}" + (f" +{len(ids) - 1} more" if len(ids) > 1 else "")
    results = save_datums_many([(target, datums) for target, datums, _ in by_target.values()],
                               origin=Origin.STREAM, stream_message=stream_message.strip(),
                               savepoint=False)  # inside this batch's transaction, rolled back whole
    for (_, _, indexes), result in zip(by_target.values(), results):
        for index, status in zip(indexes, result.statuses):
            if status == "created":
                outcomes[index].created += 1
            else:
                outcomes[index].existing += 1


def _log_skipped(outcomes: list[HermesOutcome], parsed: list[PreparedMessage]) -> None:
    for outcome, m in zip(outcomes, parsed):
        topic, message_id = m.topic, m.message_id
        for reason in outcome.skipped[:MAX_LOGGED_ROWS]:
            logger.warning("Hermes:%s message %s: %s", topic, message_id, reason)
        if len(outcome.skipped) > MAX_LOGGED_ROWS:
            logger.warning("Hermes:%s message %s: %d more rows skipped.", topic, message_id,
                           len(outcome.skipped) - MAX_LOGGED_ROWS)
