"""The Hermes handler on its own: matching, rows it cannot use, once-only ingestion, target creation."""
from __future__ import annotations

import logging
import uuid
from types import SimpleNamespace

import pytest
from hop.models import JSONBlob

from alertstreams.hermes import hermes_alert_handler, hermes_batch_handler, ingest_hermes_message
from alertstreams.models import IngestedMessage
from alertstreams.runner import BadMessage
from dataproducts.models import Ingest, Origin, ReducedDatum
from targets.models import Target
from targets.services import create_target
from tests.conftest import sidereal

from .conftest import hermes_message, photometry_row

pytestmark = pytest.mark.django_db


def metadata(topic: str, message_id: uuid.UUID | None = None):
    """What hop gives a handler (hop.io.Metadata's fields that handlers read)."""
    headers = [("title", b"t"), ("_sender", b"s"), ("_format", b"json")]
    if message_id:
        headers.append(("_id", message_id.bytes))
    return SimpleNamespace(topic=topic, partition=0, offset=0, timestamp=0, key=None, headers=headers)


def test_it_saves_photometry_on_the_target_matched_by_an_alias(target):
    message_id = uuid.uuid4()
    rows = [photometry_row("ZTF24 aaaaaaa", n) for n in range(3)]  # an alias of SN 2024abc, spelled differently
    outcome = hermes_alert_handler(JSONBlob(content=hermes_message("ZTF24 aaaaaaa", rows)),
                                   metadata("hermes.test", message_id))
    assert outcome.created == 3 and not outcome.skipped
    datums = ReducedDatum.objects.filter(target=target).order_by("timestamp")
    assert [d.brightness for d in datums] == [18.0, 18.001, 18.002]
    first = datums[0]
    assert first.source_name == "Hermes:hermes.test"
    assert str(message_id) in first.source_location
    assert (first.bandpass, first.unit, first.telescope, first.instrument) == ("g", "AB mag", "LCO 1m", "Sinistro")
    assert first.ingest.origin == Origin.STREAM and str(message_id) in first.ingest.stream_message


def test_a_redelivered_message_is_ingested_once(target):
    message_id = uuid.uuid4()
    message = JSONBlob(content=hermes_message("SN 2024abc", [photometry_row("SN 2024abc", n) for n in range(5)]))
    assert hermes_alert_handler(message, metadata("hermes.test", message_id)).created == 5
    again = hermes_alert_handler(message, metadata("hermes.test", message_id))
    assert again.duplicate and again.created == 0
    assert ReducedDatum.objects.filter(target=target).count() == 5
    assert IngestedMessage.objects.filter(message_id=message_id).count() == 1


def test_the_same_rows_under_another_message_id_are_not_stored_twice(target):
    message = hermes_message("SN 2024abc", [photometry_row("SN 2024abc", n) for n in range(4)])
    ingest_hermes_message(message, topic="hermes.test", message_id=uuid.uuid4())
    outcome = ingest_hermes_message(message, topic="hermes.test", message_id=uuid.uuid4())
    assert (outcome.created, outcome.existing) == (0, 4)
    assert ReducedDatum.objects.filter(target=target).count() == 4
    assert Ingest.objects.filter(origin=Origin.STREAM).count() == 1  # the empty second ingest is not kept


def test_rows_it_cannot_use_are_logged_with_the_reason_and_the_rest_is_kept(target, caplog):
    rows = [
        photometry_row("SN 2024abc", 1),
        {**photometry_row("SN 2024abc", 2), "date_obs": None},
        {**photometry_row("SN 2024abc", 3), "telescope": "", "instrument": ""},
        {**photometry_row("SN 2024abc", 4), "brightness": "bright"},
        {k: v for k, v in photometry_row("SN 2024abc", 5).items() if k != "brightness"},
        photometry_row("AT 2099nobody", 6),
        "not a row",
        photometry_row("SN 2024abc", 8),
    ]
    with caplog.at_level(logging.WARNING, logger="alertstreams.hermes"):
        outcome = ingest_hermes_message(hermes_message("SN 2024abc", rows), topic="hermes.test",
                                        message_id=uuid.uuid4())
    assert outcome.created == 2
    assert ReducedDatum.objects.filter(target=target).count() == 2
    logged = caplog.text
    assert "photometry row 2: date_obs is missing" in logged
    assert "photometry row 3: needs a telescope or an instrument" in logged
    assert "photometry row 4: brightness: 'bright' is not a number" in logged
    assert "photometry row 5: needs brightness or limiting_brightness" in logged
    assert "photometry row 6: no target named 'AT 2099nobody'" in logged
    assert "photometry row 7: is not an object" in logged
    assert not Target.objects.filter(name="AT 2099nobody").exists()


