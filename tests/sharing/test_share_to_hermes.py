"""Sharing a target's data to Hermes: through its API (a stand-in server on loopback) and straight to a topic.

The stand-in (tests/sharing/hermes_standin.py) applies Hermes' rules on its
own, so a message we build wrongly, or a rule our validation misses, fails
here. Kafka publishing goes to the real test broker and is read back with
hop-client, headers included.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from uuid import UUID

import pytest
import requests
from hop import Stream
from hop.io import StartPosition

from dataproducts.datums import parse_datum
from dataproducts.models import ReducedDatum
from dataproducts.services import save_datums
from sharing.destinations import destination
from sharing.errors import SharingError
from sharing.hermes import MAX_MESSAGE_BYTES, build_messages, validation_errors
from sharing.clients.hermes import kafka as hermes_kafka
from sharing.services import HermesText, share_target
from targets.services import TargetInput, create_target

pytestmark = pytest.mark.django_db

API_KEY = "hermes-test-key"  # what the hermes_standin fixture (conftest.py) accepts
TEXT = HermesText(title="New data on SN 2024abc", message="Follow-up photometry.", authors="A. Astronomer (Obs.)")


@pytest.fixture(autouse=True)
def fresh_standin(hermes_standin):
    hermes_standin.reset()
    return hermes_standin


@pytest.fixture
def via_api(settings, hermes_standin):
    settings.DATA_SHARING = {"hermes": {"DISPLAY_NAME": "Hermes", "BASE_URL": hermes_standin.url,
                                        "HERMES_API_KEY": API_KEY, "USER_TOPICS": ["hermes.test", "tomtoolkit.test"]}}
    return "hermes"


def photometry(when: str, **value) -> dict:
    return parse_datum({"data_type": "photometry", "timestamp": when, "value": value})


@pytest.fixture
def observed(target):
    """Two detections, a non-detection (a limit) and a spectrum in F-lambda per Angstrom."""
    save_datums(target, [
        photometry("2024-03-01T04:12:33", magnitude=18.5, error=0.05, filter="g", telescope="LCO 1m",
                   instrument="Sinistro"),
        photometry("2024-03-02T04:00:00", magnitude=18.2, error=0.04, filter="r", telescope="LCO 1m", unit="AB"),
        photometry("2024-03-03T04:00:00", limit=20.1, filter="g", telescope="LCO 1m"),
        parse_datum({"data_type": "spectroscopy", "timestamp": "2024-03-04T05:00:00", "telescope": "SOAR",
                     "value": {"flux": [1e-16, 2e-16, 3e-16], "wavelength": [5000, 5001, 5002],
                               "flux_units": "erg / (Angstrom s cm2)", "wavelength_units": "Angstrom"}}),
    ], origin="manual")
    return target


def test_photometry_with_a_limit_and_a_spectrum_are_accepted_through_the_api(via_api, users, observed,
                                                                             hermes_standin):
    outcome = share_target(users["editor"], observed, via_api, data="all", hermes=TEXT)
    record = outcome.record
    assert record.outcome == "sent", record.message
    assert (record.created_count, record.existing_count, record.failed_count) == (4, 0, 0)
    assert record.message == "Published 1 message to hermes.test through Hermes (4 rows)."
    assert record.message_ids == hermes_standin.uuids and len(record.message_ids) == 1
    assert hermes_standin.validations == 1  # Hermes checked it before it was published

    sent = hermes_standin.received[0]
    assert (sent["title"], sent["topic"], sent["authors"], sent["message_text"]) == (
        "New data on SN 2024abc", "hermes.test", "A. Astronomer (Obs.)", "Follow-up photometry.")
    assert sent["submitter"] == "editor via Test TOM"
    assert sent["data"]["targets"] == [{"name": "SN 2024abc", "ra": 150.0, "dec": 2.5,
                                        "aliases": ["AT 2024abc", "ZTF24aaaaaaa"]}]
    rows = sent["data"]["photometry"]
    assert [r["date_obs"] for r in rows] == ["2024-03-01T04:12:33Z", "2024-03-02T04:00:00Z", "2024-03-03T04:00:00Z"]
    assert rows[0] == {"target_name": "SN 2024abc", "date_obs": "2024-03-01T04:12:33Z", "telescope": "LCO 1m",
                       "instrument": "Sinistro", "bandpass": "g", "brightness": 18.5, "brightness_error": 0.05,
                       "brightness_unit": "AB mag", "limiting_brightness_unit": "AB mag"}
    assert "brightness" not in rows[2] and rows[2]["limiting_brightness"] == 20.1
    spectrum = sent["data"]["spectroscopy"][0]
    assert (spectrum["flux_units"], spectrum["wavelength_units"], spectrum["flux_type"]) == (
        "erg / s / cm² / Å", "Å", "Fλ")
    assert spectrum["flux"] == [1e-16, 2e-16, 3e-16] and spectrum["wavelength"] == [5000.0, 5001.0, 5002.0]
    # What readers of the topic get: Hermes' published form keeps every row.
    assert len(hermes_standin.published[0]["data"]["photometry"]) == 3


def test_a_non_sidereal_target_goes_with_its_orbital_elements(via_api, users, hermes_standin):
    comet = create_target(users["superuser"], TargetInput({
        "name": "C/2023 A3", "type": "NON_SIDEREAL", "scheme": "MPC_COMET", "epoch_of_elements": 60400.0,
        "inclination": 139.1, "lng_asc_node": 21.6, "arg_of_perihelion": 308.5, "eccentricity": 1.0001,
        "perihdist": 0.391, "epoch_of_perihelion": 60581.2}, ["Tsuchinshan-ATLAS"]))
    save_datums(comet, [photometry("2024-10-01T00:00:00", magnitude=4.1, filter="V", instrument="eye",
                                   unit="Vega")], origin="manual")
    outcome = share_target(users["superuser"], comet, via_api, data="all")
    assert outcome.record.outcome == "sent", outcome.record.message
    target = hermes_standin.received[0]["data"]["targets"][0]
    assert "ra" not in target and target["aliases"] == ["Tsuchinshan-ATLAS"]
    assert target["orbital_elements"] == {
        "epoch_of_elements": "60400.0", "orbital_inclination": 139.1, "longitude_of_the_ascending_node": 21.6,
        "argument_of_the_perihelion": 308.5, "eccentricity": 1.0001, "perihelion_distance": 0.391,
        "epoch_of_perihelion": "60581.2"}
    row = hermes_standin.received[0]["data"]["photometry"][0]
    assert (row["brightness_unit"], row["instrument"]) == ("Vega mag", "eye")
    assert hermes_standin.received[0]["title"] == "C/2023 A3: 1 photometry point from Test TOM"


def test_a_bad_row_is_named_and_nothing_is_sent(via_api, users, observed, hermes_standin):
    save_datums(observed, [photometry("2024-03-05T00:00:00", magnitude=17.9, filter="i")], origin="manual")
    outcome = share_target(users["editor"], observed, via_api, data="photometry", hermes=TEXT)
    record = outcome.record
    assert record.outcome == "failed"
    assert "photometry[3]: telescope or instrument is required" in record.message
    assert record.message_ids == [] and record.created_count == 0
    assert hermes_standin.received == [] and hermes_standin.validations == 0


def test_flux_photometry_is_converted_to_a_unit_hermes_takes(via_api, users, target, hermes_standin):
    save_datums(target, [photometry("2024-03-01T00:00:00", brightness=250.0, brightness_error=10.0, filter="r",
                                    telescope="T", unit="uJy")], origin="manual")
    outcome = share_target(users["editor"], target, via_api, data="all")
    assert outcome.record.outcome == "sent", outcome.record.message
    row = hermes_standin.received[0]["data"]["photometry"][0]
    assert (row["brightness"], row["brightness_error"], row["brightness_unit"]) == (
        pytest.approx(0.25), pytest.approx(0.01), "mJy")


def test_a_unit_hermes_does_not_know_is_named(via_api, users, target, hermes_standin):
    save_datums(target, [photometry("2024-03-01T00:00:00", brightness=1200.0, filter="r", telescope="T",
                                    unit="counts")], origin="manual")
    outcome = share_target(users["editor"], target, via_api, data="all")
    assert outcome.record.outcome == "failed"
    assert "photometry[0]: brightness_unit 'counts' is not one of AB mag, Vega mag, mJy" in outcome.record.message
    assert hermes_standin.received == []


@pytest.fixture
def long_light_curve(target):
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    save_datums(target, [
        {"data_type": "photometry", "timestamp": start + timedelta(hours=i), "source_name": "", "source_location": "",
         "bandpass": "gri"[i % 3], "brightness": 18 + (i % 100) / 100, "brightness_error": 0.05, "limit": None,
         "unit": "AB", "telescope": "ZTF", "instrument": "ZTF-cam", "exposure_time": 30.0, "value": {}}
        for i in range(8000)], origin="manual")
    return target


def test_a_long_light_curve_is_split_into_messages_that_each_fit(via_api, users, long_light_curve, hermes_standin):
    outcome = share_target(users["editor"], long_light_curve, via_api, data="photometry", hermes=TEXT)
    record = outcome.record
    assert record.outcome == "sent", record.message
    received = hermes_standin.received
    assert len(received) >= 3 and record.message_ids == hermes_standin.uuids
    assert len(set(record.message_ids)) == len(received)
    assert [m["title"] for m in received] == [f"New data on SN 2024abc (part {i} of {len(received)})"
                                              for i in range(1, len(received) + 1)]
    for message in hermes_standin.published:
        assert len(json.dumps(message).encode()) < MAX_MESSAGE_BYTES
    dates = [row["date_obs"] for m in received for row in m["data"]["photometry"]]
    assert len(dates) == 8000 == len(set(dates)) and dates == sorted(dates)
    assert all(m["data"]["targets"] == received[0]["data"]["targets"] for m in received)
    assert record.created_count == 8000


def test_a_wrong_api_key_is_a_clear_failed_record(settings, users, observed, hermes_standin):
    settings.DATA_SHARING = {"hermes": {"BASE_URL": hermes_standin.url, "HERMES_API_KEY": "not-the-key",
                                        "USER_TOPICS": ["hermes.test"]}}
    outcome = share_target(users["editor"], observed, "hermes", data="all")
    record = outcome.record
    assert record.outcome == "failed"
    assert record.message == "hermes refused the API key (HTTP 401): Invalid token."
    assert "not-the-key" not in record.message and hermes_standin.received == []


def test_an_unreachable_hermes_is_a_failed_record(settings, users, observed):
    settings.DATA_SHARING = {"hermes": {"DISPLAY_NAME": "Hermes", "BASE_URL": "http://127.0.0.1:9/",
                                        "HERMES_API_KEY": API_KEY, "USER_TOPICS": ["hermes.test"]}}
    outcome = share_target(users["editor"], observed, "hermes", data="all")
    assert outcome.record.outcome == "failed"
    assert outcome.record.message == "Could not reach Hermes at http://127.0.0.1:9/."


def test_a_topic_must_be_one_of_user_topics(via_api, users, observed):
    dest = destination(via_api)
    asked = SimpleNamespace(title="t", message="", authors="", topic="tomtoolkit.test")
    assert {m["topic"] for m in build_messages(dest, users["editor"], observed, ReducedDatum.objects.none(), asked)} \
        == {"tomtoolkit.test"}
    with pytest.raises(SharingError, match="'elsewhere' is not one of Hermes's USER_TOPICS"):
        build_messages(dest, users["editor"], observed, ReducedDatum.objects.none(),
                       SimpleNamespace(title="t", message="", authors="", topic="elsewhere"))


GOOD = {"title": "t", "topic": "hermes.test", "submitter": "me", "data": {
    "targets": [{"name": "A", "ra": "10:00:00", "dec": "-20.5"}],
    "photometry": [{"target_name": "A", "date_obs": "2460450.5", "telescope": "T", "bandpass": "g",
                    "limiting_brightness": 20.1}],
    "spectroscopy": [{"target_name": "A", "date_obs": "2024-05-20T04:12:33Z", "instrument": "I",
                      "flux": [1, 2], "wavelength": [500, 501], "flux_error": [0.1, 0.1]}]}}


def changed(path: str, value) -> dict:
    """GOOD with one value at a dotted path replaced (or deleted)."""
    message = json.loads(json.dumps(GOOD))
    *parents, last = path.split(".")
    node = message
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    last = int(last) if last.isdigit() else last
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return message


DELETE = object()
BAD_MESSAGES = [
    ("title", "  "), ("submitter", DELETE), ("topic", None),
    ("data.targets.0.name", ""), ("data.targets.0.dec", DELETE), ("data.targets.0.ra", "not an angle"),
    ("data.targets.0.dec", "95"), ("data.targets.0.ra", 0),
    ("data.photometry.0.target_name", "B"), ("data.photometry.0.telescope", ""),
    ("data.photometry.0.bandpass", DELETE), ("data.photometry.0.limiting_brightness", 0),
    ("data.photometry.0.brightness_unit", "ABmag"), ("data.photometry.0.date_obs", "yesterday-ish"),
    ("data.photometry.0.brightness_error", "big"),
    ("data.spectroscopy.0.flux", []), ("data.spectroscopy.0.wavelength", [500]),
    ("data.spectroscopy.0.flux_error", [0.1]), ("data.spectroscopy.0.wavelength_units", "angstrom"),
    ("data.spectroscopy.0.flux_units", "Jy"),
    ("data.targets", [{"name": "A", "ra": 1, "dec": 1}, {"name": "A", "ra": 2, "dec": 2}]),
    ("data.targets.0.orbital_elements", {"epoch_of_elements": "60000", "orbital_inclination": 10,
                                         "longitude_of_the_ascending_node": 20, "argument_of_the_perihelion": 30,
                                         "eccentricity": 0.1, "semimajor_axis": 2.5}),
    ("data.targets.0.orbital_elements", {"epoch_of_elements": "60000", "orbital_inclination": 190,
                                         "longitude_of_the_ascending_node": 20, "argument_of_the_perihelion": 30,
                                         "eccentricity": 0.1, "semimajor_axis": 2.5, "mean_anomaly": 5}),
]


@pytest.mark.parametrize("path,value", BAD_MESSAGES, ids=[p for p, _ in BAD_MESSAGES])
def test_our_validation_refuses_what_hermes_refuses(hermes_standin, path, value):
    message = changed(path, value)
    theirs = requests.post(hermes_standin.url + "api/v0/submit_message/validate/", json=message, timeout=10)
    assert theirs.status_code == 200 and theirs.json() != {}, "the stand-in accepted it"
    assert validation_errors(message) != []


def test_our_validation_accepts_what_hermes_accepts(hermes_standin):
    theirs = requests.post(hermes_standin.url + "api/v0/submit_message/validate/", json=GOOD, timeout=10)
    assert theirs.json() == {}
    assert validation_errors(GOOD) == []
    orbit = changed("data.targets.0", {"name": "A", "orbital_elements": {
        "epoch_of_elements": "60000", "orbital_inclination": 10, "longitude_of_the_ascending_node": 20,
        "argument_of_the_perihelion": 30, "eccentricity": 0.1, "perihelion_distance": 1.2,
        "epoch_of_perihelion": "2460450.5"}})
    assert requests.post(hermes_standin.url + "api/v0/submit_message/validate/", json=orbit, timeout=10).json() == {}
    assert validation_errors(orbit) == []


def test_validation_names_the_row_and_the_field():
    message = changed("data.photometry", [GOOD["data"]["photometry"][0], {**GOOD["data"]["photometry"][0],
                                                                        "telescope": "", "bandpass": " "}])
    assert validation_errors(message) == ["photometry[1]: telescope or instrument is required",
                                          "photometry[1]: bandpass is required"]


# ---- straight to the topic ---------------------------------------------------------------------------

@pytest.fixture
def via_kafka(settings, kafka_broker):
    topic = kafka_broker.new_topic("hermes")
    settings.DATA_SHARING = {"hop": {"DISPLAY_NAME": "HOPSKOTCH (local)", "BROKER_URL": kafka_broker.url,
                                     "BROKER_AUTH": False, "USER_TOPICS": [topic]}}
    return SimpleNamespace(key="hop", topic=topic, url=kafka_broker.topic_url(topic))


def read_back(url: str) -> list:
    stream = Stream(auth=False, start_at=StartPosition.EARLIEST, until_eos=True)
    with stream.open(url, "r") as reader:
        return list(reader.read(metadata=True))


def test_published_to_the_topic_exactly_as_hermes_would(via_kafka, users, observed):
    outcome = share_target(users["editor"], observed, via_kafka.key, data="all", hermes=TEXT)
    record = outcome.record
    assert record.outcome == "sent", record.message
    assert record.created_count == 4 and len(record.message_ids) == 1
    [(message, metadata)] = read_back(via_kafka.url)
    expected = build_messages(destination("hop"), users["editor"], observed,
                              ReducedDatum.objects.filter(target=observed).order_by("timestamp", "id"), TEXT)
    assert message.content == expected[0]
    assert message.content["topic"] == via_kafka.topic
    headers = dict(metadata.headers)
    assert str(UUID(bytes=headers["_id"])) == record.message_ids[0]
    assert (headers["_format"], headers["title"], headers["_sender"]) == (
        b"json", "New data on SN 2024abc".encode(), b"Test TOM")
    assert headers["topic"] == via_kafka.topic.encode()
    assert validation_errors(message.content) == []


def test_a_long_light_curve_reaches_the_topic_in_parts(via_kafka, users, long_light_curve):
    outcome = share_target(users["editor"], long_light_curve, via_kafka.key, data="photometry", hermes=TEXT)
    assert outcome.record.outcome == "sent", outcome.record.message
    received = read_back(via_kafka.url)
    assert len(received) == len(outcome.record.message_ids) >= 3
    by_id = {str(UUID(bytes=dict(meta.headers)["_id"])): msg.content for msg, meta in received}
    assert set(by_id) == set(outcome.record.message_ids)
    assert sum(len(m["data"]["photometry"]) for m in by_id.values()) == 8000
    for msg, meta in received:
        assert len(json.dumps(msg.content).encode()) < MAX_MESSAGE_BYTES
        assert dict(meta.headers)["title"].decode() == msg.content["title"]


def test_a_broker_that_does_not_answer_is_a_failed_record(settings, users, observed, monkeypatch):
    monkeypatch.setattr(hermes_kafka, "PRODUCE_TIMEOUT", timedelta(seconds=1))
    settings.DATA_SHARING = {"hop": {"BROKER_URL": "kafka://127.0.0.1:9/", "CREDENTIAL_USERNAME": "scimma-user",
                                     "CREDENTIAL_PASSWORD": "s3cret-pass", "BROKER_AUTH": False,
                                     "USER_TOPICS": ["hermes.test"]}}
    outcome = share_target(users["editor"], observed, "hop", data="all")
    record = outcome.record
    assert record.outcome == "failed" and record.message_ids == []
    assert record.message.startswith("Nothing was published to hermes.test: not delivered: Local: Message timed out")
    assert "Connection refused" in record.message
    assert "s3cret-pass" not in record.message


def test_scimma_credentials_sign_in_with_scram_and_stay_out_of_the_outcome(settings, users, observed, kafka_broker,
                                                                          monkeypatch):
    # The test broker has no SASL, so the SCRAM sign-in over TLS cannot succeed: a failed record, no secret in it.
    monkeypatch.setattr(hermes_kafka, "PRODUCE_TIMEOUT", timedelta(seconds=1))
    opened = []
    real_open = Stream.open

    def spy(self, url, mode="r", **kwargs):
        writer = real_open(self, url, mode, **kwargs)
        opened.append(writer.auth())
        return writer

    monkeypatch.setattr(Stream, "open", spy)
    settings.DATA_SHARING = {"hermes": {"BASE_URL": "https://hermes.lco.global/", "BROKER_URL": kafka_broker.url,
                                        "CREDENTIAL_USERNAME": "scimma-user", "CREDENTIAL_PASSWORD": "s3cret-pass",
                                        "USER_TOPICS": ["hermes.test"]}}
    outcome = share_target(users["editor"], observed, "hermes", data="all")
    assert opened[0]["sasl.mechanism"] == "SCRAM-SHA-512" and opened[0]["sasl.username"] == "scimma-user"
    assert opened[0]["security.protocol"] == "SASL_SSL"
    assert outcome.record.outcome == "failed" and "s3cret-pass" not in outcome.record.message


def test_what_we_publish_is_what_our_readstreams_handler_ingests(via_kafka, users, observed):
    from alertstreams.hermes import hermes_alert_handler

    share_target(users["editor"], observed, via_kafka.key, data="all", hermes=TEXT)
    [(message, metadata)] = read_back(via_kafka.url)

    def rows():
        return sorted((d.data_type, d.timestamp, d.bandpass, d.brightness, d.brightness_error, d.limit, d.telescope,
                       (d.value or {}).get("flux")) for d in ReducedDatum.objects.filter(target=observed))

    shared = rows()
    ReducedDatum.objects.filter(target=observed).delete()  # as a TOM that knows the target but not its data
    outcome = hermes_alert_handler(message, metadata)
    assert (outcome.created, outcome.skipped) == (4, [])
    assert rows() == shared
    assert outcome.message_id == str(UUID(bytes=dict(metadata.headers)["_id"]))


def test_broker_settings_from_the_environment_are_read_as_people_write_them(settings):
    settings.DATA_SHARING = {
        "local": {"BROKER_URL": "kafka://127.0.0.1:9092/", "BROKER_AUTH": "false", "USER_TOPICS": ["tom.test"]},
        "unset": {"BROKER_AUTH": "", "USER_TOPICS": ["tom.test"]},
        "wrong": {"BROKER_URL": "http://127.0.0.1:9092/", "BROKER_AUTH": False, "USER_TOPICS": ["tom.test"]},
    }
    local, unset, wrong = (destination(k) for k in ("local", "unset", "wrong"))
    assert local.configured and not local.broker_auth and not local.via_api
    assert not unset.configured and unset.broker_auth  # empty means the default: sign in, so credentials are needed
    assert wrong.problems == ("BROKER_URL 'http://127.0.0.1:9092/' is not a kafka:// URL.",)


def test_building_messages_costs_the_same_few_queries_for_any_number_of_rows(via_api, users, long_light_curve,
                                                                             django_assert_max_num_queries):
    datums = ReducedDatum.objects.filter(target=long_light_curve).order_by("timestamp", "id")
    with django_assert_max_num_queries(3):
        messages = build_messages(destination(via_api), users["editor"], long_light_curve, datums, TEXT)
    assert sum(len(m["data"]["photometry"]) for m in messages) == 8000


def test_hermes_failing_midway_keeps_what_was_published_and_counts_the_rest_as_failed(via_api, users,
                                                                                     long_light_curve, hermes_standin):
    hermes_standin.accept_at_most = 1
    outcome = share_target(users["editor"], long_light_curve, via_api, data="photometry", hermes=TEXT)
    record = outcome.record
    assert record.outcome == "partial"
    first = len(hermes_standin.received[0]["data"]["photometry"])
    assert (record.created_count, record.failed_count) == (first, 8000 - first)
    assert record.message_ids == hermes_standin.uuids and len(record.message_ids) == 1
    assert "Published 1 of 3 messages" in record.message and "part 2 of 3: Hermes answered HTTP 503; the message was not published; part 3" in record.message


@pytest.mark.parametrize("ours,theirs", [
    ("", ("AB mag", 1.0)), ("ABmag", ("AB mag", 1.0)), ("mag(AB)", ("AB mag", 1.0)), ("Vega", ("Vega mag", 1.0)),
    ("mJy", ("mJy", 1.0)), ("Jy", ("mJy", 1000.0)), ("erg / (Angstrom s cm2)", ("erg / s / cm² / Å", 1.0)),
    ("W / (m2 nm)", ("erg / s / cm² / Å", 100.0)), ("counts", ("counts", None)),
])
def test_photometry_units_map_to_the_four_hermes_takes(ours, theirs):
    from sharing.hermes import units

    name, factor = units.photometry(ours)
    assert (name, factor if factor is None else pytest.approx(factor)) == (theirs[0], theirs[1])


def test_a_spectrum_in_other_units_is_converted(via_api, users, target, hermes_standin):
    save_datums(target, [parse_datum({"data_type": "spectroscopy", "timestamp": "2024-03-04T05:00:00",
                                      "instrument": "NIRSpec", "value": {
                                          "flux": [2.0, 4.0], "error": [0.5, 0.5], "wavelength": [1.5, 2.5],
                                          "flux_units": "Jy", "wavelength_units": "m"}})], origin="manual")
    outcome = share_target(users["editor"], target, via_api, data="all")
    assert outcome.record.outcome == "sent", outcome.record.message
    spectrum = hermes_standin.received[0]["data"]["spectroscopy"][0]
    assert (spectrum["flux_units"], spectrum["flux_type"], spectrum["wavelength_units"]) == ("mJy", "Fν", "nm")
    assert spectrum["flux"] == [2000.0, 4000.0] and spectrum["flux_error"] == [500.0, 500.0]
    assert spectrum["wavelength"] == [1.5e9, 2.5e9]


def test_files_and_other_kinds_of_data_are_said_not_sent_without_failing_the_share(via_api, users, data_product,
                                                                                  hermes_standin):
    target = data_product.target
    save_datums(target, [parse_datum({"data_type": "astrometry", "timestamp": "2024-04-01T00:00:00",
                                      "value": {"ra": 150.0001, "dec": 2.5001}})], origin="manual")
    outcome = share_target(users["editor"], target, via_api, data="all", product_ids=[data_product.pk])
    record = outcome.record
    assert record.outcome == "sent", record.message
    assert (record.created_count, record.failed_count) == (3, 0)
    assert record.message == ("Published 1 message to hermes.test through Hermes (3 rows). 1 datum of other kinds "
                              "than photometry and spectra not sent. Data product files are not sent to Hermes "
                              "(1 not sent).")
    assert [r["telescope"] for r in hermes_standin.received[0]["data"]["photometry"]] == ["LCO-1m"] * 3
