"""A stand-in for Hermes' web service (hermes.lco.global), on a loopback port, for tests.

Hermes' own service is the one part of sharing we cannot run here, so this
small server answers its two submission calls as shared/WIRE.md §3 and the
Hermes serializers describe, written apart from ``sharing.hermes.validation``
so that a mistake in ours makes a test fail:

- ``POST /api/v0/submit_message/``: needs ``Authorization: Token <key>``
  (401 otherwise); 400 with a tree of field errors, or 200 with the message
  as Hermes publishes it (nulls dropped, defaults filled, coordinates in
  degrees) plus a fresh ``uuid``. A message whose published JSON exceeds
  what one Kafka message holds fails as Hermes' Kafka write would: 500.
- ``POST /api/v0/submit_message/validate/``: no key needed, always 200, the
  body is ``{}`` or the error tree.

Accepted messages are kept in ``received`` (as sent) and ``published`` (as
they would go onto the topic) for the tests to inspect.
"""
from __future__ import annotations

import json
import math
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from astropy import units as u
from astropy.coordinates import Latitude, Longitude
from dateutil.parser import parse as dateutil_parse

KAFKA_MESSAGE_LIMIT = 1_000_020
UNITS = ["AB mag", "Vega mag", "mJy", "erg / s / cm² / Å"]
REQUIRED = "This field is required."


class Invalid(Exception):
    def __init__(self, detail):
        self.detail = detail


# ---- field types, in the manner of Django REST framework ------------------------------------------------

def char(value, blank_ok=False):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(["Not a valid string."])
    value = str(value).strip()
    if value == "" and not blank_ok:
        raise Invalid(["This field may not be blank."])
    return value


def number(value, low=None, high=None):
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise Invalid(["A valid number is required."]) from None
    if math.isnan(result) or math.isinf(result):
        raise Invalid(["A valid number is required."])
    if low is not None and result < low:
        raise Invalid([f"Ensure this value is greater than or equal to {low}."])
    if high is not None and result > high:
        raise Invalid([f"Ensure this value is less than or equal to {high}."])
    return result


def choice(options):
    def check(value):
        if value not in options:
            raise Invalid([f'"{value}" is not a valid choice.'])
        return value
    return check


def a_date(value):
    text = char(value)
    try:
        float(text)
        return text
    except ValueError:
        pass
    try:
        dateutil_parse(text)
    except (ValueError, OverflowError):
        raise Invalid([f"{text} does not parse with dateutil.parser.parse. Please specify the date in a "
                       "standard format or as a JD."]) from None
    return text


def angle(kind):
    def check(value):
        text = char(value)
        try:
            return kind(float(text) * u.deg).deg
        except ValueError:
            pass
        except u.UnitsError:
            raise Invalid(["Must be in a format astropy understands"]) from None
        for attempt in ({"unit": u.hourangle}, {}):
            try:
                return kind(text, **attempt).deg
            except Exception:  # astropy raises several kinds; Hermes catches them all the same way
                continue
        raise Invalid(["Must be in a format astropy understands"])
    return check


def list_of(item, min_length=0):
    def check(value):
        if not isinstance(value, list):
            raise Invalid([f'Expected a list of items but got type "{type(value).__name__}".'])
        if len(value) < min_length:
            raise Invalid([f"Ensure this field has at least {min_length} elements."])
        out, errors = [], {}
        for index, element in enumerate(value):
            try:
                out.append(item(element))
            except Invalid as exc:
                errors[index] = exc.detail
        if errors:
            raise Invalid(errors)
        return out
    return check


# ---- serializers: (field -> (type, required, default)), then cross-field rules --------------------------

def serializer(fields, rules=()):
    def check(value):
        if not isinstance(value, dict):
            raise Invalid({"non_field_errors": [f"Invalid data. Expected a dictionary, but got "
                                                f"{type(value).__name__}."]})
        out, errors = {}, {}
        for name, (kind, required, default) in fields.items():
            if name not in value:
                if required:
                    errors[name] = [REQUIRED]
                elif default is not None:
                    out[name] = default
                continue
            raw = value[name]
            if raw is None:
                if required:
                    errors[name] = ["This field may not be null."]
                continue
            try:
                out[name] = kind(raw)
            except Invalid as exc:
                errors[name] = exc.detail
        if errors:
            raise Invalid(errors)
        out = {k: v for k, v in out.items() if v}  # Hermes drops every empty value, 0 and False included
        for rule in rules:
            rule(out)
        return out
    return check


def many(item):
    def check(value):
        if not isinstance(value, list):
            raise Invalid({"non_field_errors": [f'Expected a list of items but got type "{type(value).__name__}".']})
        out, errors, bad = [], [], False
        for element in value:
            try:
                out.append(item(element))
                errors.append({})
            except Invalid as exc:
                errors.append(exc.detail)
                bad = True
        if bad:
            raise Invalid(errors)
        return out
    return check