def test_a_non_detection_keeps_its_limit_and_dates_may_be_jd_or_mjd(target):
    rows = [
        {**photometry_row("SN 2024abc", 1), "brightness": None, "limiting_brightness": 20.5, "date_obs": 2460400.5},
        {**photometry_row("SN 2024abc", 2), "date_obs": "60401.25"},
    ]
    ingest_hermes_message(hermes_message("SN 2024abc", rows), topic="hermes.test", message_id=uuid.uuid4())
    limit, detection = ReducedDatum.objects.filter(target=target).order_by("timestamp")
    assert limit.brightness is None and limit.limit == 20.5 and limit.is_limit
    assert limit.timestamp.isoformat() == "2024-03-31T00:00:00+00:00"  # JD 2460400.5 = MJD 60400
    assert detection.timestamp.isoformat() == "2024-04-01T06:00:00+00:00"


def test_an_inline_spectrum_is_saved(target):
    spectrum = {"target_name": "SN 2024abc", "date_obs": "2026-02-01T00:00:00Z", "telescope": "SOAR",
                "flux": [1.0, 2.0, 3.0], "wavelength": [400, 500, 600], "flux_error": [0.1, 0.1, 0.2],
                "flux_units": "mJy"}
    outcome = ingest_hermes_message(hermes_message("SN 2024abc", rows=[], spectroscopy=[spectrum]),
                                    topic="hermes.test", message_id=uuid.uuid4())
    assert outcome.created == 1
    datum = ReducedDatum.objects.get(target=target, data_type="spectroscopy")
    assert datum.value["flux"] == [1.0, 2.0, 3.0] and datum.value["error"] == [0.1, 0.1, 0.2]
    assert datum.value["wavelength_units"] == "nm" and datum.telescope == "SOAR"


def test_unknown_targets_are_created_from_the_message_when_the_setting_allows(settings, users):
    settings.ALERT_STREAMS_CREATE_TARGETS = True
    targets = [{"name": "AT 2026new", "ra": "10:00:00", "dec": "-05:30:00", "aliases": ["ZTF26new"],
                "redshift": 0.03},
               {"name": "C/2026 A1", "orbital_elements": {
                   "epoch_of_elements": 60000.0, "orbital_inclination": 10.0, "longitude_of_the_ascending_node": 20.0,
                   "argument_of_the_perihelion": 30.0, "eccentricity": 0.9, "perihelion_distance": 1.1,
                   "epoch_of_perihelion": 60100.0}}]
    rows = [photometry_row("AT 2026new", 1), photometry_row("C/2026 A1", 2), photometry_row("AT 2026nothere", 3)]
    outcome = ingest_hermes_message(hermes_message("x", rows, targets=targets), topic="hermes.test",
                                    message_id=uuid.uuid4())
    assert sorted(outcome.targets_created) == ["AT 2026new", "C/2026 A1"]
    sn = Target.objects.get(name="AT 2026new")
    assert (sn.ra, sn.dec) == (150.0, -5.5) and sn.alias_names() == ["ZTF26new"]
    assert sn.extras.get(key="redshift").value == "0.03" and sn.shared_from == "Hermes:hermes.test"
    comet = Target.objects.get(name="C/2026 A1")
    assert comet.type == "NON_SIDEREAL" and comet.scheme == "MPC_COMET" and comet.perihdist == 1.1
    assert sn.reduced_data.count() == 1 and comet.reduced_data.count() == 1
    assert any("AT 2026nothere" in reason for reason in outcome.skipped)  # not in the targets table


def test_unknown_targets_are_not_created_by_default(db):
    outcome = ingest_hermes_message(hermes_message("AT 2026new", [photometry_row("AT 2026new", 1)]),
                                    topic="hermes.test", message_id=uuid.uuid4())
    assert outcome.created == 0 and not Target.objects.filter(name="AT 2026new").exists()


@pytest.mark.parametrize("value", [b"{not json", b"[1, 2]", b'{"title": "no data"}'])
def test_what_is_not_a_hermes_message_raises_bad_message(db, value):
    with pytest.raises(BadMessage, match="not a Hermes message"):
        hermes_alert_handler(value, metadata("hermes.test", uuid.uuid4()))
    assert not IngestedMessage.objects.exists()


def test_matching_costs_the_same_queries_whatever_the_number_of_targets(users, django_assert_max_num_queries):
    names = [f"AT 2026x{i:03d}" for i in range(20)]
    for name in names:
        create_target(users["superuser"], sidereal(name))
    rows = [photometry_row(name, n) for n, name in enumerate(names)]
    message = hermes_message(names[0], rows, targets=[{"name": n, "aliases": [n + " alias"]} for n in names])
    # id check + id insert + one name query; per target: savepoint, ingest row, insert (save_datums)
    with django_assert_max_num_queries(3 + 20 * 4):
        outcome = ingest_hermes_message(message, topic="hermes.test", message_id=uuid.uuid4())
    assert outcome.created == 20


def test_matched_targets_are_whole_target_objects(target):
    from alertstreams.hermes import _targets_by_key

    found = _targets_by_key({"sn2024abc", "at2024abc", "nosuchkey"})
    assert set(found) == {"sn2024abc", "at2024abc"}
    same = Target.objects.get(pk=target.pk)
    for field in Target._meta.concrete_fields:
        assert getattr(found["at2024abc"], field.attname) == getattr(same, field.attname), field.name


def test_a_batch_gives_what_message_by_message_gives_with_each_target_saved_once(users, target,
                                                                                 django_assert_max_num_queries):
    other = create_target(users["superuser"], sidereal("AT 2026two"))
    ids = [uuid.uuid4() for _ in range(6)]
    items = []
    for n, message_id in enumerate(ids):
        name = "SN 2024abc" if n % 2 else "AT 2026two"
        items.append((JSONBlob(content=hermes_message(name, [photometry_row(name, n * 10 + r) for r in range(3)])),
                      metadata("hermes.test", message_id)))
    items.append(items[0])  # redelivered within the same batch
    with django_assert_max_num_queries(3 + 2 * 4):  # the id check and insert, names, then per target
        outcomes = hermes_batch_handler(items)
    assert [o.created for o in outcomes] == [3] * 6 + [0] and outcomes[-1].duplicate
    assert target.reduced_data.count() == 9 and other.reduced_data.count() == 9
    assert {d.source_location for d in target.reduced_data.all()} == {
        f"https://hermes.lco.global/api/v0/query/message/{i}/" for i in ids[1::2]}
    again = hermes_batch_handler(items)
    assert all(o.duplicate for o in again)


def test_ingested_data_is_queued_for_continuous_sharing_like_any_other(target, users,
                                                                      django_capture_on_commit_callbacks):
    from sharing.models import Delivery, PersistentShare

    share = PersistentShare.objects.create(target=target, destination="elsewhere", user=users["superuser"])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ingest_hermes_message(hermes_message("SN 2024abc", [photometry_row("SN 2024abc", 1)]),
                                        topic="hermes.test", message_id=uuid.uuid4())
    assert outcome.created == 1
    delivery = Delivery.objects.get(share=share)
    assert delivery.ingest.reduced_data.get().source_name == "Hermes:hermes.test"