def both_or_neither(first, second, message_first, message_second):
    def rule(row):
        if row.get(first) and not row.get(second):
            raise Invalid({second: [message_second]})
        if row.get(second) and not row.get(first):
            raise Invalid({first: [message_first]})
    return rule


def orbit_rule(row):
    if (row.get("semimajor_axis") and row.get("mean_anomaly")) or (
            row.get("perihelion_distance") and row.get("epoch_of_perihelion")):
        return
    both_or_neither("semimajor_axis", "mean_anomaly", "Must set semimajor_axis when mean_anomaly is set",
                    "Must set mean_anomaly when semimajor_axis is set")(row)
    both_or_neither("perihelion_distance", "epoch_of_perihelion",
                    "Must set perihelion_distance when epoch_of_perihelion is set",
                    "Must set epoch_of_perihelion when perihelion_distance is set")(row)
    text = "Must set mean_anomaly/semimajor_axis or epoch_of_perihelion/perihelion_distance"
    raise Invalid({k: [text] for k in ("mean_anomaly", "semimajor_axis", "epoch_of_perihelion", "perihelion_distance")})


ORBIT = serializer({
    "epoch_of_elements": (a_date, True, None),
    "orbital_inclination": (lambda v: number(v, 0.0, 180.0), True, None),
    "longitude_of_the_ascending_node": (lambda v: number(v, 0.0, 360.0), True, None),
    "argument_of_the_perihelion": (lambda v: number(v, 0.0, 360.0), True, None),
    "eccentricity": (lambda v: number(v, 0.0), True, None),
    "semimajor_axis": (number, False, None),
    "mean_anomaly": (lambda v: number(v, 0.0, 360.0), False, None),
    "perihelion_distance": (number, False, None),
    "epoch_of_perihelion": (a_date, False, None),
}, [orbit_rule])


def position_rule(row):
    if row.get("ra") and row.get("dec"):
        return
    both_or_neither("ra", "dec", "Must set ra if dec is set", "Must set dec if ra is set")(row)
    if not row.get("orbital_elements"):
        text = "ra/dec or orbital elements are required"
        raise Invalid({"ra": [text], "dec": [text], "orbital_elements": {"non_field_errors": [text]}})


TARGET = serializer({
    "name": (char, True, None),
    "ra": (angle(Longitude), False, None),
    "dec": (angle(Latitude), False, None),
    "ra_error": (number, False, None), "dec_error": (number, False, None),
    "ra_error_units": (choice(["degrees", "mas", "arcsec", "arcmin"]), False, "degrees"),
    "dec_error_units": (choice(["degrees", "mas", "arcsec", "arcmin"]), False, "degrees"),
    "pm_ra": (number, False, None), "pm_dec": (number, False, None),
    "epoch": (a_date, False, "2000.0"),
    "orbital_elements": (ORBIT, False, None),
    "distance": (number, False, None), "distance_error": (number, False, None),
    "distance_units": (choice(["cm", "m", "km", "pc", "kpc", "Mpc", "Gpc", "ly", "au"]), False, None),
    "redshift": (number, False, None), "host_name": (char, False, None), "host_redshift": (number, False, None),
    "aliases": (list_of(char), False, None),
    "group_associations": (char, False, None),
}, [position_rule])


def telescope_or_instrument(row):
    if not (row.get("telescope") or row.get("instrument")):
        text = "Must have at least one of telescope or instrument set"
        raise Invalid({"telescope": [text], "instrument": [text]})


COMMON = {
    "target_name": (char, True, None),
    "date_obs": (a_date, True, None),
    "telescope": (lambda v: char(v, blank_ok=True), False, ""),
    "instrument": (lambda v: char(v, blank_ok=True), False, ""),
}


def detection_or_limit(row):
    if not (row.get("brightness") or row.get("limiting_brightness")):
        text = "brightness or limiting_brightness are required"
        raise Invalid({"brightness": [text], "limiting_brightness": [text]})


PHOTOMETRY = serializer({
    **COMMON,
    "bandpass": (char, True, None),
    "brightness": (number, False, None), "brightness_error": (number, False, None),
    "brightness_unit": (choice(UNITS), False, "AB mag"),
    "limiting_brightness": (number, False, None), "limiting_brightness_error": (number, False, None),
    "limiting_brightness_unit": (choice(UNITS), False, "AB mag"),
    "exposure_time": (number, False, None), "observer": (char, False, None), "comments": (char, False, None),
    "catalog": (char, False, None), "group_associations": (char, False, None),
}, [telescope_or_instrument, detection_or_limit])


def same_lengths(row):
    if "flux_error" in row and len(row["flux_error"]) != len(row["flux"]):
        raise Invalid({"non_field_errors": ["Must have same number of datapoints for flux and flux_error"]})
    if len(row["flux"]) != len(row["wavelength"]):
        raise Invalid({"non_field_errors": ["Must have same number of datapoints for flux and wavelength"]})


SPECTROSCOPY = serializer({
    **COMMON,
    "setup": (char, False, None), "exposure_time": (number, False, None),
    "flux": (list_of(number, 1), True, None),
    "flux_error": (list_of(number), False, None),
    "flux_units": (choice(["mJy", "erg / s / cm² / Å"]), False, "mJy"),
    "wavelength": (list_of(number, 1), True, None),
    "wavelength_units": (choice(["Å", "nm", "µm", "Hz", "GHz", "THz"]), False, "nm"),
    "flux_type": (choice(["Fλ", "Flambda", "Fν", "Fnu"]), False, "Fλ"),
    "classification": (char, False, None), "comments": (char, False, None), "observer": (char, False, None),
    "reducer": (char, False, None),
    "spec_type": (choice(["Object", "Host", "Synthetic", "Sky", "Arcs"]), False, None),
}, [telescope_or_instrument, same_lengths])

DATA_TABLES = {"targets": TARGET, "photometry": PHOTOMETRY, "spectroscopy": SPECTROSCOPY}


def tables_rule(data):
    names = [t.get("name") for t in data.get("targets", [])]
    errors = {}
    duplicates = [{"name": ["The target name must be unique within the submission"]} if names.count(n) > 1 else {}
                  for n in names]
    if any(duplicates):
        errors["targets"] = duplicates
    for table in ("photometry", "spectroscopy"):
        rows = [{} if row.get("target_name") in names else
                {"target_name": ["The target_name must reference a name in your target table"]}
                for row in data.get(table, [])]
        if any(rows):
            errors[table] = rows
    if errors:
        raise Invalid(errors)


DATA = serializer({name: (many(kind), False, None) for name, kind in DATA_TABLES.items()}, [tables_rule])
MESSAGE = serializer({
    "title": (char, True, None),
    "topic": (char, True, None),
    "message_text": (lambda v: char(v, blank_ok=True), False, ""),
    "submitter": (char, True, None),
    "authors": (lambda v: char(v, blank_ok=True), False, ""),
    "data": (DATA, False, None),
})


def check(message) -> tuple[dict | None, dict]:
    """``(the message as published, {})`` or ``(None, the error tree)``; other ``data`` keys pass through."""
    try:
        published = MESSAGE(message)
    except Invalid as exc:
        return None, exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    extra = {k: v for k, v in (message.get("data") or {}).items() if k not in DATA_TABLES}
    if extra:
        published["data"] = {**published.get("data", {}), **extra}
    for key in ("title", "topic", "submitter"):  # required, so never dropped as empty
        published.setdefault(key, message[key])
    published.setdefault("authors", "")
    published.setdefault("message_text", "")
    return published, {}


class HermesStandIn:
    def __init__(self, api_keys=("hermes-test-key",)):
        self.api_keys = set(api_keys)
        self.received: list[dict] = []
        self.published: list[dict] = []
        self.uuids: list[str] = []
        self.validations = 0
        self.accept_at_most: int | None = None  # after this many messages, answer 503 (Hermes down mid-share)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "HermesStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.published.clear()
            self.uuids.clear()
            self.validations = 0
            self.accept_at_most = None

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status: int, body) -> None:
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/html")
                self.send_header("Content-Length", str(len(data)))
                if status == 401:
                    self.send_header("WWW-Authenticate", "Token")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.reply(405, {"detail": 'Method "GET" not allowed.'})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path not in ("/api/v0/submit_message/", "/api/v0/submit_message/validate/"):
                    return self.reply(404, {"detail": "Not found."})
                try:
                    message = json.loads(body)
                except ValueError:
                    return self.reply(400, {"detail": "JSON parse error"})
                published, errors = check(message)
                if self.path.endswith("/validate/"):
                    with standin.lock:
                        standin.validations += 1
                    return self.reply(200, errors)
                auth = self.headers.get("Authorization", "")
                if not auth:
                    return self.reply(401, {"detail": "Authentication credentials were not provided."})
                kind, _, key = auth.partition(" ")
                if kind != "Token" or key not in standin.api_keys:
                    return self.reply(401, {"detail": "Invalid token."})
                if errors:
                    return self.reply(400, errors)
                if standin.accept_at_most is not None and len(standin.received) >= standin.accept_at_most:
                    return self.reply(503, b"<h1>503 Service Unavailable</h1>")
                if len(json.dumps(published).encode("utf-8")) > KAFKA_MESSAGE_LIMIT:
                    # Hermes' write to Kafka fails (MSG_SIZE_TOO_LARGE) and the view errors out.
                    return self.reply(500, b"<h1>Server Error (500)</h1>")
                message_id = str(uuid.uuid4())
                with standin.lock:
                    standin.received.append(message)
                    standin.published.append(published)
                    standin.uuids.append(message_id)
                return self.reply(200, {**published, "uuid": message_id})

        return Handler
